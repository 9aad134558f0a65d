/**
 * A crowd of WebSocket clients, tens of thousands per process, for connection-count
 * benchmarks: a few worker processes (crowd-worker.ts) pinned to the load generator's CPU,
 * each with its descriptor limit raised through `prlimit`, each binding its sockets to its own
 * source addresses in 127.0.0.0/8 so ephemeral ports never run out (the kernel hands out
 * `ip_local_port_range` ports per source address, ~28,000 by default).
 *
 * @example
 * ```ts
 * const crowd = await Crowd.start({ workers: 4, descriptors: 40_000, cpus: '1' });
 * const opened = await crowd.connect([port], '/feed', 100_000, { concurrency: 128, deadlineMs: 120_000, maxFailures: 1000 });
 * await crowd.awaitBroadcast(1, 10_000);
 * const report = await crowd.report();
 * await crowd.close();
 * await crowd.stop();
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { limitPrefix } from './descriptor-limit';
import { LatencyHistogram } from './latency-histogram';

/** Orders the parent sends a worker; each gets exactly one reply, in order. */
export interface ConnectOrder {
  kind: 'connect';
  /** The server's ports (one per process), used in turn. */
  ports: number[];
  path: string;
  count: number;
  concurrency: number;
  /** Start no new connection after this many milliseconds. */
  deadlineMs: number;
  /** Start no new connection after this many failed. */
  maxFailures: number;
  /** Source addresses, used in turn. */
  addresses: string[];
}
export type WorkerOrder = ConnectOrder | { kind: 'await'; seq: number; timeoutMs: number } | { kind: 'report' } | { kind: 'forget' } | { kind: 'close' };

export interface ConnectedReply {
  kind: 'connected';
  open: number;
  attempted: number;
  failed: number;
  /** "<count> × <reason>", one line per distinct reason. */
  failures: string[];
  elapsedMs: number;
  rssGrowth: number;
  heapGrowth: number;
  rss: number;
}
export interface ReportReply {
  kind: 'report';
  open: number;
  /** Clients closed after their handshake (by the server, or the connection failing). */
  dropped: number;
  pings: number;
  closeCodes: Record<string, number>;
  /** Indexed by broadcast sequence number. */
  received: number[];
  slowestMicros: number[];
  histogram: number[];
  rss: number;
}
export type WorkerReply =
  | { kind: 'ready'; pid: number }
  | ConnectedReply
  | { kind: 'awaited'; seq: number; received: number }
  | ReportReply
  | { kind: 'closed'; rss: number }
  | { kind: 'forgotten' }
  | { kind: 'error'; message: string };

/** What `connect` achieved over all workers. */
export interface CrowdConnected {
  open: number;
  failed: number;
  failures: string[];
  elapsedMs: number;
  /** Growth of the workers' RSS while connecting, in bytes. */
  rssGrowth: number;
  /** Growth of the workers' V8 heaps (used bytes) while connecting. */
  heapGrowth: number;
  /** The workers' RSS together, in bytes. */
  rss: number;
}

/** What the crowd saw, over all workers: broadcasts since `forgetBroadcasts`, the rest since it connected. */
export interface CrowdReport {
  open: number;
  dropped: number;
  pings: number;
  closeCodes: Record<string, number>;
  /** Deliveries of each broadcast (index: sequence number). */
  received: number[];
  /** Per broadcast, the latency of its last delivery, in µs. */
  lastMicros: number[];
  /** Every delivery's latency. */
  histogram: LatencyHistogram;
  rss: number;
}

/**
 * Clients per source address. bind() to an address with port 0 takes the odd half of
 * `ip_local_port_range` first and probes it linearly from a random start, so as an address
 * fills up, each bind probes longer runs of taken ports: 17,000 clients on one address took
 * 22 s to connect where 4,250 on each of four took 2.7 s. A couple of thousand per address
 * keeps binding cheap (and 127.0.0.0/8 has addresses to spare).
 */
function clientsPerAddress(): number {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').trim().split(/\s+/).map(Number);
    return Math.max(100, Math.min(2000, Math.floor((high - low + 1) * 0.1)));
  } catch {
    return 1000;
  }
}

/**
 * Loopback source addresses not used before by this process (sockets closed by the client
 * linger in TIME_WAIT for a minute and keep their port on their address), starting from a
 * block of 127.0.0.0/8 picked by the process id so two runs a minute apart do not collide.
 */
let nextAddress = 0;
const addressBlock = 16 + (process.pid % 200);
function freshAddresses(count: number): string[] {
  const addresses: string[] = [];
  while (addresses.length < count) {
    const index = nextAddress++;
    const last = index % 254;
    addresses.push(`127.${addressBlock}.${Math.floor(index / 254) % 256}.${last + 1}`);
  }
  return addresses;
}

/** One worker process and its reply queue (orders are answered in order). */
class CrowdWorker {
  private readonly waiting: Array<{ resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }> = [];
  private exited: Error | null = null;

  constructor(readonly child: ChildProcess, readonly pid: number) {
    child.on('message', (reply: WorkerReply) => {
      const next = this.waiting.shift();
      if (reply.kind === 'error') next?.reject(new Error(`crowd worker ${pid}: ${reply.message}`));
      else next?.resolve(reply);
    });
    child.once('exit', (code, signal) => {
      this.exited = new Error(`crowd worker ${pid} exited (${signal ?? code})`);
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.exited);
    });
  }

  ask<T extends WorkerReply>(order: WorkerOrder): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (reply: WorkerReply) => void, reject });
      this.child.send(order);
    });
  }
}

