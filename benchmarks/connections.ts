/**
 * 100,000 concurrent WebSockets per server: what each connection costs the server in memory,
 * how long a broadcast to all of them takes, once a second for a minute, and the server's CPU.
 *
 * `npm run build && node dist/benchmarks/connections.js [--quick] [--count N] [--seconds S]
 * [--only NAME,...]` prints markdown tables and saves JSON and an SVG chart of the ratios under
 * benchmarks/results/; `runConnections()` gives the rows to benchmarks/run.ts. `--quick`: 5,000
 * connections and 3 rounds (about 30 s); `--only`: servers whose names contain one of the
 * comma-separated words (raw uWS is the reference of every ratio but memory's, the calibration
 * row that one's).
 *
 * Servers run on CPU 0; their clients (a Crowd of lean raw-socket clients, see lib/crowd.ts)
 * and this process on CPU 1. Each server: start, check its routes, connect every client
 * (bounded concurrency, each client bound to a loopback source address of its own), RSS before
 * and after (and after a full collection), then broadcast rounds with raw uWS, which stays
 * connected all along (lib/crowded-server.ts): the servers stamp each broadcast with
 * CLOCK_MONOTONIC and every client computes its own delay.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ratioChart, type ChartTarget } from './lib/chart';
import { machineBusySeconds, ownAndChildrenSeconds } from './lib/cpu-time';
import { broadcastRounds, CrowdedServer, percentile, type BroadcastFigures, type CrowdOptions, type MemoryFigures } from './lib/crowded-server';
import { descriptorLimit, type DescriptorLimit } from './lib/descriptor-limit';
import type { Row } from './lib/row';
import type { ServerCommand } from './lib/server-group';

export type { Row } from './lib/row';

export interface ConnectionsOptions {
  /** 5,000 connections and 3 broadcasts instead of 100,000 and a minute. */
  quick: boolean;
  /** Connections per server. */
  count?: number;
  /** Seconds of broadcasting, one broadcast a second. */
  seconds?: number;
  /** Only the servers whose names contain one of these (case-insensitive); ratios need their references among them. */
  only?: string[];
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface ConnectionsResult {
  rows: Row[];
  notes: string[];
  /** Everything measured, per server (for the JSON file). */
  measurements: Measurement[];
  /** How the run was laid out over processes. */
  plan: Plan;
}

export const RAW = 'uWebSockets.js';
/** raw uWS keeping an 8-field object per connection: what any per-connection JS state costs on uWS (as in run.ts). */
export const CALIBRATION = 'uWebSockets.js + an 8-field object per connection';
const TYPHOON = 'Typhoon';
const NODE_TRANSPORT = 'Typhoon (node transport)';
const root = path.resolve(__dirname, '..', '..');
const node = process.execPath;
const serverScript = (file: string) => path.join(root, 'benchmarks/servers/connections', file);

const SERVERS: ServerCommand[] = [
  { name: RAW, command: node, args: (port) => ['--expose-gc', serverScript('raw-uws.js'), String(port)] },
  { name: CALIBRATION, command: node, args: (port) => ['--expose-gc', serverScript('raw-uws.js'), String(port), '--keep-state'] },
  { name: TYPHOON, command: node, args: (port) => ['--expose-gc', path.join(root, 'dist/benchmarks/servers/connections/typhoon.js'), String(port)], env: { TYPHOON_TRANSPORT: 'uws' } },
  { name: NODE_TRANSPORT, command: node, args: (port) => ['--expose-gc', path.join(root, 'dist/benchmarks/servers/connections/typhoon.js'), String(port)], env: { TYPHOON_TRANSPORT: 'node' } },
  { name: 'node:http (+ws)', command: node, args: (port) => ['--expose-gc', serverScript('node-http.js'), String(port)] },
  { name: 'Tornado', command: '/usr/bin/python3', args: (port) => [serverScript('tornado_server.py'), String(port)] },
];

