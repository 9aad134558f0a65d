/**
 * TechEmpower Framework Benchmarks' six test types (JSON serialization, single query, multiple
 * queries, fortunes, updates, plaintext with HTTP pipelining) against Typhoon and the
 * reference servers, on a real PostgreSQL started for the run. Every server is checked against
 * TFB's rules first, then measured with wrk as TFB's toolset runs it, servers interleaved
 * round by round. Servers run on CPU 0; wrk and PostgreSQL share CPU 1.
 *
 * Alone: `npm run build && node dist/benchmarks/techempower.js [--quick]` prints markdown
 * tables and saves JSON under benchmarks/results/. From the suite: {@link runTechEmpower}.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { findPostgres, POSTGRES_PACKAGE, startPostgres } from './lib/postgres';
import { sampleRss, startServer, type RunningServer } from './lib/processes';
import { withCpu } from './lib/cpu-time';
import { bestOf, REFERENCE } from './lib/rounds';
import type { Row } from './lib/row';
import { BEST_UWS_PEER, targetLines, targetsHeader, type Target } from './lib/targets';
import { tfbWrk } from './lib/tfb-wrk';
import { dateProblems, expectedFortunes, supportsPipelining, verifyTechEmpower } from './lib/verify-techempower';

const root = path.resolve(__dirname, '..', '..');
const servers = path.join(root, 'dist', 'benchmarks', 'servers', 'techempower');

/** How a run is sized. */
export interface TechEmpowerOptions {
  /** Quick mode: only raw uWS, Typhoon, the uWS peers and Fastify (the targets' servers), labelled quick. */
  quick: boolean;
  /** Length of each measurement, in seconds (wrk takes whole seconds). */
  seconds: number;
  /** Measurements per server and test, servers interleaved; ratios are medians of per-round ratios. */
  rounds: number;
  /** Length of the warm-up of each server (every endpoint in turn), in seconds; default 2, quick 1. */
  warmupSeconds?: number;
  /** Only these servers (names as in {@link TECHEMPOWER_SERVERS}); default: all, or the quick ones. */
  servers?: string[];
}

/** One TFB test type as measured here. */
export interface TechEmpowerTest {
  scenario: string;
  path: string;
  /** TFB's Accept header for the test type. */
  accept: string;
  connections: number;
  /** Requests pipelined per connection (plaintext: 16, where the server supports it). */
  pipeline?: number;
}

/** A server of the suite: a process started with `<port>` last, and `DATABASE_URL` in its environment. */
export interface TechEmpowerServer {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Measured in quick mode too. */
  quick?: boolean;
}

const ACCEPT_JSON = 'application/json,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7';
const ACCEPT_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const ACCEPT_PLAINTEXT = 'text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7';

/**
 * TFB's test types in its order. TFB's headline figures are at 512 connections (plaintext: 256
 * to 16,384, pipelined); on two cores 128 (plaintext 256) keep every server busy. wrk has one
 * thread on a core it shares with PostgreSQL, and raw uWS's JSON serialization takes nearly
 * all of what that thread can send (about 130,000 requests a second): on a busy machine that
 * test measures wrk rather than the fastest servers, and their CPU per request
 * (`cpuUsPerRequest`) tells them apart. Multiple queries and updates at 20 queries per
 * request, TFB's usual headline.
 */
export const TECHEMPOWER_TESTS: TechEmpowerTest[] = [
  { scenario: 'TechEmpower: JSON serialization', path: '/json', accept: ACCEPT_JSON, connections: 128 },
  { scenario: 'TechEmpower: single query', path: '/db', accept: ACCEPT_JSON, connections: 128 },
  { scenario: 'TechEmpower: multiple queries (20)', path: '/queries?queries=20', accept: ACCEPT_JSON, connections: 128 },
  { scenario: 'TechEmpower: fortunes', path: '/fortunes', accept: ACCEPT_HTML, connections: 128 },
  { scenario: 'TechEmpower: updates (20)', path: '/updates?queries=20', accept: ACCEPT_JSON, connections: 128 },
  { scenario: 'TechEmpower: plaintext (pipelined ×16)', path: '/plaintext', accept: ACCEPT_PLAINTEXT, connections: 256, pipeline: 16 },
];

