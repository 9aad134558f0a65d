/**
 * One process of a {@link Crowd}: tens of thousands of WebSocket clients on raw TCP sockets.
 * Started by crowd.ts (through `prlimit` and `taskset`), driven over the IPC channel.
 *
 * Each client is a `net.Socket` reading into one buffer shared by every socket of the process
 * (`onread`: no allocation per read, no 'data' event), a closure and a small state object.
 * It sends one precomputed upgrade request, then only parses the server's small unmasked
 * frames: broadcasts `<seq>:<sent µs>` (the sender's CLOCK_MONOTONIC, which every process on
 * the machine shares), pings (answered with a pong) and closes.
 *
 * Each client also sends an unsolicited pong every 30 s (RFC 6455 §5.5.3: a heartbeat), the
 * clients' heartbeats spread evenly over those 30 s: servers that ping connections silent for
 * a while (uWS after 104 s with its default 120 s idle timeout, Typhoon's Node transport after
 * 60 s) would otherwise ping all 100,000 at once, in the middle of whatever is being measured.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ConnectOrder, WorkerReply, WorkerOrder } from './crowd';
import { LatencyHistogram } from './latency-histogram';

const enum State {
  Handshake,
  Open,
  Closed,
}

/** CLOCK_MONOTONIC in µs, as the servers stamp their broadcasts (performance.now() runs on the same clock). */
const clockOffset = Number(process.hrtime.bigint()) / 1000 - performance.now() * 1000;
const monotonicMicros = () => performance.now() * 1000 + clockOffset;

/** Every socket of the process reads into this buffer; each read is parsed before the next. */
const shared = Buffer.allocUnsafe(64 * 1024);
const EMPTY_PONG = Buffer.from([0x8a, 0x80, 0, 0, 0, 0]);
const HEAD_END = Buffer.from('\r\n\r\n');
const CONNECT_TIMEOUT_MS = 15_000;
const HEARTBEAT_MS = 30_000;
const HEARTBEAT_TICK_MS = 200;

/** The upgrade request for each port, made once: every client of a port sends the same bytes (one key will do). */
const requests = new Map<number, Buffer>();
const upgradeRequest = (path: string, port: number) => Buffer.from(
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  'latin1',
);
const clients = new Set<Client>();
let histogram = new LatencyHistogram();
/** Per broadcast sequence number: deliveries, and the slowest one (µs). */
let received: number[] = [];
let slowest: number[] = [];
let dropped = 0;
let pings = 0;
const closeCodes = new Map<number, number>();
let tearingDown = false;
/** Resolves a pending `await` order once every open client has the broadcast. */
let waiting: { seq: number; resolve: () => void } | null = null;

class Client {
  state = State.Handshake;
  /** Bytes of a head or frame split across reads (rare: server frames are small). */
  pending: Buffer | null = null;
  readonly socket: net.Socket;

  constructor(port: number, localAddress: string, private readonly settle: (error: string | null) => void) {
    this.socket = net.connect({
      port,
      host: '127.0.0.1',
      localAddress,
      onread: { buffer: shared, callback: (length: number, buffer: Uint8Array) => this.read(buffer as Buffer, length) },
    });
    this.socket.once('connect', () => this.socket.write(requests.get(port)!));
    this.socket.on('error', (error: Error) => this.fail(error.message));
    this.socket.once('close', () => this.closed());
  }

  private read(buffer: Buffer, length: number): boolean {
    let data = buffer;
    let end = length;
    if (this.pending) {
      data = Buffer.concat([this.pending, buffer.subarray(0, length)]);
      end = data.length;
      this.pending = null;
    }
    let start = 0;
    if (this.state === State.Handshake) {
      const head = data.subarray(0, end).indexOf(HEAD_END);
      if (head < 0) {
        this.keep(data, 0, end);
        return true;
      }
      if (data.toString('latin1', 0, 12) !== 'HTTP/1.1 101') {
        this.fail(`handshake refused: ${data.toString('latin1', 0, Math.min(head, 80)).split('\r\n')[0]}`);
        return false;
      }
      this.state = State.Open;
      this.settle(null);
      start = head + 4;
    }
    this.frames(data, start, end);
    return true;
  }

  /** Parses whole frames in `data[start, end)`; keeps a partial one for the next read. */
  private frames(data: Buffer, start: number, end: number): void {
    while (start + 2 <= end && this.state === State.Open) {
      const opcode = data[start] & 0x0f;
      let length = data[start + 1] & 0x7f;
      let header = 2;
      if (length === 126) {
        if (start + 4 > end) break;
        length = data.readUInt16BE(start + 2);
        header = 4;
      } else if (length === 127) {
        if (start + 10 > end) break;
        length = data.readUInt32BE(start + 6);
        header = 10;
      }
      if (start + header + length > end) break;
      const payload = start + header;
      if (opcode === 0x1 || opcode === 0x2) delivered(data, payload, payload + length);
      else if (opcode === 0x9) this.pong(data, payload, length);
      else if (opcode === 0x8) this.closedByServer(length >= 2 ? data.readUInt16BE(payload) : 1005);
      start = payload + length;
    }
    if (start < end && this.state === State.Open) this.keep(data, start, end);
  }

  /** Copies what is left: `data` may be the shared buffer, which the next read overwrites. */
  private keep(data: Buffer, start: number, end: number): void {
    this.pending = Buffer.from(data.subarray(start, end));
  }

  heartbeat(): void {
    if (this.state === State.Open) this.socket.write(EMPTY_PONG);
  }

