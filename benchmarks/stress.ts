// `npm run stress`: the abuse and fault scenarios of issues 17 and 27 against one Typhoon application per transport, bounded in count and time, loopback only. Prints a table per transport: load held, probes answered and their latency, connections and messages lost, RSS and descriptors before, at peak and after. Usage: npm run stress [-- --transport uws|node] [--only <parts of scenario names, comma-separated>] [--redis-absence <seconds, default 120>]
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { rss, startServer, type RunningServer } from './lib/processes';
import { startRedis } from '../lib/testing/redis-server';
import { nodeHasReusePort } from '../lib/transport/node-server';

const root = path.resolve(__dirname, '..', '..');
const appScript = path.join(root, 'dist', 'benchmarks', 'servers', 'stress-app.js');
const MB = 1024 * 1024;

interface Sample {
  rss: number;
  fds: number;
}

interface Row {
  transport: string;
  scenario: string;
  load: string;
  outcome: string;
  probes: string;
  lost: string;
  rss: string;
  collected: string;
  fds: string;
}

const rows: Row[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sample(pid: number): Sample {
  let fds: number;
  try {
    fds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    throw new Error(`the server (pid ${pid}) is gone: it exited or crashed`);
  }
  return { rss: rss(pid), fds };
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ 100 on Linux)
}

/** Samples memory and descriptors every 100 ms, and probes GET /hello on a new connection every 200 ms. */
class Watch {
  private peak: Sample;
  private readonly timer: NodeJS.Timeout;
  private readonly probeTimer: NodeJS.Timeout;
  private readonly latencies: number[] = [];
  private sent = 0;
  private failed = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly server: RunningServer, private readonly before: Sample) {
    this.peak = { ...before };
    this.timer = setInterval(() => {
      try {
        const now = sample(server.pid);
        this.peak = { rss: Math.max(this.peak.rss, now.rss), fds: Math.max(this.peak.fds, now.fds) };
      } catch {
        // The server is gone: the scenario's own sample says so.
      }
    }, 100);
    this.probeTimer = setInterval(() => this.probe(), 200);
  }

  private probe(): void {
    this.sent++;
    const start = performance.now();
    const done = get(this.server.port, '/hello', 5000).then((status) => {
      if (status === 200) this.latencies.push(performance.now() - start);
      else this.failed++;
    });
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  async stop(): Promise<{ peak: Sample; probes: string }> {
    clearInterval(this.timer);
    clearInterval(this.probeTimer);
    await Promise.all(this.pending);
    const sorted = this.latencies.sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1) : '–');
    return { peak: this.peak, probes: `${sorted.length}/${this.sent} answered; p50 ${at(0.5)} ms, p99 ${at(0.99)} ms` };
  }
}

/** Status of a GET on a new connection, or 0 when it failed or took longer than `timeout` ms. */
function get(port: number, target: string, timeout: number): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get({ port, host: '127.0.0.1', path: target, agent: false, timeout }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', () => resolve(0));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/** Runs one scenario between a before and an after sample (after: once `settle` ms passed). */
const onlyArg = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
/** `--only a,b`: the scenarios whose names contain one of the parts. */
const only = onlyArg ? { includes: (name: string) => onlyArg.split(',').some((part) => name.includes(part)) } : null;

async function scenario(server: RunningServer, transport: string, name: string, load: string, run: () => Promise<{ outcome: string; lost?: string }>, settle = 2000): Promise<void> {
  if (only && !only.includes(name)) return;
  const before = sample(server.pid);
  const watch = new Watch(server, before);
  let result: { outcome: string; lost?: string };
  try {
    result = await run();
  } catch (error) {
    result = { outcome: `failed: ${(error as Error).message}` };
  }
  await sleep(settle);
  const { peak, probes } = await watch.stop();
  const after = sample(server.pid);
  await collect(server.port);
  const collected = sample(server.pid);
  const mb = (bytes: number) => (bytes / MB).toFixed(0);
  rows.push({
    transport,
    scenario: name,
    load,
    outcome: result.outcome,
    probes,
    lost: result.lost ?? '0',
    rss: `${mb(before.rss)} → ${mb(peak.rss)} → ${mb(after.rss)}`,
    collected: mb(collected.rss),
    fds: `${before.fds} → ${peak.fds} → ${after.fds}`,
  });
  console.log(`  ${name}: ${result.outcome}; probes ${probes}`);
}

/** Counts the answers of raw requests: each opens a connection, writes `head` and `body`, and waits for the status line or the close. */
function rawRequest(port: number, head: string, body: Buffer | null, wait: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (body) socket.write(body);
    });
    let data = '';
    const timer = setTimeout(() => finish('no answer'), wait);
    const finish = (outcome: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (status) finish(status[1]);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? 'error'));
    socket.on('close', () => finish(data ? 'garbled' : 'closed without an answer'));
  });
}