const node = process.execPath;
const serverFile = (name: string) => path.join(servers, `${name}.js`);
/** Names as in benchmarks/run.ts, so rows of both land in the same tables. */
export const TECHEMPOWER_SERVERS: TechEmpowerServer[] = [
  { name: REFERENCE, command: node, args: [serverFile('raw-uws')], quick: true },
  { name: 'Typhoon', command: node, args: [serverFile('typhoon')], env: { TYPHOON_TRANSPORT: 'uws' }, quick: true },
  { name: 'Typhoon (node transport)', command: node, args: [serverFile('typhoon')], env: { TYPHOON_TRANSPORT: 'node' } },
  { name: 'hyper-express', command: node, args: [serverFile('hyper-express')], quick: true },
  { name: 'ultimate-express', command: node, args: [serverFile('ultimate-express')], quick: true },
  { name: 'Fastify', command: node, args: [serverFile('fastify')], quick: true },
  { name: 'node:http', command: node, args: [serverFile('node-http')] },
  { name: 'Express', command: node, args: [serverFile('express')] },
  { name: 'Tornado', command: '/usr/bin/python3', args: [path.join(root, 'benchmarks', 'servers', 'techempower', 'tornado_server.py')] },
];

const [JSON_TEST, SINGLE, MULTIPLE, FORTUNES, UPDATES, PLAINTEXT] = TECHEMPOWER_TESTS.map((test) => test.scenario);
/** The targets, as medians of per-round ratios of `server` to `reference` in `scenario` (lib/targets.ts). */
export const TECHEMPOWER_TARGETS: Target[] = [
  ...[JSON_TEST, SINGLE, MULTIPLE, FORTUNES, UPDATES, PLAINTEXT].map((scenario): Target => [scenario, 'Typhoon', REFERENCE, 0.9]),
  [FORTUNES, 'Typhoon', 'Fastify', 2],
  [SINGLE, 'Typhoon', 'Fastify', 2],
  [JSON_TEST, 'Typhoon', BEST_UWS_PEER, 1],
];

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The servers this machine can run, and a note for each it cannot. */
function available(options: TechEmpowerOptions, notes: string[]): TechEmpowerServer[] {
  const wanted = options.servers ?? TECHEMPOWER_SERVERS.filter((server) => !options.quick || server.quick).map((server) => server.name);
  return TECHEMPOWER_SERVERS.filter((server) => {
    if (!wanted.includes(server.name)) return false;
    if (server.name !== 'Tornado') return true;
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import tornado, asyncpg'], { stdio: 'ignore' });
      return true;
    } catch {
      notes.push('Tornado skipped (TechEmpower): apt-get install -y python3-tornado python3-asyncpg');
      return false;
    }
  });
}

/**
 * Runs TFB's six test types: starts PostgreSQL and every server, verifies each server's
 * endpoints against TFB's rules (a failure throws, naming the server and what was wrong),
 * warms each up, then measures each test `rounds` times per server, servers interleaved.
 * Without PostgreSQL it measures nothing and returns one note naming the package.
 *
 * @returns one row per test and server (`ratio`: median of per-round ratios to raw uWS), and notes
 */