  private pong(data: Buffer, payload: number, length: number): void {
    pings++;
    if (length === 0) {
      this.socket.write(EMPTY_PONG);
      return;
    }
    // Masked with a zero key: the payload goes as it is.
    const frame = Buffer.alloc(6 + length);
    frame[0] = 0x8a;
    frame[1] = 0x80 | length;
    data.copy(frame, 6, payload, payload + length);
    this.socket.write(frame);
  }

  private closedByServer(code: number): void {
    closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
    if (!tearingDown) dropped++;
    this.state = State.Closed;
    clients.delete(this);
    this.socket.destroy();
  }

  private fail(reason: string): void {
    if (this.state === State.Handshake) {
      this.state = State.Closed;
      this.socket.destroy();
      this.settle(reason);
    }
  }

  private closed(): void {
    if (this.state === State.Handshake) return this.fail('closed before the handshake completed');
    if (this.state === State.Open && !tearingDown) dropped++;
    this.state = State.Closed;
    clients.delete(this);
  }
}

/** One broadcast reached a client: `<seq>:<sent µs>` in ASCII digits. */
function delivered(data: Buffer, start: number, end: number): void {
  const now = monotonicMicros();
  let i = start;
  let seq = 0;
  while (i < end && data[i] !== 0x3a) seq = seq * 10 + (data[i++] - 0x30);
  let sent = 0;
  for (i++; i < end; i++) sent = sent * 10 + (data[i] - 0x30);
  const latency = now - sent;
  received[seq] = (received[seq] ?? 0) + 1;
  if (!(latency <= slowest[seq])) slowest[seq] = latency;
  // Broadcast 0 warms up (the first after the connections came is slower on every server); it is not counted.
  if (seq !== 0) histogram.add(latency);
  if (waiting && waiting.seq === seq && received[seq] >= clients.size) release();
}

function release(): void {
  const pending = waiting;
  waiting = null;
  pending?.resolve();
}

/** Opens `order.count` clients, `order.concurrency` handshakes at a time, until the deadline or too many failures. */
async function connect(order: ConnectOrder): Promise<WorkerReply> {
  requests.clear();
  for (const port of order.ports) requests.set(port, upgradeRequest(order.path, port));
  tearingDown = false;
  const before = process.memoryUsage();
  const started = performance.now();
  const deadline = started + order.deadlineMs;
  const failures = new Map<string, number>();
  let failed = 0;
  let next = 0;
  const openOne = (index: number) => new Promise<string | null>((resolve) => {
    let client: Client | null = null;
    const timer = setTimeout(() => {
      client?.socket.destroy();
      resolve('no handshake within 15 s');
    }, CONNECT_TIMEOUT_MS);
    client = new Client(order.ports[index % order.ports.length], order.addresses[index % order.addresses.length], (error) => {
      clearTimeout(timer);
      resolve(error);
    });
    clients.add(client);
  });
  const lane = async () => {
    while (next < order.count && failed < order.maxFailures && performance.now() < deadline) {
      const error = await openOne(next++);
      if (error === null) continue;
      failed++;
      failures.set(error, (failures.get(error) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: order.concurrency }, lane));
  const elapsedMs = performance.now() - started;
  // Let the last handshakes' garbage be collected before the memory figure.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = process.memoryUsage();
  return {
    kind: 'connected', open: clients.size, attempted: next, failed, failures: [...failures].map(([error, count]) => `${count} × ${error}`),
    elapsedMs, rssGrowth: after.rss - before.rss, heapGrowth: after.heapUsed - before.heapUsed, rss: after.rss,
  };
}

function report(): WorkerReply {
  return {
    kind: 'report', open: clients.size, dropped, pings, closeCodes: Object.fromEntries(closeCodes),
    received: Array.from(received, (count) => count ?? 0), slowestMicros: Array.from(slowest, (value) => value ?? 0),
    histogram: histogram.toArray(), rss: process.memoryUsage.rss(),
  };
}

/** Forgets the broadcasts seen so far (a new series starts at sequence number 0 or 1). */
function forgetBroadcasts(): void {
  histogram = new LatencyHistogram();
  received = [];
  slowest = [];
}

async function closeAll(): Promise<WorkerReply> {
  tearingDown = true;
  for (const client of clients) client.socket.destroy();
  clients.clear();
  forgetBroadcasts();
  dropped = 0;
  pings = 0;
  closeCodes.clear();
  return { kind: 'closed', rss: process.memoryUsage.rss() };
}

async function handle(order: WorkerOrder): Promise<WorkerReply> {
  switch (order.kind) {
    case 'connect':
      return connect(order);
    case 'await':
      if ((received[order.seq] ?? 0) < clients.size) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => release(), order.timeoutMs);
          waiting = { seq: order.seq, resolve: () => (clearTimeout(timer), resolve()) };
        });
      }
      return { kind: 'awaited', seq: order.seq, received: received[order.seq] ?? 0 };
    case 'report':
      return report();
    case 'forget':
      forgetBroadcasts();
      return { kind: 'forgotten' };
    case 'close':
      return closeAll();
  }
}

/** Every tick, the next slice of the clients sends its heartbeat: each client once per HEARTBEAT_MS. */
let heartbeats = clients.values();
setInterval(() => {
  let due = Math.ceil((clients.size * HEARTBEAT_TICK_MS) / HEARTBEAT_MS);
  while (due-- > 0) {
    let next = heartbeats.next();
    if (next.done) {
      heartbeats = clients.values();
      next = heartbeats.next();
      if (next.done) return;
    }
    next.value.heartbeat();
  }
}, HEARTBEAT_TICK_MS);

process.on('message', (order: WorkerOrder) => {
  handle(order).then((reply) => process.send!(reply), (error: Error) => process.send!({ kind: 'error', message: error.stack ?? error.message }));
});
process.on('disconnect', () => process.exit(0));
process.send!({ kind: 'ready', pid: process.pid });
