// Typhoon for the connections benchmark, written as an application would be: a @WebSocket handler joining a topic in open(), broadcasts through app.publish, default settings. Usage: node --expose-gc dist/benchmarks/servers/connections/typhoon.js <port> (TYPHOON_TRANSPORT=uws or node)
// Control routes as in raw-uws.js: /control/broadcast?seq=N, /control/gc, /control/stats.
import { getHeapSpaceStatistics } from 'node:v8';
import { Application, configureLogging, RequestHandler, Route, WebSocket, WebSocketHandler } from '../../../lib';

configureLogging({ level: 'warn' });
const FEED = 'feed';
const micros = () => Number(process.hrtime.bigint() / 1000n);
/** V8's view of the process: heap in use, and the young generation's size (it grows with long-lived allocations). */
const heap = () => {
  const spaces = getHeapSpaceStatistics();
  const size = (name: string) => spaces.find((space) => space.space_name === name)?.space_size ?? 0;
  return { heapUsed: process.memoryUsage().heapUsed, newSpace: size('new_space'), oldSpace: size('old_space') };
};

@WebSocket('/feed')
export class FeedSocket extends WebSocketHandler {
  override open() {
    this.subscribe(FEED);
  }
}

@Route('/control/broadcast')
export class BroadcastControl extends RequestHandler {
  get() {
    const seq = Number(this.getArgument('seq'));
    const sentMicros = micros();
    this.application.publish(FEED, `${seq}:${sentMicros}`);
    const publishMicros = micros() - sentMicros;
    this.write({ seq, sentMicros, publishMicros, connections: this.application.webSocketCount });
  }
}

@Route('/control/gc')
export class GcControl extends RequestHandler {
  get() {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    this.write({ gc: typeof gc === 'function' });
  }
}

@Route('/control/stats')
export class StatsControl extends RequestHandler {
  get() {
    this.write({ connections: this.application.webSocketCount, ...heap() });
  }
}

const port = Number(process.argv[2] ?? 0);
void new Application({ handlers: [FeedSocket, BroadcastControl, GcControl, StatsControl] })
  .listen(port, '127.0.0.1')
  .then((server) => console.log(`PORT ${server.port}`));