export async function runTechEmpower(options: TechEmpowerOptions): Promise<{ rows: Row[]; notes: string[] }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  if (!findPostgres()) return { rows, notes: [`TechEmpower tests skipped: apt-get install -y ${POSTGRES_PACKAGE}`] };
  if (!existsSync('/usr/bin/wrk')) throw new Error('wrk is missing: apt-get install -y wrk (the HTTP load generator)');
  const specs = available(options, notes);
  const database = await startPostgres({ cpus: '1' });
  const sql = postgres(database.url, { max: 1, onnotice: () => undefined });
  const running: RunningServer[] = [];
  // Ended by a signal (main() turns it into process.exit), the servers go too.
  const killServers = () => {
    for (const server of running) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killServers);
  try {
    for (const spec of specs) {
      running.push(await startServer(spec.name, spec.command, [...spec.args, '0'], root, { env: { ...spec.env, DATABASE_URL: database.url } }));
    }
    const unpipelined = await verify(running, sql);
    for (const server of unpipelined) notes.push(`${server.name} does not answer pipelined requests: its plaintext row is measured without pipelining`);
    const warmup = options.warmupSeconds ?? (options.quick ? 1 : 2);
    for (const server of running) {
      await tfbWrk(`http://127.0.0.1:${server.port}/`, { seconds: warmup, connections: 64, accept: ACCEPT_JSON, rotate: TECHEMPOWER_TESTS.map((test) => test.path) });
    }
    for (const test of TECHEMPOWER_TESTS) {
      const best = await bestOf(running, options.rounds, async (server) => {
        const pipeline = unpipelined.has(server) ? 1 : test.pipeline;
        const url = `http://127.0.0.1:${server.port}${test.path}`;
        const load = () => tfbWrk(url, { seconds: options.seconds, connections: test.connections, accept: test.accept, pipeline });
        const { result: { result, peak }, cpuUsPerRequest } = await withCpu(server.pid, () => sampleRss(server.pid, 100, load), ({ result }) => result.requests);
        return { rate: result.rps, p99ms: result.p99ms, peak, errors: result.errors, cpuUsPerRequest };
      });
      for (const [server, result] of best) {
        const extra = test.pipeline && unpipelined.has(server) ? 'not pipelined (the server drops pipelined requests)' : undefined;
        rows.push({ scenario: test.scenario, server: server.name, rate: result.rate, unit: 'req/s', p99ms: result.p99ms, peakRssMb: mb(result.peak), errors: result.errors, ratio: result.ratio, rounds: result.rounds, cpuUsPerRequest: Math.round(result.cpuUsPerRequest * 10) / 10, cpuRounds: result.cpuRounds.map((us) => Math.round(us * 100) / 100), ...(extra && { extra }) });
        log(`  ${test.scenario} ${server.name}: ${Math.round(result.rate)} req/s`);
      }
    }
  } finally {
    process.off('exit', killServers);
    await Promise.all(running.map((server) => server.stop()));
    await sql.end({ timeout: 1 });
    await database.stop();
  }
  return { rows, notes };
}

/**
 * Verifies every server (throws on the first that breaks a rule), checks that Date headers
 * are not cached, and returns the servers that drop pipelined requests.
 */
async function verify(running: RunningServer[], sql: postgres.Sql): Promise<Set<RunningServer>> {
  const fortunes = await expectedFortunes(sql);
  const dates = new Map<RunningServer, { date: string; at: number }>();
  const unpipelined = new Set<RunningServer>();
  for (const server of running) {
    const base = `http://127.0.0.1:${server.port}`;
    const first = await fetch(`${base}/json`);
    await first.arrayBuffer();
    dates.set(server, { date: first.headers.get('date') ?? '', at: Date.now() });
    const problems = await verifyTechEmpower(base, sql, fortunes);
    if (problems.length) throw new Error(`${server.name} fails TechEmpower's rules:\n  ${problems.join('\n  ')}`);
    if (!(await supportsPipelining(server.port))) unpipelined.add(server);
  }
  for (const server of running) {
    const { date, at } = dates.get(server)!;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + 1100 - Date.now())));
    const problems = await dateProblems(`http://127.0.0.1:${server.port}`, date);
    if (problems.length) throw new Error(`${server.name} fails TechEmpower's rules: ${problems.join('; ')}`);
  }
  return unpipelined;
}

