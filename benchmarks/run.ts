/**
 * `npm run bench [-- --quick] [-- --only core,techempower,connections] [-- --servers uws,typhoon,...] [-- --trixie]`:
 * every scenario against Typhoon, the other frameworks on uWS (hyper-express, ultimate-express)
 * and the reference servers in one run, same load generators, printed as markdown tables with
 * ratios to raw uWebSockets.js and each server's CPU per request, and saved as JSON and an SVG
 * chart of the ratios under benchmarks/results/. `--servers` keeps the core and TechEmpower
 * parts to the servers named by their ids (see SERVERS; default all). Three parts: the core
 * scenarios (this file), TechEmpower's six test types on PostgreSQL (techempower.ts) and
 * 100,000 concurrent WebSockets
 * (connections.ts). Servers run on CPU 0, load generators on CPU 1. `--trixie` runs the same
 * inside CI's Debian 13 chroot (.ci/trixie, root needed) on Node 24 with uWebSockets.js v20.57,
 * the platform of users on Node 22/24, and copies its results back here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { glibcVersion, isNative, uwsAvailability } from '../lib/transport/uws';
import { ratioChart } from './lib/chart';
import { cpuSeconds, withCpu } from './lib/cpu-time';
import { rss, sampleRss, startServer, type RunningServer } from './lib/processes';
import { bestOf as bestOfRounds } from './lib/rounds';
import type { Row } from './lib/row';
import { BEST_UWS_PEER, targetLines, targetsHeader, type Target } from './lib/targets';
import { supportsPipelining } from './lib/verify-techempower';
import { connectionsChart, connectionsTable, runConnections, targetsTable as connectionTargetsTable } from './connections';
import { runTechEmpower, TECHEMPOWER_SERVERS, TECHEMPOWER_TARGETS, techEmpowerTable, techEmpowerTargets } from './techempower';
import { wrk } from './lib/wrk';
import { broadcastLoad, connect, echoLoad, frame, openIdle } from './lib/ws-load';
import { startRedis } from '../lib/testing/redis-server';

const quick = process.argv.includes('--quick');
/** The parts to run (`--only core,techempower,connections`); default all three. */
const ONLY = process.argv.indexOf('--only');
const PARTS = ONLY >= 0 && process.argv[ONLY + 1] ? process.argv[ONLY + 1].split(',') : ['core', 'techempower', 'connections'];
/** The servers of the core and TechEmpower parts, by id (`--servers uws,typhoon,hyper-express`); default all. */
const SERVERS_FLAG = process.argv.indexOf('--servers');
const SERVER_IDS = SERVERS_FLAG >= 0 && process.argv[SERVERS_FLAG + 1] ? process.argv[SERVERS_FLAG + 1].split(',') : null;
const root = path.resolve(__dirname, '..', '..');
const SECONDS = quick ? 1 : 3;
/** Each measurement is repeated, servers interleaved; ratios are medians of per-round ratios (a shared machine is noisy). */
const ROUNDS = quick ? 2 : 5;
const WARMUP = quick ? 1 : 2;
const IDLE = 10_000;
/** raw uWS keeping an 8-field object per connection: what any per-connection JS state costs on uWS. */
const IDLE_CALIBRATION = 'uWebSockets.js + an 8-field object per connection';
const SUSTAINED = quick ? 300_000 : 1_000_000;

interface ServerSpec {
  /** What `--servers` calls it. */
  id: string;
  name: string;
  command: string;
  args: (port: number, staticDir: string) => string[];
  http: boolean;
  ws: boolean;
  env?: Record<string, string>;
  /** The HTTP scenarios this server runs (default: all). */
  only?: string[];
}


