// The application `npm run stress` attacks: a sync /hello, an async /slow, a 1 MiB-limited /upload, a 50 MB static file, an event stream /ticker (2 KiB every 50 ms), an echo and a room WebSocket, logging at warn. Usage: node --expose-gc dist/benchmarks/servers/stress-app.js <static-dir> (TYPHOON_TRANSPORT chooses the transport; REDIS_URL joins a cluster; WORKERS=n serves from n threads; THROW_IN_SUPERVISOR_MS makes module code throw in the supervisor thread after that long)
import { isMainThread } from 'node:worker_threads';
import { Application, configureLogging, RequestHandler, Route, sleep, WebSocket, WebSocketHandler } from '../../lib';

configureLogging({ level: 'error' });

@Route('/hello')
export class Hello extends RequestHandler {
  get() {
    this.write('hello');
  }
}

@Route('/slow')
export class Slow extends RequestHandler {
  async get() {
    await sleep(0.05);
    this.write('slow');
  }
}

@Route('/upload')
export class Upload extends RequestHandler {
  post() {
    this.write({ size: this.request.body.length });
  }
}

/** A live feed: 2 KiB every 50 ms from a timer, not awaited (what a dashboard does), until the client goes. */
@Route('/ticker')
export class Ticker extends RequestHandler {
  async get() {
    const stream = await this.startEventStream();
    const event = { data: 'z'.repeat(2048) };
    const timer = setInterval(() => void stream.send(event), 50);
    await stream.closed;
    clearInterval(timer);
  }
}

/** Memory after a full collection (the harness's "after GC" figure); needs node --expose-gc. */
@Route('/gc')
export class Collect extends RequestHandler {
  get() {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    this.write({ collected: Boolean(gc), ...process.memoryUsage() });
  }
}

@WebSocket('/echo')
export class Echo extends WebSocketHandler {
  override async onMessage(message: string | Buffer) {
    await this.writeMessage(message, typeof message !== 'string');
  }
}

@WebSocket('/room')
export class Room extends WebSocketHandler {
  override open() {
    this.subscribe('room');
  }
  override onMessage(message: string | Buffer) {
    // The publisher says "publish N": the server broadcasts N numbered messages at once.
    const count = Number(String(message).split(' ')[1]);
    for (let i = 0; i < count; i++) this.application.publish('room', String(i));
  }
}

// A bug of the application's module code: it runs in the supervisor thread too.
const throwAfter = Number(process.env.THROW_IN_SUPERVISOR_MS ?? 0);
if (throwAfter && isMainThread) {
  setTimeout(() => {
    throw new Error('module-level code throws in the supervisor');
  }, throwAfter);
}

const app = new Application({
  handlers: [Hello, Slow, Upload, Collect, Ticker, Echo, Room],
  staticPath: process.argv[2],
  maxBodySize: 1024 * 1024,
  pubsub: process.env.REDIS_URL ? { redis: process.env.REDIS_URL } : undefined,
});
app.closeOnSignals(['SIGTERM'], { timeout: 10 });
app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', { workers: Number(process.env.WORKERS ?? 1) }).then((server) => {
  if (isMainThread) console.log(`PORT ${server.port}`);
});