function tally(outcomes: string[]): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([outcome, count]) => `${count} × ${outcome}`).join(', ');
}

async function stalledBodies(port: number): Promise<{ outcome: string; lost: string }> {
  const head = 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n';
  const outcomes = await Promise.all(Array.from({ length: 500 }, () => rawRequest(port, head, Buffer.alloc(500_000, 97), 60_000)));
  const lost = outcomes.filter((outcome) => !/^\d{3}$/.test(outcome)).length;
  return { outcome: tally(outcomes), lost: `${lost} connections without an answer` };
}

async function abortedDownloads(port: number, server: RunningServer): Promise<{ outcome: string }> {
  const storm = () =>
    Promise.all(
      Array.from({ length: 200 }, () =>
        new Promise<void>((resolve) => {
          const request = http.get({ port, host: '127.0.0.1', path: '/static/big.bin', agent: false }, (response) => {
            let received = 0;
            response.on('data', (chunk: Buffer) => {
              received += chunk.length;
              if (received >= 5 * MB) request.destroy();
            });
            response.on('close', () => resolve());
          });
          request.on('error', () => resolve());
        }),
      ),
    );
  const after = async () => {
    await sleep(2000);
    const rss = sample(server.pid).rss;
    await collect(port);
    return `${(rss / MB).toFixed(0)} MB (${(sample(server.pid).rss / MB).toFixed(0)} MB once collected)`;
  };
  await storm();
  const first = await after();
  await storm();
  const second = await after();
  return { outcome: `RSS after the 1st storm ${first}, after the 2nd ${second}` };
}

/** Asks the server for a full garbage collection (it runs with --expose-gc). */
function collect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', path: '/gc', agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve());
    }).on('error', reject);
  });
}

async function refusedUploads(port: number): Promise<{ outcome: string; lost: string }> {
  const outcomes = await Promise.all(
    Array.from({ length: 20 }, () =>
      new Promise<string>((resolve) => {
        const request = http.request({ port, host: '127.0.0.1', path: '/upload', method: 'POST', agent: false, headers: { 'Content-Length': 2 * MB } });
        request.on('response', (response) => {
          response.resume();
          response.on('end', () => resolve(String(response.statusCode)));
          response.on('error', (error: NodeJS.ErrnoException) => resolve(`read ${error.code}`));
        });
        request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        request.end(Buffer.alloc(2 * MB, 97));
      }),
    ),
  );
  return { outcome: tally(outcomes), lost: `${outcomes.filter((outcome) => outcome !== '413').length} clients saw no 413` };
}