const node = process.execPath;
const NODE_TRANSPORT = 'Typhoon (node transport)';
const DEFAULTS = 'Typhoon, default settings';
const PLAINTEXT = 'plaintext';
const JSON_ASYNC = 'JSON: async get() awaiting an injected per-request service';
const JSON_SYNC = 'JSON: sync get() with an injected singleton (reference)';
const PIPELINED = 'plaintext pipelined ×16';
const ECHO = 'WebSocket echo (async onMessage)';
const BROADCAST = 'broadcast to 1,000 clients';
/** The targets, as medians of per-round ratios of `server` to `reference` in `scenario` (lib/targets.ts). */
const TARGETS: Target[] = [
  [PLAINTEXT, 'Typhoon', 'uWebSockets.js', 0.9],
  [JSON_ASYNC, 'Typhoon', 'uWebSockets.js', 0.9],
  [PIPELINED, 'Typhoon', 'uWebSockets.js', 0.6],
  [PLAINTEXT, 'Typhoon', BEST_UWS_PEER, 1.0],
  [JSON_ASYNC, 'Typhoon', BEST_UWS_PEER, 1.0],
  [PIPELINED, 'Typhoon', BEST_UWS_PEER, 1.0],
  [ECHO, 'Typhoon', 'uWebSockets.js', 0.9],
  [PLAINTEXT, DEFAULTS, 'uWebSockets.js', 0.85],
  [JSON_ASYNC, DEFAULTS, 'uWebSockets.js', 0.85],
  [PLAINTEXT, NODE_TRANSPORT, 'Fastify', 1.1],
  [JSON_ASYNC, NODE_TRANSPORT, 'Fastify', 1.1],
  [ECHO, NODE_TRANSPORT, 'node:http (+ws)', 1.0],
  [BROADCAST, NODE_TRANSPORT, 'node:http (+ws)', 1.0],
];
/** The peers on uWS (lib/targets.ts's UWS_PEERS) run on the uWS build Typhoon brings: package.json's overrides. */
const SERVERS: ServerSpec[] = [
  { id: 'uws', name: 'uWebSockets.js', command: node, args: (p, s) => [path.join(root, 'benchmarks/servers/raw-uws.js'), String(p), s], http: true, ws: true },
  { id: 'typhoon', name: 'Typhoon', command: node, args: (p, s) => [path.join(root, 'dist/benchmarks/servers/typhoon.js'), String(p), s], http: true, ws: true, env: { TYPHOON_TRANSPORT: 'uws' } },
  {
    id: 'typhoon-defaults', name: DEFAULTS, command: node, args: (p, s) => [path.join(root, 'dist/benchmarks/servers/typhoon.js'), String(p), s], http: true, ws: false,
    env: { TYPHOON_TRANSPORT: 'uws', TYPHOON_BENCH_DEFAULTS: '1', TYPHOON_LOG_LEVEL: '' }, only: [PLAINTEXT, JSON_ASYNC],
  },
  { id: 'typhoon-node', name: NODE_TRANSPORT, command: node, args: (p, s) => [path.join(root, 'dist/benchmarks/servers/typhoon.js'), String(p), s], http: true, ws: true, env: { TYPHOON_TRANSPORT: 'node' } },
  { id: 'hyper-express', name: 'hyper-express', command: node, args: (p, s) => [path.join(root, 'benchmarks/servers/hyper-express.js'), String(p), s], http: true, ws: true },
  { id: 'ultimate-express', name: 'ultimate-express', command: node, args: (p, s) => [path.join(root, 'benchmarks/servers/ultimate-express.js'), String(p), s], http: true, ws: true },
  { id: 'fastify', name: 'Fastify', command: node, args: (p, s) => [path.join(root, 'benchmarks/servers/fastify.js'), String(p), s], http: true, ws: false },
  { id: 'node-http', name: 'node:http (+ws)', command: node, args: (p, s) => [path.join(root, 'benchmarks/servers/node-http.js'), String(p), s], http: true, ws: true },
  { id: 'express', name: 'Express', command: node, args: (p, s) => [path.join(root, 'benchmarks/servers/express.js'), String(p), s], http: true, ws: false },
  { id: 'tornado', name: 'Tornado', command: '/usr/bin/python3', args: (p, s) => [path.join(root, 'benchmarks/servers/tornado_server.py'), String(p), s], http: true, ws: true },
];
/** `--servers` for the TechEmpower part: the same servers by its names (its node:http has no `ws`), those it has. */
function techEmpowerServers(): string[] | undefined {
  if (!SERVER_IDS) return undefined;
  const names = SERVER_IDS.map((id) => (id === 'node-http' ? 'node:http' : SERVERS.find((spec) => spec.id === id)!.name));
  return names.filter((name) => TECHEMPOWER_SERVERS.some((server) => server.name === name));
}

