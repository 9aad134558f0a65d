/**
 * Typhoon: Tornado's programming model for TypeScript, on uWebSockets.js.
 * The one public entry point; everything users program against is exported here.
 */
import './di/ensure-metadata';

// The WebSocket layer provides itself to applications (lib/web knows only the SocketLayer seam).
import './websocket/websocket-layer';
export { inject, scoped, Lifecycle, container, delay, injectAll, registry } from 'tsyringe';
export { injectable } from './di/legacy-decorators';
export { singleton } from './di/singleton';
export type { DependencyContainer, InjectionToken } from 'tsyringe';

export * from './common/errors';
export * from './common/http-errors';
export { configureLogging, type LogLevel, type LogRecord, type LoggingOptions } from './common/log';

export { Application, type ApplicationOptions, type CloseOptions, type HTTPServer, type InjectOptions, type ListenOptions } from './web/application';
export type { TestResponse, TestBody } from './web/test-response';
export type { HookName, HookFunctions, RequestHook, ErrorHook } from './web/hooks';
export type { TransportKind } from './transport/types';
export type { TransportSetting } from './transport/create-transport';
export type { ApplicationSettings, ResolvedSettings, LogFunction } from './web/settings';
export type { HandlerSpec } from './web/router';
export { Route, type RouteOptions } from './web/route';
export { RequestHandler, type ResponseChunk, type SendErrorOptions, type StaticUrlOptions } from './web/request-handler';
export { HTTPServerRequest } from './web/http-server-request';
export { validate, type SchemaOutput, type StandardSchemaV1 } from './web/validation';
export { EventStream, type EventStreamOptions, type ServerSentEvent } from './web/event-stream';
export { OutputTransform, type OutputTransformClass } from './web/output-transform';
export { HTTPHeaders } from './common/http-headers';
export type { HTTPFile, ArgumentMap, FileMap } from './web/form-data';
export type { CookieOptions } from './web/cookies';
export type { CookieSecret } from './web/signed-value';
export { createSignedValue, decodeSignedValue } from './web/signed-value';
export { StaticFileHandler, type StaticFileArgs } from './web/static-file-handler';
export { RedirectHandler, type RedirectArgs } from './web/redirect-handler';
export { ErrorHandler } from './web/error-handler';
export { authenticated } from './web/decorators/authenticated';
export { streamRequestBody } from './web/decorators/stream-request-body';
export { addslash, removeslash } from './web/decorators/slashes';
export { websocketConnect, WebSocketClientConnection, type WebSocketConnectOptions, type WebSocketMessage } from './websocket/websocket-client';
export { WebSocketHandler, type WebSocketState } from './websocket/websocket-handler';
export { WebSocket } from './websocket/websocket-decorator';
export type { WebSocketOptions } from './websocket/websocket-options';
export { IOLoop, TimeoutHandle, type RunSyncOptions } from './ioloop/ioloop';
export { ThreadPoolExecutor, type ThreadPoolExecutorOptions, type ExecutorShutdownOptions } from './ioloop/thread-pool-executor';
export type { ExecutorTask } from './ioloop/executor-task';
export { PeriodicCallback } from './ioloop/periodic-callback';
export { sleep, moment, multi, withTimeout, coroutine, type QuietOptions } from './ioloop/gen';
export { AsyncHTTPClient, type AsyncHTTPClientOptions } from './httpclient/async-http-client';
export { HTTPRequest, type HTTPRequestOptions } from './httpclient/http-request';
export { HTTPResponse } from './httpclient/http-response';
export { HTTPClientError } from './httpclient/http-client-error';
export { Condition, Event, Semaphore, BoundedSemaphore, Lock, type Releaser } from './ioloop/locks';
export { Queue, PriorityQueue, LifoQueue, type Comparator } from './ioloop/queues';
export type { ClusterState, PubSubOptions } from './scale/pubsub';