async function slowUploads(port: number): Promise<{ outcome: string; lost: string }> {
  const size = 160 * 1024;
  const upload = (bytesPerSecond: number) =>
    new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', async () => {
        socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
        const piece = bytesPerSecond / 4;
        for (let sent = 0; sent < size && !socket.destroyed; sent += piece) {
          socket.write(Buffer.alloc(Math.min(piece, size - sent), 97));
          await sleep(250);
        }
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk;
        const status = /^HTTP\/1\.1 (\d{3})/.exec(data);
        if (status && data.includes('}')) {
          socket.destroy();
          resolve(`${bytesPerSecond / 1024} KiB/s: ${status[1]}`);
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(`${bytesPerSecond / 1024} KiB/s: cut off without an answer`));
    });
  const outcomes = await Promise.all([8, 12, 20].map((rate) => upload(rate * 1024)));
  return { outcome: outcomes.join('; '), lost: `${outcomes.filter((outcome) => !outcome.endsWith('200')).length} uploads` };
}

async function slowloris(port: number): Promise<{ outcome: string }> {
  const sockets: net.Socket[] = [];
  let closedByServer = 0;
  let answered408 = 0;
  for (let i = 0; i < 2000; i++) {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n'));
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      if (chunk.toString('latin1').startsWith('HTTP/1.1 408')) answered408++;
    });
    socket.on('close', () => closedByServer++);
    sockets.push(socket);
  }
  const start = performance.now();
  for (let tick = 0; tick < 10 && closedByServer < sockets.length; tick++) {
    await sleep(2000);
    for (const socket of sockets) if (!socket.destroyed) socket.write(`X-${tick}: a\r\n`);
  }
  const seconds = ((performance.now() - start) / 1000).toFixed(0);
  const held = sockets.filter((socket) => !socket.destroyed).length;
  for (const socket of sockets) socket.destroy();
  return { outcome: `within ${seconds} s: ${closedByServer} of 2,000 closed by the server (${answered408} with a 408), ${held} still open` };
}

async function idleKeepAlive(port: number, server: RunningServer): Promise<{ outcome: string }> {
  const count = 10_000;
  const before = sample(server.pid).rss;
  const sockets: net.Socket[] = [];
  let answered = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.once('data', () => {
        answered++;
        resolve();
      });
      socket.on('error', () => resolve());
      sockets.push(socket);
    });
  for (let i = 0; i < count; i += 500) await Promise.all(Array.from({ length: 500 }, open));
  const held = sample(server.pid);
  for (const socket of sockets) socket.destroy();
  return { outcome: `${answered} of ${count} answered and held idle (${held.fds} descriptors): ${((held.rss - before) / count).toFixed(0)} B of RSS per connection` };
}

async function frameFlood(port: number): Promise<{ outcome: string }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/echo`);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  // Never read: pause the socket underneath, then flood.
  (socket as unknown as { _socket: net.Socket })._socket.pause();
  const start = performance.now();
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  for (let i = 0; i < 200_000 && socket.readyState === WebSocket.OPEN; i++) socket.send('flood message number ' + i);
  // Still not reading while the frames leave: the echoes pile up on the server's side.
  const flushed = Date.now() + 20_000;
  while (socket.bufferedAmount > 0 && socket.readyState === WebSocket.OPEN && Date.now() < flushed) await sleep(50);
  (socket as unknown as { _socket: net.Socket })._socket.resume();
  const code = await Promise.race([closed, sleep(20_000).then(() => -1)]);
  socket.terminate();
  return { outcome: code === -1 ? 'still open after 20 s' : `closed with ${code} after ${((performance.now() - start) / 1000).toFixed(2)} s` };
}

async function killedSubscribers(port: number): Promise<{ outcome: string; lost: string }> {
  const count = 2000;
  const messages = 200;
  const clients: Array<{ socket: WebSocket; received: number[] }> = [];
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: 200 }, () =>
        new Promise<void>((resolve) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/room`);
          const client = { socket, received: [] as number[] };
          socket.on('message', (data) => client.received.push(Number(String(data))));
          socket.once('open', () => resolve());
          socket.once('error', () => resolve());
          clients.push(client);
        }),
      ),
    );
  }
  await sleep(500);
  const [publisher] = clients;
  publisher.socket.send(`publish ${messages}`);
  // Kill every other subscriber while the broadcast is on its way.
  for (let i = 1; i < count; i += 2) clients[i].socket.terminate();
  const live = clients.filter((_, i) => i % 2 === 0);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && live.some((client) => client.received.length < messages)) await sleep(100);
  const inOrder = live.every((client) => client.received.every((value, i) => value === i));
  const missing = live.reduce((sum, client) => sum + (messages - client.received.length), 0);
  for (const client of live) client.socket.terminate();
  return { outcome: `${live.length} live subscribers got ${missing === 0 ? 'every' : 'not every'} message${inOrder ? ', in order' : ', OUT OF ORDER'}`, lost: `${missing} messages` };
}