/** `pipeline`: requests written at once on each connection (TFB's pipeline.lua), every response counted. */
const HTTP_SCENARIOS: Array<{ name: string; path: string; connections: number; pipeline?: number }> = [
  { name: PLAINTEXT, path: '/', connections: 50 },
  { name: PIPELINED, path: '/', connections: 50, pipeline: 16 },
  { name: JSON_ASYNC, path: '/json/42', connections: 50 },
  { name: JSON_SYNC, path: '/json-sync/42', connections: 50 },
  { name: 'static 4 KiB', path: '/static/4k.bin', connections: 50 },
  { name: 'static 10 MiB', path: '/static/10m.bin', connections: 10 },
];

const rows: Row[] = [];
const notes: string[] = [];
const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
/** CPU per request to 0.01 µs. */
const round = (us: number) => Math.round(us * 100) / 100;

/** A row's measured fields from a bestOf result: the best round's figures, the median ratio, every round. */
function measured(result: { rate: number; p99ms: number; peak: number; errors?: number; ratio: number; rounds: number[]; cpuUsPerRequest: number; cpuRounds: number[] }) {
  const { rate, p99ms, peak, errors, ratio, rounds, cpuUsPerRequest, cpuRounds } = result;
  return { rate, p99ms, peakRssMb: mb(peak), errors, ratio, rounds, cpuUsPerRequest: round(cpuUsPerRequest), cpuRounds: cpuRounds.map(round) };
}

function preflight(): ServerSpec[] {
  const unknown = PARTS.filter((part) => !['core', 'techempower', 'connections'].includes(part));
  if (unknown.length) throw new Error(`--only takes core, techempower and connections, comma-separated; got ${unknown.join(', ')}`);
  if (!existsSync('/usr/bin/wrk')) throw new Error("wrk is missing: apt-get install -y wrk (the HTTP load generator)");
  const uws = uwsAvailability();
  if (!uws.uws || !isNative(require('uWebSockets.js'))) throw new Error(`no native uWebSockets.js build here, refusing to benchmark: ${uws.reason ?? 'the one raw uWS would load is its JavaScript fallback'}`);
  try {
    execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  } catch {
    notes.push('could not pin the load generator to CPU 1');
  }
  const unknownIds = (SERVER_IDS ?? []).filter((id) => !SERVERS.some((spec) => spec.id === id));
  if (unknownIds.length) throw new Error(`--servers takes ${SERVERS.map((spec) => spec.id).join(', ')}, comma-separated; got ${unknownIds.join(', ')}`);
  let servers = SERVER_IDS ? SERVERS.filter((spec) => SERVER_IDS.includes(spec.id)) : SERVERS;
  if (SERVER_IDS) notes.push(`only the servers ${servers.map((spec) => spec.name).join(', ')} (--servers)`);
  if (servers.some((spec) => spec.name === 'Tornado') && !hasTornado()) {
    notes.push('Tornado skipped: apt-get install -y python3-tornado');
    servers = servers.filter((server) => server.name !== 'Tornado');
  }
  return servers;
}

function hasTornado(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import tornado'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function makeStatic(): { dir: string; sizes: Record<string, number> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'typhoon-bench-'));
  writeFileSync(path.join(dir, '4k.bin'), randomBytes(4096));
  writeFileSync(path.join(dir, '10m.bin'), randomBytes(10 * 1024 * 1024));
  return { dir, sizes: { '/static/4k.bin': 4096, '/static/10m.bin': 10 * 1024 * 1024 } };
}

