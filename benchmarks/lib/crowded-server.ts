/**
 * A benchmark server holding a crowd of WebSocket clients: its processes (a {@link ServerGroup}
 * on CPU 0), its clients (a {@link Crowd} on CPU 1), what the connections cost it in memory,
 * and broadcasts timed from the server's stamp to each client's receipt.
 *
 * Every server program of the connections benchmark serves `/feed` (every WebSocket there
 * gets every broadcast) and three control routes: `GET /control/broadcast?seq=N` sends
 * `N:<CLOCK_MONOTONIC µs>` to all and answers `{ publishMicros }`, `GET /control/gc` runs a
 * full collection, `GET /control/stats` answers `{ connections }`.
 */
import { performance } from 'node:perf_hooks';
import { cpuSeconds } from './cpu-time';
import { Crowd, type CrowdConnected } from './crowd';
import { ServerGroup, type ServerCommand } from './server-group';
import { connect } from './ws-load';

/** How to lay a server and its clients out over processes, and how patient to be. */
export interface CrowdOptions {
  count: number;
  serverProcesses: number;
  serverDescriptors: number;
  crowdWorkers: number;
  crowdDescriptors: number;
  /** Handshakes in flight at once, over all clients. */
  concurrency: number;
  /** Stop opening connections after this long, or after `maxFailures` failed. */
  connectDeadlineMs: number;
  maxFailures: number;
  /** Pause before reading RSS after the connections (lets the last handshakes finish). */
  settleMs: number;
  /** Longest wait for one broadcast to reach every client. */
  broadcastTimeoutMs: number;
}

/** What the connections cost, in bytes of server RSS (all processes together). */
export interface MemoryFigures {
  before: number;
  after: number;
  afterGc: number;
  /** V8's figures at the same three moments (Node.js servers only): heap in use, young generation's size. */
  heapUsed?: [before: number, after: number, afterGc: number];
  newSpace?: [before: number, after: number, afterGc: number];
}

/** What `/control/stats` answers. */
interface ServerStats {
  connections: number;
  heapUsed?: number;
  newSpace?: number;
}