/**
 * 1,000 event-stream clients that never read, each sent 2 KiB every 50 ms (a dashboard's feed).
 * Once the kernel's socket buffers are full, events wait in the server until it drops the
 * streams (a client that reads nothing never sees its connection close: the count of the
 * server's descriptors says when it did).
 */
async function silentStreams(port: number, server: RunningServer): Promise<{ outcome: string; lost: string }> {
  const count = 1000;
  const sockets: net.Socket[] = [];
  const baseline = sample(server.pid).fds;
  for (let i = 0; i < count; i++) {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /ticker HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.pause(); // never reads
    socket.on('error', () => undefined);
    sockets.push(socket);
  }
  const start = performance.now();
  const open = () => Math.max(0, sample(server.pid).fds - baseline);
  while (open() < count * 0.9 && performance.now() - start < 20_000) await sleep(200);
  let held = open();
  const deadline = Date.now() + 150_000;
  while (held > 0 && Date.now() < deadline) {
    await sleep(500);
    held = open();
  }
  const seconds = ((performance.now() - start) / 1000).toFixed(0);
  await sleep(2000);
  const rssAfter = (sample(server.pid).rss / MB).toFixed(0);
  for (const socket of sockets) socket.destroy();
  return { outcome: `${held === 0 ? `all ${count} dropped by the server` : `${count - held} of ${count} dropped`} within ${seconds} s; RSS 2 s later: ${rssAfter} MB (not collected)`, lost: held ? `${held} streams still held` : '0' };
}

/** 20 downloads of the 50 MB file whose clients read 8 MB, stop reading for 12 s (past uWS's idle timer), then read the rest. */
async function burstReaders(port: number): Promise<{ outcome: string; lost: string }> {
  const size = 50 * 1000 * 1000;
  const download = () =>
    new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
      let received = 0;
      let paused = false;
      const finish = (outcome: string) => {
        socket.destroy();
        resolve(outcome);
      };
      socket.on('data', (chunk) => {
        received += chunk.length;
        if (received >= size) finish('complete');
        else if (!paused && received > 8 * MB) {
          paused = true;
          socket.pause();
          setTimeout(() => socket.resume(), 12_000);
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => finish(`cut at ${(received / MB).toFixed(0)} MB`));
    });
  const outcomes = await Promise.all(Array.from({ length: 20 }, download));
  const cut = outcomes.filter((outcome) => outcome !== 'complete').length;
  return { outcome: `${20 - cut} of 20 complete${cut ? `; ${tally(outcomes.filter((outcome) => outcome !== 'complete'))}` : ''}`, lost: `${cut} downloads cut` };
}

/** Waits until process `pid` is gone; its exit in seconds, or null after `seconds`. */
async function exited(pid: number, seconds: number): Promise<number | null> {
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    try {
      process.kill(pid, 0);
    } catch {
      return (performance.now() - start) / 1000;
    }
    await sleep(50);
  }
  return null;
}