/** How a run is spread over processes, from the descriptor limit it could get. */
export interface Plan {
  count: number;
  seconds: number;
  quick: boolean;
  /** Server processes per server (more than one where a process may not hold every connection). */
  serverProcesses: number;
  serverDescriptors: number;
  crowdWorkers: number;
  crowdDescriptors: number;
  limit: DescriptorLimit;
  /** Handshakes in flight at once, over all clients. */
  concurrency: number;
  /** Stop opening connections after this long, or after `maxFailures` failed: how far a server that cannot hold them all gets. */
  connectDeadlineMs: number;
  maxFailures: number;
  /** Longest wait for one broadcast to reach every client. */
  broadcastTimeoutMs: number;
  /** The scenarios' common prefix, e.g. "100,000 WebSockets". */
  label: string;
}

export function makePlan(quick: boolean, count = quick ? 5_000 : 100_000, seconds = quick ? 3 : 60): Plan {
  // Typhoon answers 503 from nine tenths of the limit, less 32 (its maxConnections default): ask for enough above that.
  const limit = descriptorLimit(Math.ceil(count / 0.85) + 4096);
  const perServerProcess = limit.granted ? count : Math.floor(limit.perProcess * 0.85);
  const serverProcesses = Math.ceil(count / perServerProcess);
  const crowdWorkers = Math.max(quick ? 2 : 4, Math.ceil(count / Math.floor(limit.perProcess * 0.9)));
  const crowdDescriptors = limit.granted ? Math.ceil(count / crowdWorkers) + 1024 : limit.perProcess;
  const label = `${count.toLocaleString('en')} WebSockets${serverProcesses > 1 ? ` over ${serverProcesses} server processes` : ''}${quick ? ' (quick)' : ''}`;
  return {
    count, seconds, quick, serverProcesses, serverDescriptors: limit.perProcess, crowdWorkers, crowdDescriptors, limit,
    concurrency: 128, connectDeadlineMs: quick ? 15_000 : 150_000, maxFailures: Math.max(20, Math.floor(count / 100)),
    broadcastTimeoutMs: quick ? 10_000 : 30_000, label,
  };
}

/** What one server did, in raw figures. */
export interface Measurement {
  server: string;
  held: number;
  failed: number;
  failures: string[];
  connectSeconds: number;
  /** Connections the server itself counted once all were open. */
  serverCounted: number;
  memory: MemoryFigures;
  peakRss: number;
  /** The clients' memory growth per client while connecting (RSS, V8 heap), bytes. */
  crowd: { rssPerClient: number; heapPerClient: number };
  broadcast: BroadcastFigures;
  /** Raw uWS's figures in the same rounds; null when measured alone (or for raw uWS itself). */
  reference: BroadcastFigures | null;
  /** Clients lost after their handshake, over the whole run. */
  dropped: number;
  pings: number;
  closeCodes: Record<string, number>;
}

const median = (values: number[]) => percentile(values, 50);

function crowdOptions(plan: Plan): CrowdOptions {
  return {
    count: plan.count, serverProcesses: plan.serverProcesses, serverDescriptors: plan.serverDescriptors,
    crowdWorkers: plan.crowdWorkers, crowdDescriptors: plan.crowdDescriptors, concurrency: plan.concurrency,
    connectDeadlineMs: plan.connectDeadlineMs, maxFailures: plan.maxFailures, settleMs: plan.quick ? 200 : 2000,
    broadcastTimeoutMs: plan.broadcastTimeoutMs,
  };
}

async function measurement(server: CrowdedServer, broadcast: BroadcastFigures, reference: BroadcastFigures | null): Promise<Measurement> {
  const { connected } = server;
  const losses = await server.losses();
  return {
    server: server.name, held: connected.open, failed: connected.failed, failures: connected.failures,
    connectSeconds: connected.elapsedMs / 1000, serverCounted: server.serverCounted, memory: server.memory, peakRss: server.peakRss,
    crowd: { rssPerClient: connected.rssGrowth / Math.max(1, connected.open), heapPerClient: connected.heapGrowth / Math.max(1, connected.open) },
    broadcast, reference, dropped: losses.dropped, pings: losses.pings, closeCodes: losses.closeCodes,
  };
}