async function start(spec: ServerSpec, staticDir: string): Promise<RunningServer> {
  return startServer(spec.name, spec.command, spec.args(0, staticDir), root, { env: spec.env });
}

/** Checks every HTTP endpoint answers what the benchmark expects before anything is timed. */
async function verifyHttp(server: RunningServer, sizes: Record<string, number>): Promise<void> {
  const base = `http://127.0.0.1:${server.port}`;
  const hello = await fetch(`${base}/`);
  const text = await hello.text();
  if (hello.status !== 200 || text !== 'Hello, World!') throw new Error(`${server.name} / answered ${hello.status} ${JSON.stringify(text)}`);
  for (const route of ['/json/42', '/json-sync/42']) {
    const json = (await (await fetch(`${base}${route}`)).json()) as { id: string; name: string };
    if (json.id !== '42' || json.name !== 'item 42') throw new Error(`${server.name} ${route} answered ${JSON.stringify(json)}`);
  }
  for (const [file, size] of Object.entries(sizes)) {
    const body = Buffer.from(await (await fetch(`${base}${file}`)).arrayBuffer());
    if (body.length !== size) throw new Error(`${server.name} ${file} answered ${body.length} bytes, expected ${size}`);
  }
}

async function verifyWs(server: RunningServer): Promise<void> {
  const { socket, rest } = await connect(server.port, '/echo');
  const reply = await new Promise<Buffer>((resolve) => {
    let data = rest;
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 7) resolve(data);
    });
    socket.write(frame(Buffer.from('hello')));
  });
  socket.destroy();
  if (reply.subarray(2, 7).toString() !== 'hello') throw new Error(`${server.name} /echo answered ${JSON.stringify(reply.toString())}`);
}

/** bestOf of lib/rounds.ts with this run's number of rounds. */
function bestOf<T extends { rate: number }>(servers: RunningServer[], measure: (server: RunningServer) => Promise<T>) {
  return bestOfRounds(servers, ROUNDS, measure);
}

async function httpScenarios(servers: ServerSpec[], staticDir: string, sizes: Record<string, number>): Promise<void> {
  const running: RunningServer[] = [];
  const specOf = (server: RunningServer) => servers.find((spec) => spec.name === server.name)!;
  try {
    for (const spec of servers.filter((s) => s.http)) running.push(await start(spec, staticDir));
    const unpipelined = new Set<RunningServer>();
    for (const server of running) {
      await verifyHttp(server, sizes);
      if (!(await supportsPipelining(server.port, '/'))) unpipelined.add(server);
      await wrk(`http://127.0.0.1:${server.port}/`, WARMUP);
    }
    if (unpipelined.size) notes.push(`${[...unpipelined].map((server) => server.name).join(', ')}: left out of ${PIPELINED} (pipelined requests are not all answered)`);
    for (const scenario of HTTP_SCENARIOS.filter((candidate) => !quick || !QUICK_LEAVES_OUT.includes(candidate.name))) {
      const here = running.filter((server) => (!specOf(server).only || specOf(server).only!.includes(scenario.name)) && !(scenario.pipeline && unpipelined.has(server)));
      const best = await bestOf(here, async (server) => {
        const load = () => wrk(`http://127.0.0.1:${server.port}${scenario.path}`, SECONDS, scenario.connections, '1', scenario.pipeline);
        const { result: { result, peak }, cpuUsPerRequest } = await withCpu(server.pid, () => sampleRss(server.pid, 100, load), ({ result }) => result.requests);
        return { rate: result.rps, p99ms: result.p99ms, peak, errors: result.errors, cpuUsPerRequest };
      });
      for (const [server, result] of best) {
        rows.push({ scenario: scenario.name, server: server.name, unit: 'req/s', ...measured(result) });
        process.stderr.write(`  ${scenario.name} ${server.name}: ${Math.round(result.rate)} req/s\n`);
      }
    }
  } finally {
    await Promise.all(running.map((server) => server.stop()));
  }
}