/** A row for a scenario that ends its own server (no after-sample): the fault scenarios of issue 27. */
function faultRow(transport: string, scenario: string, load: string, outcome: string, lost: string): void {
  if (only && !only.includes(scenario)) return;
  rows.push({ transport, scenario, load, outcome, probes: '–', lost, rss: '–', collected: '–', fds: '–' });
  console.log(`  ${scenario}: ${outcome}`);
}

/** SIGTERM while 20 keep-alive clients send one request after another: each must end refused (safe to retry elsewhere), never reset. */
async function drainUnderLoad(transport: string): Promise<void> {
  if (only && !only.includes('SIGTERM under keep-alive load')) return;
  const server = await startServer('stress-drain', process.execPath, [appScript, staticDir], root, { env: { TYPHOON_TRANSPORT: transport } });
  let terminated = false;
  let answeredAfter = 0;
  const client = async (index: number): Promise<string> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; ; i++) {
        await new Promise<void>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port: server.port, path: (index + i) % 2 ? '/slow' : '/hello', agent }, (response) => {
            response.resume();
            response.on('end', () => resolve());
            response.on('error', reject);
          }).on('error', reject);
        });
        if (terminated) answeredAfter++;
      }
    } catch (error) {
      return (error as NodeJS.ErrnoException).code ?? 'error';
    } finally {
      agent.destroy();
    }
  };
  const clients = Array.from({ length: 20 }, (_, index) => client(index));
  await sleep(2000);
  terminated = true;
  process.kill(server.pid, 'SIGTERM');
  const endings = await Promise.all(clients);
  const exit = await exited(server.pid, 20);
  await server.stop();
  const reset = endings.filter((code) => code !== 'ECONNREFUSED').length;
  faultRow(transport, 'SIGTERM under keep-alive load', '20 keep-alive clients, one request after another, SIGTERM after 2 s', `${tally(endings)}; ${answeredAfter} answered after SIGTERM; exited ${exit === null ? 'not within 20 s' : `in ${exit.toFixed(1)} s`}`, `${reset} requests reset`);
}

/** Starts the stress application with workers; null (and a row saying why) when it does not start. */
async function startWorkers(transport: string, scenario: string, load: string, nodeArgs: string[], env: Record<string, string>): Promise<RunningServer | null> {
  if (transport === 'node' && !nodeHasReusePort()) {
    faultRow(transport, scenario, load, `skipped: workers on the Node transport need Node.js 22.12 (this is ${process.versions.node})`, '–');
    return null;
  }
  try {
    return await startServer('stress-workers', process.execPath, [...nodeArgs, appScript, staticDir], root, { env: { TYPHOON_TRANSPORT: transport, WORKERS: '2', ...env } });
  } catch (error) {
    const reason = /ERR_[A-Z_]+/.exec((error as Error).message)?.[0] ?? (error as Error).message.split('\n')[0];
    faultRow(transport, scenario, load, `did not start: ${reason}`, 'the whole service');
    return null;
  }
}