/** `12,345 req/s`, or `–`. */
function rate(row: Row | undefined): string {
  return row && Number.isFinite(row.rate) ? `${Math.round(row.rate).toLocaleString('en')}` : '–';
}

/**
 * The results as one markdown table: a row per test, a column per server, each cell
 * `req/s · p99 · server CPU per request · ratio to raw uWS` (the ratio: median of per-round ratios).
 */
export function techEmpowerTable(rows: Row[]): string {
  const names = [...new Set(rows.map((row) => row.server))];
  const lines = [`| test | ${names.join(' | ')} |`, `| --- |${names.map(() => ' ---: |').join('')}`];
  for (const scenario of [...new Set(rows.map((row) => row.scenario))]) {
    const cells = names.map((name) => {
      const row = rows.find((r) => r.scenario === scenario && r.server === name);
      if (!row) return '–';
      const p99 = Number.isFinite(row.p99ms) ? `p99 ${row.p99ms.toFixed(1)} ms` : '';
      const cpu = row.cpuUsPerRequest !== undefined && Number.isFinite(row.cpuUsPerRequest) ? `${row.cpuUsPerRequest.toFixed(1)} µs CPU` : '';
      const ratio = row.ratio !== undefined && Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}×` : '';
      const errors = row.errors ? ` (${row.errors} errors)` : '';
      const flag = row.extra ? ' *' : '';
      return [`${rate(row)}${errors}${flag}`, p99, cpu, ratio].filter(Boolean).join(' · ');
    });
    lines.push(`| ${scenario.replace(/^TechEmpower: /, '')} | ${cells.join(' | ')} |`);
  }
  const flagged = rows.filter((row) => row.extra);
  for (const row of flagged) lines.push(`\n\\* ${row.server}, ${row.scenario.replace(/^TechEmpower: /, '')}: ${row.extra}`);
  return lines.join('\n');
}

/**
 * Each target with its measured ratio (median of per-round ratios) and whether it holds, the
 * ratio of CPU per request (the reference's over the server's, median of per-round ratios: what
 * the throughput ratio would be were both servers the bottleneck) and Typhoon against the best
 * uWS peer in the same test (lib/targets.ts).
 */
export function techEmpowerTargets(rows: Row[]): string {
  const lines = targetLines(rows, TECHEMPOWER_TARGETS, (scenario) => scenario.replace(/^TechEmpower: /, ''));
  return lines.length ? [...targetsHeader('test'), ...lines].join('\n') : '';
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const options: TechEmpowerOptions = { quick, seconds: quick ? 1 : 3, rounds: quick ? 2 : 5 };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  try {
    execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  } catch {
    log('could not pin the runner to CPU 1');
  }
  log(`TechEmpower benchmarks (${quick ? 'quick' : 'full'}): servers on CPU 0, wrk and PostgreSQL on CPU 1`);
  const started = Date.now();
  const { rows, notes } = await runTechEmpower(options);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`## TechEmpower tests — ${new Date().toISOString().slice(0, 16)}Z, ${quick ? 'quick' : 'full'} run (${seconds} s), Node ${process.versions.node}, ${cpus().length} cores, load average ${require('node:os').loadavg()[0].toFixed(2)} at the end`);
  console.log(`\n${options.rounds} interleaved ${options.seconds} s rounds per test and server: req/s and p99 of each server's best round, ratio to raw uWS the median of per-round ratios.\n`);
  if (rows.length) {
    console.log(techEmpowerTable(rows));
    console.log(`\n### Targets\n\n${techEmpowerTargets(rows)}`);
  }
  if (notes.length) console.log(`\nNotes: ${notes.join('; ')}`);
  if (!rows.length) return;
  const dir = path.join(root, 'benchmarks', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `techempower-${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify({ quick, seconds, options, node: process.versions.node, rows, notes }, null, 2));
  console.log(`\nSaved ${path.relative(root, file)}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