async function wsScenarios(servers: ServerSpec[], staticDir: string): Promise<void> {
  const specs = servers.filter((s) => s.ws);
  const running: RunningServer[] = [];
  try {
    for (const spec of specs) running.push(await start(spec, staticDir));
    for (const server of running) {
      await verifyWs(server);
      await echoLoad(server.port, WARMUP);
    }
    const echo = await bestOf(running, async (server) => {
      const { result: { result, peak }, cpuUsPerRequest } = await withCpu(server.pid, () => sampleRss(server.pid, 100, () => echoLoad(server.port, SECONDS)), ({ result }) => result.messages);
      return { ...result, peak, cpuUsPerRequest };
    });
    for (const [server, result] of echo) {
      rows.push({ scenario: ECHO, server: server.name, unit: 'msg/s', ...measured(result) });
      process.stderr.write(`  WebSocket echo ${server.name}: ${Math.round(result.rate)} msg/s\n`);
    }
    // CPU per delivery includes opening the 1,000 subscribers' connections (the same for every server).
    const broadcast = await bestOf(running, async (server) => {
      const { result: { result, peak }, cpuUsPerRequest } = await withCpu(server.pid, () => sampleRss(server.pid, 100, () => broadcastLoad(server.port, SECONDS, 1000)), ({ result }) => result.messages);
      return { ...result, peak, cpuUsPerRequest };
    });
    for (const [server, result] of broadcast) {
      rows.push({ scenario: BROADCAST, server: server.name, unit: 'deliveries/s', ...measured(result) });
      process.stderr.write(`  broadcast ${server.name}: ${Math.round(result.rate)} deliveries/s\n`);
    }
  } finally {
    await Promise.all(running.map((server) => server.stop()));
  }
}

/** Idle connections on fresh processes, so earlier scenarios do not blur the memory figure. */
async function idleScenarios(servers: ServerSpec[], staticDir: string): Promise<void> {
  const specs = servers.filter((s) => s.ws);
  // Calibration next to raw uWS: the same server keeping one small object per connection.
  const raw = specs.find((spec) => spec.name === 'uWebSockets.js');
  const idleSpecs = specs.flatMap((spec) => (spec === raw ? [spec, { ...spec, name: IDLE_CALIBRATION, args: (p: number, s: string) => [...spec.args(p, s), '--keep-state'] }] : [spec]));
  for (const spec of idleSpecs) {
    const server = await start(spec, staticDir);
    try {
      await verifyWs(server);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = rss(server.pid);
      const sockets = await openIdle(server.port, IDLE);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const after = rss(server.pid);
      for (const socket of sockets) socket.destroy();
      const perConnection = (after - before) / IDLE;
      rows.push({ scenario: `${IDLE.toLocaleString('en')} idle WebSockets`, server: spec.name, rate: perConnection, unit: 'bytes/conn', p99ms: NaN, peakRssMb: mb(after) });
      process.stderr.write(`  idle ${spec.name}: ${Math.round(perConnection)} bytes/connection\n`);
    } finally {
      await server.stop();
    }
  }
}