/** With workers, the application's module code throws in the supervisor thread: no worker, no connection may go with it. */
async function supervisorThrows(transport: string): Promise<void> {
  const name = 'module code throws in the supervisor';
  const load = '2 workers, 100 WebSockets, a throw after 3 s';
  if (only && !only.includes(name)) return;
  const server = await startWorkers(transport, name, load, [], { THROW_IN_SUPERVISOR_MS: '3000' });
  if (!server) return;
  try {
    const sockets = await Promise.all(Array.from({ length: 100 }, () => new Promise<WebSocket>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/echo`);
      socket.once('open', () => resolve(socket));
      socket.on('error', () => undefined);
    })));
    const codes: number[] = [];
    for (const socket of sockets) socket.once('close', (code) => codes.push(code));
    await sleep(5000); // the throw comes at 3 s
    const alive = (await exited(server.pid, 0.1)) === null;
    const status = await get(server.port, '/hello', 5000);
    const echoed = await Promise.all(sockets.filter((socket) => socket.readyState === WebSocket.OPEN).map((socket) => new Promise<boolean>((resolve) => {
      socket.once('message', () => resolve(true));
      socket.send('still there?');
      setTimeout(() => resolve(false), 5000);
    })));
    for (const socket of sockets) socket.terminate();
    faultRow(transport, name, load, `process ${alive ? 'alive' : 'gone'}; GET /hello ${status || 'failed'}; ${echoed.filter(Boolean).length} of 100 WebSockets still echo`, `${codes.length} WebSockets closed${codes.length ? ` (${tally(codes.map(String))})` : ''}`);
  } finally {
    await server.stop();
  }
}

/** Workers started under a V8 flag (`node --max-old-space-size=512 app.js`). */
async function workersUnderV8Flags(transport: string): Promise<void> {
  const name = 'workers under V8 flags';
  const load = 'node --max-old-space-size=512 --expose-gc app.js, 2 workers';
  if (only && !only.includes(name)) return;
  const server = await startWorkers(transport, name, load, ['--max-old-space-size=512', '--expose-gc'], {});
  if (!server) return;
  try {
    const statuses = await Promise.all(Array.from({ length: 20 }, () => get(server.port, '/hello', 5000)));
    faultRow(transport, name, load, `serves: ${tally(statuses.map(String))}`, '0');
  } finally {
    await server.stop();
  }
}

/** Two nodes (one per transport) started while Redis is away; Redis comes `absence` seconds later: a message must cross. */
async function redisLate(): Promise<void> {
  const name = 'Redis late at start-up';
  if (only && !only.includes(name)) return;
  const absence = process.argv.includes('--redis-absence') ? Number(process.argv[process.argv.indexOf('--redis-absence') + 1]) : 120;
  if (!existsSync('/usr/bin/redis-server')) {
    faultRow('both', name, '', 'skipped: apt-get install -y redis-server', '–');
    return;
  }
  const redis = await startRedis({ start: false });
  const env = { REDIS_URL: redis.url };
  const [a, b] = await Promise.all([
    startServer('stress-redis-uws', process.execPath, [appScript, staticDir], root, { env: { ...env, TYPHOON_TRANSPORT: 'uws' } }),
    startServer('stress-redis-node', process.execPath, [appScript, staticDir], root, { env: { ...env, TYPHOON_TRANSPORT: 'node' } }),
  ]);
  try {
    await sleep(absence * 1000);
    await redis.start();
    const started = performance.now();
    const open = (port: number) => new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/room`);
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
    const [publisher, listener] = await Promise.all([open(a.port), open(b.port)]);
    let crossed = false;
    listener.on('message', () => (crossed = true));
    while (!crossed && performance.now() - started < 60_000) {
      publisher.send('publish 1');
      await sleep(500);
    }
    publisher.terminate();
    listener.terminate();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    faultRow('uws + node', name, `two nodes, Redis started ${absence} s after them`, crossed ? `the cluster healed: a message crossed ${seconds} s after Redis started` : 'split: no message crossed within 60 s of Redis starting', crossed ? '0' : 'every message between the nodes');
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  }
}

/** A server of its own at `ulimit -n 256`, holding 400 idle connections. */
async function descriptorLimit(transport: string): Promise<void> {
  const dir = staticDir;
  const server = await startServer('stress-fd', 'bash', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${appScript}" "${dir}"`], root, { env: { TYPHOON_TRANSPORT: transport } });
  try {
    await scenario(server, transport, 'descriptor limit (`ulimit -n 256`)', '400 idle connections', async () => {
      const sockets: net.Socket[] = [];
      for (let i = 0; i < 400; i++) {
        const socket = net.connect(server.port, '127.0.0.1');
        socket.on('error', () => undefined);
        sockets.push(socket);
      }
      await sleep(2000);
      const cpu = cpuSeconds(server.pid);
      const start = performance.now();
      await sleep(3000);
      const share = (cpuSeconds(server.pid) - cpu) / ((performance.now() - start) / 1000);
      const probeStart = performance.now();
      const status = await get(server.port, '/hello', 15_000);
      const waited = performance.now() - probeStart;
      for (const socket of sockets) socket.destroy();
      const answer = status ? `${status} after ${waited.toFixed(0)} ms` : waited < 1000 ? 'turned away at once' : `no answer in ${(waited / 1000).toFixed(0)} s`;
      return { outcome: `server CPU ${(share * 100).toFixed(0)} % of a core while held; a new request: ${answer}` };
    });
  } finally {
    await server.stop();
  }
}

let staticDir = '';

async function run(transport: string): Promise<void> {
  console.log(`Typhoon on ${transport}:`);
  const server = await startServer(`stress-${transport}`, process.execPath, ['--expose-gc', appScript, staticDir], root, { env: { TYPHOON_TRANSPORT: transport } });
  try {
    const port = server.port;
    await scenario(server, transport, 'stalled bodies', '500 POSTs declaring 1,000,000 bytes, sending 500,000, then stalling', () => stalledBodies(port));
    await scenario(server, transport, 'aborted downloads', '2 storms of 200 downloads of a 50 MB file, each aborted after 5 MB', () => abortedDownloads(port, server));
    await scenario(server, transport, 'refused uploads', '20 uploads of 2 MiB to a 1 MiB route', () => refusedUploads(port));
    await scenario(server, transport, 'slow uploads', '160 KiB at 8, 12 and 20 KiB/s', () => slowUploads(port));
    await scenario(server, transport, 'slowloris', '2,000 connections sending a header line every 2 s', () => slowloris(port));
    await scenario(server, transport, 'idle keep-alive', '10,000 connections, one request each, then idle', () => idleKeepAlive(port, server), 0);
    await scenario(server, transport, 'frame flood', '200,000 frames from a client that never reads', () => frameFlood(port));
    await scenario(server, transport, 'subscribers killed mid-publish', '2,000 subscribers, 200 messages, half killed while they go out', () => killedSubscribers(port));
    await scenario(server, transport, 'event streams nobody reads', '1,000 clients of an event stream sent 2 KiB every 50 ms, never reading', () => silentStreams(port, server));
    await scenario(server, transport, 'burst readers', '20 downloads of a 50 MB file, each paused 12 s after 8 MB', () => burstReaders(port));
  } finally {
    await server.stop();
  }
  await descriptorLimit(transport);
  await drainUnderLoad(transport);
  await supervisorThrows(transport);
  await workersUnderV8Flags(transport);
}

function table(): string {
  const lines = [
    '| transport | scenario | load | outcome | probes (GET /hello, new connection every 200 ms) | lost | RSS MB before → peak → after | after a full GC | descriptors before → peak → after |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) lines.push(`| ${row.transport} | ${row.scenario} | ${row.load} | ${row.outcome} | ${row.probes} | ${row.lost} | ${row.rss} | ${row.collected} | ${row.fds} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const chosen = process.argv.includes('--transport') ? [process.argv[process.argv.indexOf('--transport') + 1]] : ['uws', 'node'];
  staticDir = mkdtempSync(path.join(os.tmpdir(), 'typhoon-stress-'));
  writeFileSync(path.join(staticDir, 'big.bin'), Buffer.alloc(50 * 1000 * 1000, 7));
  const started = Date.now();
  try {
    for (const transport of chosen) await run(transport);
    await redisLate();
  } finally {
    rmSync(staticDir, { recursive: true, force: true });
  }
  const output = table();
  console.log(`\n${output}\n\nTook ${((Date.now() - started) / 1000).toFixed(0)} s on ${os.cpus().length} cores, Node.js ${process.version}.`);
  const file = path.join(root, 'benchmarks', 'results', `stress-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
  writeFileSync(file, `${output}\n`);
  console.log(`Written to ${path.relative(root, file)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