/** One series of broadcasts, as one server and its clients saw it. */
export interface BroadcastFigures {
  broadcasts: number;
  /** Per broadcast, ms until its last client had it. */
  lastMs: number[];
  perClientP50: number;
  perClientP99: number;
  /** The median time the server's publish call (or loop) took, ms. */
  publishMs: number;
  cpuPercent: number;
  cpuMsPerBroadcast: number;
  /** The clients' CPU over the series, % of one core. */
  crowdCpuPercent: number;
  seconds: number;
  /** Rounds that started late, the one before having taken more than a second. */
  late: number;
  /** Deliveries that never came to clients still open. */
  missing: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** The `p`th percentile by nearest rank (of 60 values, p99 is the largest). */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export class CrowdedServer {
  /** Highest RSS of the server's processes together, sampled every 250 ms. */
  peakRss = 0;
  private readonly sampler: NodeJS.Timeout;
  private series: { cpu: number; crowdCpu: number; started: number; publishMicros: number[] } | null = null;

  private constructor(
    readonly name: string,
    readonly group: ServerGroup,
    readonly crowd: Crowd,
    readonly connected: CrowdConnected,
    readonly memory: MemoryFigures,
    /** Connections the server itself counted once all were open. */
    readonly serverCounted: number,
  ) {
    this.sampler = setInterval(() => this.sampleRss(), 250);
  }

  /**
   * Starts the server and its clients (fresh client processes, so their memory figure starts
   * from nothing), checks the server answers, connects every client, measures memory (then
   * again after a full collection), and sends one unmeasured broadcast: the first after a
   * burst of connections is slower on every server.
   */
  static async open(spec: ServerCommand, options: CrowdOptions, cwd: string, log: (line: string) => void): Promise<CrowdedServer> {
    const [crowd, group] = await startBoth(
      Crowd.start({ workers: options.crowdWorkers, descriptors: options.crowdDescriptors, cpus: '1' }),
      ServerGroup.start(spec, options.serverProcesses, options.serverDescriptors, cwd),
    );
    try {
      await verify(group);
      await group.get('/control/gc');
      await sleep(200);
      const before = sum(group.rss());
      const statsBefore = await group.get<ServerStats>('/control/stats');
      const connected = await crowd.connect(group.ports, '/feed', options.count, {
        concurrency: options.concurrency, deadlineMs: options.connectDeadlineMs, maxFailures: options.maxFailures,
      });
      const failed = connected.failed ? `, ${connected.failed} failed (${connected.failures.join('; ')})` : '';
      log(`  ${spec.name}: ${connected.open.toLocaleString('en')} open in ${(connected.elapsedMs / 1000).toFixed(1)} s${failed}`);
      await sleep(options.settleMs);
      const after = sum(group.rss());
      const statsAfter = await group.get<ServerStats>('/control/stats');
      await group.get('/control/gc');
      await sleep(200);
      const afterGc = sum(group.rss());
      const statsAfterGc = await group.get<ServerStats>('/control/stats');
      const v8 = (key: 'heapUsed' | 'newSpace') => statsAfterGc.every((stats) => stats[key] !== undefined)
        ? [statsBefore, statsAfter, statsAfterGc].map((all) => sum(all.map((stats) => stats[key] ?? 0))) as [number, number, number]
        : undefined;
      const memory: MemoryFigures = { before, after, afterGc, heapUsed: v8('heapUsed'), newSpace: v8('newSpace') };
      const counted = sum(statsAfter.map((stats) => stats.connections));
      const server = new CrowdedServer(spec.name, group, crowd, connected, memory, counted);
      server.peakRss = after;
      await server.broadcast(0, options.broadcastTimeoutMs);
      return server;
    } catch (error) {
      await Promise.all([group.stop(), crowd.stop()]);
      throw error;
    }
  }

  get held(): number {
    return this.connected.open;
  }

  /** Starts a new series: sequence numbers from 1, CPU counted from now. */
  async startSeries(): Promise<void> {
    await this.crowd.forgetBroadcasts();
    this.series = { cpu: this.group.cpuSeconds(), crowdCpu: sum(this.crowd.pids.map(cpuSeconds)), started: performance.now(), publishMicros: [] };
  }

  /** Sends broadcast `seq` from every server process and waits until every client has it (or `timeoutMs`). */
  async broadcast(seq: number, timeoutMs: number): Promise<void> {
    const answers = await this.group.get<{ publishMicros: number }>(`/control/broadcast?seq=${seq}`);
    this.series?.publishMicros.push(Math.max(...answers.map((answer) => answer.publishMicros)));
    await this.crowd.awaitBroadcast(seq, timeoutMs);
  }

  /** The series since {@link startSeries}: `broadcasts` of them, `late` rounds. */
  async endSeries(broadcasts: number, late: number): Promise<BroadcastFigures> {
    const series = this.series!;
    this.series = null;
    const seconds = (performance.now() - series.started) / 1000;
    const cpu = this.group.cpuSeconds() - series.cpu;
    const crowdCpu = sum(this.crowd.pids.map(cpuSeconds)) - series.crowdCpu;
    const report = await this.crowd.report();
    const lastMs = Array.from({ length: broadcasts }, (_, i) => (report.lastMicros[i + 1] ?? NaN) / 1000);
    return {
      broadcasts, lastMs,
      perClientP50: report.histogram.percentile(50) / 1000,
      perClientP99: report.histogram.percentile(99) / 1000,
      publishMs: percentile(series.publishMicros, 50) / 1000,
      cpuPercent: (cpu / seconds) * 100,
      cpuMsPerBroadcast: broadcasts ? (cpu * 1000) / broadcasts : NaN,
      crowdCpuPercent: (crowdCpu / seconds) * 100,
      seconds, late,
      missing: sum(Array.from({ length: broadcasts }, (_, i) => Math.max(0, report.open - (report.received[i + 1] ?? 0)))),
    };
  }

  /** Clients lost since they connected (closed by the server or the connection failing), pings answered, close codes seen. */
  async losses(): Promise<{ dropped: number; pings: number; closeCodes: Record<string, number>; crowdRss: number }> {
    const report = await this.crowd.report();
    return { dropped: report.dropped, pings: report.pings, closeCodes: report.closeCodes, crowdRss: report.rss };
  }

  async close(): Promise<void> {
    clearInterval(this.sampler);
    await Promise.all([this.group.stop(), this.crowd.stop()]);
  }

  private sampleRss(): void {
    this.peakRss = Math.max(this.peakRss, sum(this.group.rss()));
  }
}

/**
 * Broadcast rounds over several servers, each round one broadcast from each (the order
 * rotating from round to round), a round a second — or at once when the previous one took
 * longer — for `rounds` rounds or until `budgetMs` has passed. Servers compared within the
 * same rounds see the same moments of a shared machine.
 */
export async function broadcastRounds(servers: CrowdedServer[], rounds: number, budgetMs: number, timeoutMs: number): Promise<BroadcastFigures[]> {
  for (const server of servers) await server.startSeries();
  const started = performance.now();
  let done = 0;
  let late = 0;
  for (let round = 1; round <= rounds; round++) {
    for (let i = 0; i < servers.length; i++) await servers[(i + round) % servers.length].broadcast(round, timeoutMs);
    done = round;
    if (round === rounds || performance.now() - started > budgetMs) break;
    const wait = started + round * 1000 - performance.now();
    if (wait > 0) await sleep(wait);
    else late++;
  }
  return Promise.all(servers.map((server) => server.endSeries(done, late)));
}

/** Starts a server and its clients at once; stops whichever started if the other failed. */
async function startBoth(crowd: Promise<Crowd>, group: Promise<ServerGroup>): Promise<[Crowd, ServerGroup]> {
  const [a, b] = await Promise.allSettled([crowd, group]);
  if (a.status === 'fulfilled' && b.status === 'fulfilled') return [a.value, b.value];
  if (a.status === 'fulfilled') await a.value.stop();
  if (b.status === 'fulfilled') await b.value.stop();
  throw a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason;
}

/** One client, one broadcast per process: the control routes answer and broadcasts carry the shared clock. */
async function verify(group: ServerGroup): Promise<void> {
  const counted = sum((await group.get<{ connections: number }>('/control/stats')).map((stats) => stats.connections));
  if (counted !== 0) throw new Error(`${group.name} counts ${counted} connections before any client came`);
  for (const port of group.ports) {
    const { socket, rest } = await connect(port, '/feed');
    const frame = new Promise<Buffer>((resolve, reject) => {
      let data = rest;
      const check = () => {
        if (data.length >= 2 && data.length >= 2 + (data[1] & 0x7f)) resolve(data);
      };
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        check();
      });
      socket.once('error', reject);
      check();
    });
    await sleep(20);
    await group.get('/control/broadcast?seq=0');
    const data = await Promise.race([frame, sleep(5000).then(() => null)]);
    socket.destroy();
    const payload = data?.subarray(2, 2 + (data[1] & 0x7f)).toString('latin1') ?? '';
    const match = /^0:(\d+)$/.exec(payload);
    const age = match ? Number(process.hrtime.bigint() / 1000n) - Number(match[1]) : NaN;
    if (!match || !(age >= 0 && age < 5_000_000)) throw new Error(`${group.name} on port ${port} broadcast ${JSON.stringify(payload)}, expected "0:<CLOCK_MONOTONIC µs>" from the last 5 s`);
  }
}