/** Typhoon with 1 and 2 worker threads (and raw uWS for scale), servers and wrk sharing both cores. */
async function workerScenarios(staticDir: string): Promise<void> {
  const scenario = 'plaintext, 1 vs 2 workers (server and wrk share both cores)';
  const runs: Array<[string, ServerSpec, Record<string, string>]> = [
    ['uWebSockets.js', SERVERS[0], {}],
    ['Typhoon, 1 worker', SERVERS[1], { WORKERS: '1' }],
    ['Typhoon, 2 workers', SERVERS[1], { WORKERS: '2' }],
  ];
  const running: RunningServer[] = [];
  try {
    for (const [name, spec, env] of runs) running.push(await startServer(name, spec.command, spec.args(0, staticDir), root, { cpus: '0-1', env: { ...spec.env, ...env } }));
    for (const server of running) await wrk(`http://127.0.0.1:${server.port}/`, WARMUP, 50, '0-1');
    const best = await bestOf(running, async (server) => {
      const load = () => wrk(`http://127.0.0.1:${server.port}/`, SECONDS, 100, '0-1');
      const { result: { result, peak }, cpuUsPerRequest } = await withCpu(server.pid, () => sampleRss(server.pid, 100, load), ({ result }) => result.requests);
      return { rate: result.rps, p99ms: result.p99ms, peak, errors: result.errors, cpuUsPerRequest };
    });
    for (const [server, result] of best) {
      rows.push({ scenario, server: server.name, unit: 'req/s', ...measured(result) });
      process.stderr.write(`  ${scenario} ${server.name}: ${Math.round(result.rate)} req/s\n`);
    }
  } finally {
    await Promise.all(running.map((server) => server.stop()));
  }
}

/** A broadcast to 1,000 clients spread over two Typhoon processes sharing a Redis. */
async function redisBroadcast(staticDir: string): Promise<void> {
  if (!existsSync('/usr/bin/redis-server')) {
    notes.push('broadcast through Redis skipped: apt-get install -y redis-server');
    return;
  }
  const redis = await startRedis();
  const spec = SERVERS[1];
  const env = { ...spec.env, REDIS_URL: redis.url };
  const servers = await Promise.all([0, 1].map((i) => startServer(`Typhoon ${i}`, spec.command, spec.args(0, staticDir), root, { env })));
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = cpuSeconds(servers[0].pid) + cpuSeconds(servers[1].pid);
    const { result, peak } = await sampleRss(servers[0].pid, 100, () => broadcastLoad(servers.map((server) => server.port), SECONDS, 1000));
    const cpuUsPerRequest = ((cpuSeconds(servers[0].pid) + cpuSeconds(servers[1].pid) - before) * 1e6) / result.messages;
    rows.push({ scenario: 'broadcast to 1,000 clients on two processes through Redis', server: 'Typhoon ×2 + Redis', rate: result.rate, unit: 'deliveries/s', p99ms: result.p99ms, peakRssMb: mb(peak), cpuUsPerRequest: round(cpuUsPerRequest) });
    process.stderr.write(`  broadcast through Redis: ${Math.round(result.rate)} deliveries/s\n`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await redis.stop();
  }
}

/** A long plaintext run on Typhoon, watching RSS: the slope of the second half should be ~0. */
async function sustained(staticDir: string): Promise<void> {
  const spec = SERVERS.find((s) => s.name === 'Typhoon')!;
  const server = await start(spec, staticDir);
  try {
    const probe = await wrk(`http://127.0.0.1:${server.port}/`, 1);
    const seconds = Math.max(2, Math.ceil(SUSTAINED / Math.max(probe.rps, 1)) + 1);
    const { result: { result, samples }, cpuUsPerRequest } = await withCpu(server.pid, () => sampleRss(server.pid, 250, () => wrk(`http://127.0.0.1:${server.port}/json/7`, seconds)), ({ result }) => result.requests);
    const half = samples.slice(Math.floor(samples.length / 2));
    const slope = linearSlope(half); // bytes per second
    const perHundredK = result.rps ? (slope / result.rps) * 100_000 : 0;
    rows.push({
      scenario: `sustained ${(result.requests / 1e6).toFixed(2)}M requests (JSON)`, server: spec.name, rate: result.rps, unit: 'req/s', p99ms: result.p99ms, cpuUsPerRequest: round(cpuUsPerRequest),
      peakRssMb: mb(Math.max(...samples.map(([, value]) => value))),
      extra: `RSS ${mb(samples[0][1])} → ${mb(samples[samples.length - 1][1])} MB; second-half trend ${(perHundredK / 1024).toFixed(1)} KiB per 100k requests`,
    });
  } finally {
    await server.stop();
  }
}

function linearSlope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}