function describe(log: (line: string) => void, name: string, figures: BroadcastFigures): void {
  log(`  ${name}: ${figures.broadcasts} broadcasts in ${figures.seconds.toFixed(0)} s, last client p50 ${median(figures.lastMs).toFixed(0)} ms, p99 ${percentile(figures.lastMs, 99).toFixed(0)} ms`);
}

/**
 * Raw uWS (the reference) connects first and stays connected; every other server then
 * connects in turn and broadcasts in rounds with it, so each ratio compares two servers over
 * the same minutes of a shared machine. Raw uWS's own broadcast figures are its half of the
 * first pairing.
 */
async function measureAll(servers: ServerCommand[], plan: Plan, log: (line: string) => void, notes: string[]): Promise<Measurement[]> {
  const options = crowdOptions(plan);
  const budgetMs = plan.seconds * 2000;
  const open = async (spec: ServerCommand) => {
    log(`${spec.name}: ${plan.count.toLocaleString('en')} WebSockets${plan.serverProcesses > 1 ? ` over ${plan.serverProcesses} processes` : ''}`);
    try {
      return await CrowdedServer.open(spec, options, root, log);
    } catch (error) {
      notes.push(`${spec.name} failed: ${(error as Error).message}`);
      log(`  failed: ${(error as Error).message}`);
      return null;
    }
  };
  const referenceSpec = servers.find((spec) => spec.name === RAW);
  const reference = referenceSpec ? await open(referenceSpec) : null;
  const measurements: Measurement[] = [];
  let referenceFigures: BroadcastFigures | null = null;
  try {
    for (const spec of servers.filter((candidate) => candidate !== referenceSpec)) {
      const server = await open(spec);
      if (!server) continue;
      try {
        const figures = await broadcastRounds(reference ? [reference, server] : [server], plan.seconds, budgetMs, plan.broadcastTimeoutMs);
        const mine = figures[figures.length - 1];
        const theirs = reference ? figures[0] : null;
        describe(log, spec.name, mine);
        if (theirs) describe(log, `${RAW} in the same rounds`, theirs);
        referenceFigures ??= theirs;
        measurements.push(await measurement(server, mine, theirs));
      } finally {
        await server.close();
      }
    }
    if (reference) {
      if (!referenceFigures) {
        [referenceFigures] = await broadcastRounds([reference], plan.seconds, budgetMs, plan.broadcastTimeoutMs);
        describe(log, RAW, referenceFigures);
      }
      measurements.unshift(await measurement(reference, referenceFigures, null));
    }
  } finally {
    await reference?.close();
  }
  return measurements;
}

