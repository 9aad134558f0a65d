/** Test helpers: `import { TestServer } from 'typhoon/testing'`. */
export { TestServer, type TestFetchOptions, type TestResponse } from './test-server';
export { websocketConnect, WebSocketClientConnection, type WebSocketConnectOptions } from '../websocket/websocket-client';
export { startRedis, type RedisServer } from './redis-server';