function format(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  if (unit === 'bytes/conn') return `${Math.round(value).toLocaleString('en')} B/conn`;
  return `${Math.round(value).toLocaleString('en')} ${unit}`;
}

/** Server CPU time per request (per message, per delivery), or `–`. */
function cpu(row: Row): string {
  const us = row.cpuUsPerRequest;
  return us !== undefined && Number.isFinite(us) ? `${us.toFixed(us < 10 ? 2 : 1)} µs` : '–';
}

function table(): string {
  const lines: string[] = [];
  for (const scenario of [...new Set(rows.map((row) => row.scenario))]) {
    const group = rows.filter((row) => row.scenario === scenario);
    const reference = group.find((row) => row.server === 'uWebSockets.js') ?? (scenario.includes('Redis') ? rows.find((row) => row.scenario === BROADCAST && row.server === 'uWebSockets.js') : undefined);
    const per = group[0].unit === 'msg/s' ? 'message' : group[0].unit === 'deliveries/s' ? 'delivery' : 'request';
    lines.push(`\n### ${scenario}\n`, `| server | throughput | p99 latency | peak RSS | server CPU per ${per} | vs raw uWS |`, '| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const row of group) {
      const ratio = row.ratio !== undefined && Number.isFinite(row.ratio) ? row.ratio : reference && reference.rate ? row.rate / reference.rate : NaN;
      const p99 = Number.isFinite(row.p99ms) ? `${row.p99ms.toFixed(2)} ms` : '–';
      const errors = row.errors ? ` (${row.errors} errors)` : '';
      lines.push(`| ${row.server} | ${format(row.rate, row.unit)}${errors} | ${p99} | ${row.peakRssMb} MB | ${cpu(row)} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–'} |`);
      if (row.extra) lines.push(`| | ${row.extra} | | | | |`);
    }
  }
  return lines.join('\n');
}

/** Every target, as medians of per-round ratios (lib/targets.ts); idle memory against the calibration row. */
function targetsTable(): string {
  const lines = ['\n### Targets\n', ...targetsHeader('scenario'), ...targetLines(rows, TARGETS)];
  const idle = rows.filter((row) => row.unit === 'bytes/conn');
  const calibration = idle.find((row) => row.server === IDLE_CALIBRATION);
  const typhoon = idle.find((row) => row.server === 'Typhoon');
  if (calibration && typhoon) {
    const ratio = typhoon.rate / calibration.rate;
    lines.push(`| ${typhoon.scenario} | Typhoon | ${IDLE_CALIBRATION} | ${ratio.toFixed(2)}× | ≤ 1.50× ${ratio <= 1.5 ? '(met)' : '(not met)'} | – | – |`);
  }
  return lines.length > 4 ? lines.join('\n') : '';
}

/** Which core scenarios quick mode leaves out, to stay under three minutes with the other parts. */
const QUICK_SKIPS = 'quick run: no JSON-sync reference or 10 MiB static rows, no 10,000-idle-WebSocket row (the connections part measures memory per connection), no worker, Redis or sustained scenarios (npm run bench runs them all)';
/** HTTP scenarios quick mode leaves out. */
const QUICK_LEAVES_OUT = [JSON_SYNC, 'static 10 MiB'];