/** The three scenarios of a plan: memory per connection, broadcast delay, server CPU. */
export function scenarios(label: string): { memory: string; broadcast: string; cpu: string } {
  return {
    memory: `${label}: server memory per connection`,
    broadcast: `${label}: broadcast, time until the last client has it`,
    cpu: `${label}: server CPU while broadcasting`,
  };
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const whole = (value: number) => Math.round(value).toLocaleString('en');

function toRows(measurements: Measurement[], plan: Plan): Row[] {
  const names = scenarios(plan.label);
  const rows: Row[] = [];
  const perConnection = (m: Measurement, after: number) => (m.held ? (after - m.memory.before) / m.held : NaN);
  const calibration = measurements.find((m) => m.server === CALIBRATION);
  for (const m of measurements) {
    const connectRate = m.connectSeconds ? m.held / m.connectSeconds : NaN;
    const failed = m.failed ? `, ${m.failed} failed: ${m.failures.join('; ')}` : '';
    const counted = m.serverCounted !== m.held ? `; the server counted ${whole(m.serverCounted)}` : '';
    const memory = perConnection(m, m.memory.after);
    const memoryBase = calibration ? perConnection(calibration, calibration.memory.after) : NaN;
    rows.push({
      scenario: names.memory, server: m.server, rate: memory, unit: 'bytes/conn', p99ms: NaN, peakRssMb: mb(m.memory.after), errors: m.failed || undefined,
      extra: `${whole(perConnection(m, m.memory.afterGc))} B after a full GC${heapShare(m)}; held ${whole(m.held)} of ${whole(plan.count)} (${whole(connectRate)}/s${failed})${counted}; load generator ${whole(m.crowd.rssPerClient)} B RSS per client`,
      ...ratio(memory, memoryBase),
    });
    const b = m.broadcast;
    const ref = m.reference;
    const p99 = percentile(b.lastMs, 99);
    const sameRounds = ref ? `; raw uWS in the same rounds: p50 ${whole(median(ref.lastMs))} ms, p99 ${whole(percentile(ref.lastMs, 99))} ms, per client p99 ${whole(ref.perClientP99)} ms` : '';
    const lost = m.dropped + b.missing;
    rows.push({
      scenario: names.broadcast, server: m.server, rate: median(b.lastMs), unit: 'ms (p50)', p99ms: p99, peakRssMb: mb(m.peakRss), errors: lost || undefined,
      extra: `${b.broadcasts} broadcasts in ${b.seconds.toFixed(0)} s; per client p50 ${whole(b.perClientP50)} ms, p99 ${whole(b.perClientP99)} ms; publish call ${b.publishMs.toFixed(1)} ms; ` +
        `${m.dropped} connections dropped${b.missing ? `, ${b.missing} deliveries missing` : ''}; ${m.pings} pings answered${sameRounds}`,
      ...ratio(p99, ref ? percentile(ref.lastMs, 99) : m.server === RAW ? p99 : NaN),
    });
    rows.push({
      scenario: names.cpu, server: m.server, rate: b.cpuPercent, unit: '% of a core', p99ms: NaN, peakRssMb: mb(m.peakRss),
      extra: `${b.cpuMsPerBroadcast.toFixed(0)} ms of CPU per broadcast${ref ? ` (raw uWS in the same rounds: ${ref.cpuMsPerBroadcast.toFixed(0)} ms)` : ''}; clients ${b.crowdCpuPercent.toFixed(0)} % of CPU 1`,
      ...ratio(b.cpuMsPerBroadcast, ref ? ref.cpuMsPerBroadcast : m.server === RAW ? b.cpuMsPerBroadcast : NaN),
    });
  }
  return rows;
}

/** Of the growth, what V8 reports: heap in use after a full GC, and the young generation's growth. */
function heapShare(m: Measurement): string {
  const { heapUsed, newSpace } = m.memory;
  if (!heapUsed || !newSpace || !m.held) return '';
  return ` (JS heap in use ${whole((heapUsed[2] - heapUsed[0]) / m.held)} B, young generation grown by ${whole((newSpace[1] - newSpace[0]) / m.held)} B)`;
}

/** `{ ratio }` when both sides are measured, else nothing. */
function ratio(value: number, reference: number): { ratio?: number } {
  const ratio = value / reference;
  return Number.isFinite(ratio) ? { ratio } : {};
}

/** The targets, as chart marks: Typhoon's memory per connection and broadcast p99. */
export function connectionTargets(label: string): ChartTarget[] {
  const names = scenarios(label);
  return [
    { scenario: names.memory, server: TYPHOON, max: 1.5 },
    { scenario: names.broadcast, server: TYPHOON, max: 1.2 },
  ];
}

function references(label: string): Record<string, string> {
  const names = scenarios(label);
  return { [names.memory]: CALIBRATION, [names.broadcast]: `${RAW} in the same rounds, p99`, [names.cpu]: `${RAW} in the same rounds, CPU per broadcast` };
}

/** Every scenario as a markdown table, with its ratios. */
export function connectionsTable(rows: Row[]): string {
  const lines: string[] = [];
  for (const scenario of [...new Set(rows.map((row) => row.scenario))]) {
    const group = rows.filter((row) => row.scenario === scenario);
    const broadcast = scenario.includes('broadcast,');
    const memory = scenario.endsWith('memory per connection');
    const reference = memory ? 'the calibration row' : broadcast ? 'raw uWS (p99, same rounds)' : 'raw uWS (CPU per broadcast, same rounds)';
    const value = broadcast ? 'last client, p50' : memory ? 'RSS per connection' : 'CPU';
    lines.push(`\n### ${scenario}\n`, `| server | ${value} | p99 | peak RSS | vs ${reference} |`, '| --- | ---: | ---: | ---: | ---: |');
    for (const row of group) {
      const shown = row.unit === 'bytes/conn' ? `${whole(row.rate)} B` : row.unit === '% of a core' ? `${row.rate.toFixed(0)} % of a core` : `${whole(row.rate)} ms`;
      const p99 = Number.isFinite(row.p99ms) ? `${whole(row.p99ms)} ms` : '–';
      const errors = row.errors ? ` (${row.errors} ${row.unit === 'bytes/conn' ? 'failed' : 'lost'})` : '';
      lines.push(`| ${row.server} | ${Number.isFinite(row.rate) ? shown : '–'}${errors} | ${p99} | ${row.peakRssMb} MB | ${row.ratio !== undefined ? `${row.ratio.toFixed(2)}×` : '–'} |`);
      if (row.extra) lines.push(`| | ${row.extra} | | | |`);
    }
  }
  return lines.join('\n');
}

/** The targets met or not: memory and broadcast p99 as ratios, and no connection lost. */
export function targetsTable(rows: Row[], measurements: Measurement[], label: string): string {
  const lines = ['\n### Targets\n', '| target | measured | |', '| --- | ---: | --- |'];
  const names = scenarios(label);
  const find = (scenario: string, server: string) => rows.find((row) => row.scenario === scenario && row.server === server);
  const memory = find(names.memory, TYPHOON);
  if (memory?.ratio !== undefined) lines.push(`| Typhoon's memory per connection ≤ 1.5× the calibration row's | ${memory.ratio.toFixed(2)}× | ${memory.ratio <= 1.5 ? 'met' : 'not met'} |`);
  const broadcast = find(names.broadcast, TYPHOON);
  const typhoon = measurements.find((m) => m.server === TYPHOON);
  if (broadcast?.ratio !== undefined && typhoon?.reference) {
    const perClient = typhoon.broadcast.perClientP99 / typhoon.reference.perClientP99;
    lines.push(`| Typhoon's broadcast p99 (last client) ≤ 1.2× raw uWS's in the same rounds | ${broadcast.ratio.toFixed(2)}× (per-client p99: ${perClient.toFixed(2)}×) | ${broadcast.ratio <= 1.2 ? 'met' : 'not met'} |`);
  }
  for (const m of measurements.filter((candidate) => candidate.server === TYPHOON || candidate.server === NODE_TRANSPORT)) {
    const lost = m.failed + m.dropped + m.broadcast.missing;
    lines.push(`| ${m.server}: no connection lost | ${m.failed} failed to connect, ${m.dropped} dropped, ${m.broadcast.missing} deliveries missing | ${lost === 0 ? 'met' : 'not met'} |`);
  }
  return lines.length > 3 ? lines.join('\n') : '';
}

function tornadoInstalled(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import tornado'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * How busy the machine was with other work during the run (every CPU second of the machine not
 * spent by this process and its children), and how much raw uWS's own broadcasts varied from
 * one pairing to the next.
 */
function noise(measurements: Measurement[], started: { at: number; machine: { busy: number; cores: number }; own: number }): string {
  const seconds = (performance.now() - started.at) / 1000;
  const machine = machineBusySeconds();
  const others = machine.busy - started.machine.busy - (ownAndChildrenSeconds() - started.own);
  const references = measurements.flatMap((m) => (m.reference ? [median(m.reference.lastMs)] : []));
  const spread = references.length > 1 ? `; raw uWS's last-client p50 ranged ${whole(Math.min(...references))}–${whole(Math.max(...references))} ms from one pairing to the next` : '';
  return `other work on the machine used ${Math.max(0, (others / seconds) * 100).toFixed(0)} % of one core on average during the run (${machine.cores} cores)${spread}`;
}

/**
 * Runs every server of the benchmark (see {@link measureAll}); gives the rows (three scenarios
 * per server, ratios set), notes about the run, the raw measurements and the plan.
 */
export async function runConnections(options: ConnectionsOptions): Promise<ConnectionsResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const plan = makePlan(options.quick, options.count, options.seconds);
  const notes: string[] = [];
  let servers = SERVERS;
  if (!tornadoInstalled()) {
    notes.push('Tornado skipped: apt-get install -y python3-tornado');
    servers = servers.filter((server) => server.name !== 'Tornado');
  }
  if (options.only?.length) servers = servers.filter((server) => options.only!.some((name) => server.name.toLowerCase().includes(name.toLowerCase())));
  if (!plan.limit.granted) {
    notes.push(
      `descriptors: the hard limit here is ${plan.limit.hard.toLocaleString('en')} per process and could not be raised (${plan.limit.refusal}; raising it needs CAP_SYS_RESOURCE), ` +
        `so each server ran as ${plan.serverProcesses} processes of ${Math.ceil(plan.count / plan.serverProcesses).toLocaleString('en')} connections on CPU 0, each broadcasting to its own clients at the same moment`,
    );
  }
  const rounds = `${plan.seconds} rounds, one a second or back to back when a round takes longer, at most ${plan.seconds * 2} s, after one unmeasured warm-up broadcast`;
  notes.push(
    `${plan.crowdWorkers} client processes on CPU 1 (${Math.ceil(plan.count / plan.crowdWorkers).toLocaleString('en')} clients each, ${plan.concurrency} handshakes in flight); ` +
      (servers.some((server) => server.name === RAW)
        ? `raw uWS stays connected and broadcasts in rounds with each other server in turn (${rounds}); broadcast and CPU ratios compare a server with raw uWS in the same rounds`
        : `each server broadcasts alone (${rounds})`),
  );
  const started = { at: performance.now(), machine: machineBusySeconds(), own: ownAndChildrenSeconds() };
  const measurements = await measureAll(servers, plan, log, notes);
  const perClient = measurements.map((m) => m.crowd.rssPerClient);
  if (perClient.length) {
    const worst = Math.max(...perClient);
    notes.push(`the clients took ${whole(Math.min(...perClient))}–${whole(worst)} B of RSS each (${whole((worst * plan.count) / 1048576)} MB for ${whole(plan.count)}, ${whole(Math.max(...measurements.map((m) => m.crowd.heapPerClient)))} B of it V8 heap)`);
  }
  notes.push(noise(measurements, started));
  return { rows: toRows(measurements, plan), notes, measurements, plan };
}

