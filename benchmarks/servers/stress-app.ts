// The application `npm run stress` attacks: a sync /hello, an async /slow, a 1 MiB-limited /upload, a 50 MB static file, an echo and a room WebSocket, logging at warn. Usage: node --expose-gc dist/benchmarks/servers/stress-app.js <static-dir> (TYPHOON_TRANSPORT chooses the transport)
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

const app = new Application({
  handlers: [Hello, Slow, Upload, Collect, Echo, Room],
  staticPath: process.argv[2],
  maxBodySize: 1024 * 1024,
});
app.listen(0, '127.0.0.1').then((server) => console.log(`PORT ${server.port}`));
