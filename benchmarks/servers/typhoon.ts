// Typhoon with the benchmark routes, written as applications are: decorated handlers, async verbs, a per-request service injected with a singleton, staticPath, WebSockets. Usage: node dist/benchmarks/servers/typhoon.js <port> <static-dir> (TYPHOON_BENCH_DEFAULTS=1: logging as configured by nobody)
import { isMainThread } from 'node:worker_threads';
import { Application, configureLogging, injectable, RequestHandler, Route, singleton, WebSocket, WebSocketHandler } from '../../lib';

if (process.env.TYPHOON_BENCH_DEFAULTS !== '1') configureLogging({ level: 'warn' });

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

/** A service made per request (as `@injectable()` services are), over the singleton store. */
@injectable()
export class ItemService {
  constructor(private readonly store: ItemStore) {}
  async find(id: string): Promise<string | null> {
    return this.store.get(id);
  }
}

@Route('/json/:id')
export class JsonHandler extends RequestHandler {
  constructor(private readonly items: ItemService) {
    super();
  }
  async get(id: string) {
    this.write({ id, name: await this.items.find(id) });
  }
}

/** The synchronous reference: a sync verb with the singleton injected. */
@Route('/json-sync/:id')
export class JsonSyncHandler extends RequestHandler {
  constructor(private readonly store: ItemStore) {
    super();
  }
  get(id: string) {
    this.write({ id, name: this.store.get(id) });
  }
}

@WebSocket('/echo', { maxMessageSize: 1 << 20, idleTimeout: 0 })
export class EchoSocket extends WebSocketHandler {
  override async onMessage(message: string | Buffer) {
    await this.writeMessage(message, typeof message !== 'string');
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
  handlers: [HelloHandler, JsonHandler, JsonSyncHandler, EchoSocket, BroadcastSocket],
  pubsub: process.env.REDIS_URL ? { redis: process.env.REDIS_URL } : undefined,
})
  .listen(port, '127.0.0.1', { workers: Number(process.env.WORKERS ?? 1) })
  .then((server) => {
    if (isMainThread) console.log(`PORT ${server.port}`);
  });