/** The chart of a run's ratios, with the targets marked. */
export function connectionsChart(result: ConnectionsResult, subtitle: string): string {
  return ratioChart(result.rows, {
    title: `${result.plan.label}: ratios (lower is better)`,
    subtitle,
    targets: connectionTargets(result.plan.label),
    references: references(result.plan.label),
  });
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  try {
    execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  } catch {
    process.stderr.write('could not pin this process to CPU 1\n');
  }
  const quick = process.argv.includes('--quick');
  const count = argument('--count') ? Number(argument('--count')) : undefined;
  const seconds = argument('--seconds') ? Number(argument('--seconds')) : undefined;
  const only = argument('--only')?.split(',');
  const started = Date.now();
  const result = await runConnections({ quick, count, seconds, only });
  const duration = Math.round((Date.now() - started) / 1000);
  const when = new Date().toISOString();
  const header = `## ${result.plan.label} — ${when.slice(0, 16)}Z, ${quick ? 'quick' : 'full'} run (${duration} s), Node ${process.versions.node}, ${cpus().length} cores`;
  console.log(header);
  console.log(connectionsTable(result.rows));
  console.log(targetsTable(result.rows, result.measurements, result.plan.label));
  console.log(`\nNotes: ${result.notes.join('; ')}`);
  const directory = path.join(root, 'benchmarks', 'results');
  mkdirSync(directory, { recursive: true });
  const base = path.join(directory, `connections-${when.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}`);
  writeFileSync(`${base}.json`, JSON.stringify({ quick, seconds: duration, node: process.versions.node, ...result }, null, 2));
  writeFileSync(`${base}.svg`, connectionsChart(result, `${when.slice(0, 16)}Z, Node ${process.versions.node}, ${cpus().length} cores; memory against the calibration row, the rest against raw uWebSockets.js`));
  console.log(`\nSaved ${path.relative(root, base)}.json and .svg`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
  });
}