export class Crowd {
  private constructor(private readonly workers: CrowdWorker[]) {}

  /**
   * Starts `workers` processes on `cpus`, each allowed `descriptors` open files (raised with
   * `prlimit`, which needs root above the hard limit).
   */
  static async start(options: { workers: number; descriptors: number; cpus: string }): Promise<Crowd> {
    const script = path.join(__dirname, 'crowd-worker.js');
    const workers = await Promise.all(Array.from({ length: options.workers }, () => new Promise<CrowdWorker>((resolve, reject) => {
      // A young generation of 1 MiB semi-spaces (V8's default grows to 16 MiB, three times over
      // per process): the clients' objects all live long, so a bigger one only holds RSS.
      const command = [...limitPrefix(options.descriptors), process.execPath, '--max-semi-space-size=1', script];
      const child = spawn('taskset', ['-c', options.cpus, ...command], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const timer = setTimeout(() => reject(new Error('a crowd worker did not start in 10 s')), 10_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`a crowd worker exited at start-up with ${code}`)));
      child.once('message', (reply: WorkerReply) => {
        clearTimeout(timer);
        if (reply.kind === 'ready') resolve(new CrowdWorker(child, reply.pid));
      });
    })));
    return new Crowd(workers);
  }

  get pids(): number[] {
    return this.workers.map((worker) => worker.pid);
  }

  /**
   * Opens `count` WebSockets to `path` on 127.0.0.1, split evenly over the workers and over
   * `ports` (one per server process). Each worker stops starting connections at `deadlineMs`
   * or after its share of `maxFailures`.
   */
  async connect(ports: number[], path: string, count: number, options: { concurrency: number; deadlineMs: number; maxFailures: number }): Promise<CrowdConnected> {
    const perAddress = clientsPerAddress();
    const shares = this.workers.map((_, i) => Math.floor(count / this.workers.length) + (i < count % this.workers.length ? 1 : 0));
    const replies = await Promise.all(this.workers.map((worker, i) => worker.ask<ConnectedReply>({
      kind: 'connect', ports, path, count: shares[i],
      concurrency: Math.max(1, Math.ceil(options.concurrency / this.workers.length)),
      deadlineMs: options.deadlineMs,
      maxFailures: Math.max(1, Math.ceil(options.maxFailures / this.workers.length)),
      addresses: freshAddresses(Math.max(1, Math.ceil(shares[i] / perAddress))),
    })));
    const failures = new Map<string, number>();
    for (const reply of replies) {
      for (const line of reply.failures) {
        const [, times, reason] = /^(\d+) × (.*)$/.exec(line) ?? [, '1', line];
        failures.set(reason!, (failures.get(reason!) ?? 0) + Number(times));
      }
    }
    return {
      open: sum(replies.map((reply) => reply.open)),
      failed: sum(replies.map((reply) => reply.failed)),
      failures: [...failures].map(([reason, times]) => `${times} × ${reason}`),
      elapsedMs: Math.max(...replies.map((reply) => reply.elapsedMs)),
      rssGrowth: sum(replies.map((reply) => reply.rssGrowth)),
      heapGrowth: sum(replies.map((reply) => reply.heapGrowth)),
      rss: sum(replies.map((reply) => reply.rss)),
    };
  }

  /** Resolves once every open client received broadcast `seq`, or after `timeoutMs`; gives the deliveries. */
  async awaitBroadcast(seq: number, timeoutMs: number): Promise<number> {
    const replies = await Promise.all(this.workers.map((worker) => worker.ask<{ kind: 'awaited'; seq: number; received: number }>({ kind: 'await', seq, timeoutMs })));
    return sum(replies.map((reply) => reply.received));
  }

  async report(): Promise<CrowdReport> {
    const replies = await Promise.all(this.workers.map((worker) => worker.ask<ReportReply>({ kind: 'report' })));
    const histogram = new LatencyHistogram();
    const received: number[] = [];
    const lastMicros: number[] = [];
    const closeCodes: Record<string, number> = {};
    for (const reply of replies) {
      histogram.merge(reply.histogram);
      reply.received.forEach((count, seq) => (received[seq] = (received[seq] ?? 0) + count));
      reply.slowestMicros.forEach((micros, seq) => (lastMicros[seq] = Math.max(lastMicros[seq] ?? 0, micros)));
      for (const [code, times] of Object.entries(reply.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + times;
    }
    return {
      open: sum(replies.map((reply) => reply.open)),
      dropped: sum(replies.map((reply) => reply.dropped)),
      pings: sum(replies.map((reply) => reply.pings)),
      closeCodes, received, lastMicros, histogram,
      rss: sum(replies.map((reply) => reply.rss)),
    };
  }

  /** Forgets the broadcasts seen so far (not the connections, drops and pings): a new series of sequence numbers starts. */
  async forgetBroadcasts(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.ask({ kind: 'forget' })));
  }

  /** Closes every client (not counted as dropped) and forgets the figures. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.ask({ kind: 'close' })));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => new Promise<void>((resolve) => {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
      worker.child.once('exit', () => resolve());
      worker.child.kill('SIGKILL');
    })));
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
