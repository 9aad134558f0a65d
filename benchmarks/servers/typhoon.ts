// Typhoon with the benchmark routes: decorated handlers, an injected singleton, staticPath, WebSockets. Usage: node dist/benchmarks/servers/typhoon.js <port> <static-dir>
import { isMainThread } from 'node:worker_threads';
import { Application, configureLogging, RequestHandler, Route, singleton, WebSocket, WebSocketHandler } from '../../lib';

configureLogging({ level: 'warn' });

@singleton()
export class ItemStore {
  private readonly items = new Map(Array.from({ length: 1000 }, (_, i) => [String(i), `item ${i}`]));
  get(id: string): string | null {
    return this.items.get(id) ?? null;
  }
}

@Route('/')
export class HelloHandler extends RequestHandler {
  get() {
    this.setHeader('Content-Type', 'text/plain');
    this.write('Hello, World!');
  }
}

@Route('/json/:id')
export class JsonHandler extends RequestHandler {
  constructor(private readonly store: ItemStore) {
    super();
  }
  get(id: string) {
    this.write({ id, name: this.store.get(id) });
  }
}

@WebSocket('/echo', { maxMessageSize: 1 << 20, idleTimeout: 0 })
export class EchoSocket extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    void this.writeMessage(message, typeof message !== 'string');
  }
}

@WebSocket('/broadcast', { maxMessageSize: 1 << 20, idleTimeout: 0 })
export class BroadcastSocket extends WebSocketHandler {
  override open() {
    this.subscribe('all');
  }
  override onMessage(message: string | Buffer) {
    this.application.publish('all', message, typeof message !== 'string');
  }
}

// WORKERS=n: n threads on one port; REDIS_URL: topics shared with other processes.
const [port, staticPath] = [Number(process.argv[2] ?? 0), process.argv[3]];
void new Application({
  staticPath,
  handlers: [HelloHandler, JsonHandler, EchoSocket, BroadcastSocket],
  pubsub: process.env.REDIS_URL ? { redis: process.env.REDIS_URL } : undefined,
})
  .listen(port, '127.0.0.1', { workers: Number(process.env.WORKERS ?? 1) })
  .then((server) => {
    if (isMainThread) console.log(`PORT ${server.port}`);
  });