async function core(servers: ServerSpec[]): Promise<void> {
  const { dir, sizes } = makeStatic();
  try {
    await httpScenarios(servers, dir, sizes);
    await wsScenarios(servers, dir);
    if (quick) {
      notes.push(QUICK_SKIPS);
      return;
    }
    await idleScenarios(servers, dir);
    await workerScenarios(dir);
    await redisBroadcast(dir);
    await sustained(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const servers = preflight();
  const started = Date.now();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  process.stderr.write(`Typhoon benchmarks (${quick ? 'quick' : 'full'}; ${PARTS.join(', ')}): servers on CPU 0, wrk and the WebSocket clients on CPU 1\n`);
  if (PARTS.includes('core')) await core(servers);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dirOut = path.join(root, 'benchmarks', 'results');
  mkdirSync(dirOut, { recursive: true });
  let techempower: Row[] = [];
  if (PARTS.includes('techempower')) {
    process.stderr.write('TechEmpower tests: servers on CPU 0, wrk and PostgreSQL on CPU 1\n');
    const result = await runTechEmpower({ quick, seconds: SECONDS, rounds: ROUNDS, servers: techEmpowerServers() });
    techempower = result.rows;
    notes.push(...result.notes);
  }
  let connections: Awaited<ReturnType<typeof runConnections>> | null = null;
  if (PARTS.includes('connections')) {
    process.stderr.write('Concurrent WebSockets: servers on CPU 0, client processes on CPU 1\n');
    connections = await runConnections({ quick });
    notes.push(...connections.notes);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const platform = `Node ${process.versions.node}, uWS ${uwsAvailability().build?.version ?? '(none)'}, glibc ${glibcVersion() ?? '(none)'}`;
  const title = `Typhoon benchmarks — ${new Date().toISOString().slice(0, 16)}Z, ${quick ? 'quick' : 'full'} run (${seconds} s), ${platform}, ${require('node:os').cpus().length} cores`;
  console.log(`## ${title}; ${ROUNDS} interleaved ${SECONDS} s rounds: throughput and p99 of each server's best round, ratios the median of per-round ratios`);
  const chartFile = `${stamp}${quick ? '-quick' : ''}.svg`;
  const throughput = [...rows, ...techempower].filter((row) => row.unit !== 'bytes/conn');
  if (throughput.length) {
    const targets = [...TARGETS, ...TECHEMPOWER_TARGETS].filter(([, , reference]) => reference === 'uWebSockets.js').map(([scenario, server, , target]) => ({ scenario, server, min: target }));
    writeFileSync(path.join(dirOut, chartFile), ratioChart(throughput, { title: 'Throughput as a ratio to raw uWebSockets.js (higher is better)', subtitle: title, targets }));
    console.log(`\n![Throughput ratios](${chartFile})`);
  }
  if (rows.length) {
    console.log(table());
    console.log(targetsTable());
  }
  if (techempower.length) {
    console.log(`\n### TechEmpower Framework Benchmarks' test types (PostgreSQL${quick ? '; quick: raw uWS, Typhoon, the uWS peers and Fastify only' : ''})\n`);
    console.log(techEmpowerTable(techempower));
    console.log(`\n#### Targets\n\n${techEmpowerTargets(techempower)}`);
  }
  if (connections?.rows.length) {
    const connectionsFile = `${stamp}${quick ? '-quick' : ''}-connections.svg`;
    writeFileSync(path.join(dirOut, connectionsFile), connectionsChart(connections, title));
    console.log(`\n### ${connections.plan.label}\n\n![Concurrent WebSockets](${connectionsFile})\n`);
    console.log(connectionsTable(connections.rows));
    console.log(`\n${connectionTargetsTable(connections.rows, connections.measurements, connections.plan.label)}`);
  }
  if (notes.length) console.log(`\nNotes: ${notes.join('; ')}`);
  const file = path.join(dirOut, `${stamp}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify({ quick, seconds, node: process.versions.node, uws: uwsAvailability().build?.version, glibc: glibcVersion(), parts: PARTS, rows, techempower, connections: connections && { rows: connections.rows, measurements: connections.measurements, plan: connections.plan }, notes }, null, 2));
  console.log(`\nSaved ${path.relative(root, file)} and the charts beside it`);
}

/** `--trixie`: this command again, inside the Debian 13 chroot (servers, wrk and all), results copied back. */
function inTrixie(): number {
  const args = process.argv.slice(2).filter((arg) => arg !== '--trixie');
  const run = spawnSync(path.join(root, '.ci', 'trixie'), ['--node', '24', '--copy-back', 'benchmarks/results', 'npm', 'run', 'bench', '--', ...args], { stdio: 'inherit' });
  return run.status ?? 1;
}

if (process.argv.includes('--trixie')) process.exit(inTrixie());
main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
