import { expect } from 'chai';
import { requireWorkers } from '../helpers/requirements';
import http from 'node:http';
import path from 'node:path';
import { websocketConnect, type WebSocketClientConnection } from '../../lib';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { waitFor } from '../helpers/promises';

const fixture = path.join(__dirname, '..', 'fixtures', 'cluster-app.js');

/** A GET on a fresh connection (so SO_REUSEPORT can pick any worker). */
function get(port: number, pathname: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

async function threadsSeen(port: number, requests = 40): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < requests; i++) seen.add((await get(port, '/thread')).text);
  return seen;
}

/** Opens room sockets until two live on different worker threads. */
async function socketsOnTwoThreads(port: number): Promise<Array<{ conn: WebSocketClientConnection; thread: string }>> {
  const byThread = new Map<string, Array<{ conn: WebSocketClientConnection; thread: string }>>();
  const spare: WebSocketClientConnection[] = [];
  for (let i = 0; i < 60 && byThread.size < 2; i++) {
    const conn = await websocketConnect(`ws://127.0.0.1:${port}/room`);
    const thread = String(await conn.readMessage());
    if (byThread.has(thread) && byThread.size < 2) {
      spare.push(conn);
      continue;
    }
    byThread.set(thread, [{ conn, thread }]);
  }
  for (const conn of spare) conn.terminate();
  expect(byThread.size, 'sockets landed on two worker threads').to.equal(2);
  return [...byThread.values()].map((list) => list[0]);
}

describe('workers: one port served by several threads', function () {
  this.timeout(60_000);
  let server: ChildServer;

  before(async function () {
    requireWorkers(this);
    server = await startChildServer(fixture, [], { WORKERS: '2' });
  });
  after(() => server?.stop());

  it('answers on one port from several threads', async () => {
    const seen = await threadsSeen(server.port);
    expect(seen.size).to.equal(2);
  });

  it('carries handler.publish from a socket on worker A to sockets on worker B, once, and not back to the sender', async () => {
    const [a, b] = await socketsOnTwoThreads(server.port);
    expect(a.thread).to.not.equal(b.thread);
    await a.conn.writeMessage('pub hello from A');
    expect(await b.conn.readMessage()).to.equal('hello from A');
    await b.conn.writeMessage('all to everyone');
    expect(await a.conn.readMessage()).to.equal('to everyone');
    expect(await b.conn.readMessage()).to.equal('to everyone');
    // Nothing else arrives: no duplicates, and A never got its own 'pub'.
    await b.conn.writeMessage('all marker');
    expect(await a.conn.readMessage()).to.equal('marker');
    expect(await b.conn.readMessage()).to.equal('marker');
    for (let i = 0; i < 50; i++) await a.conn.writeMessage(`pub ordered ${i}`);
    const received: unknown[] = [];
    for (let i = 0; i < 50; i++) received.push(await b.conn.readMessage());
    expect(received).to.deep.equal(Array.from({ length: 50 }, (_, i) => `ordered ${i}`));
    await Promise.all([a.conn.close(), b.conn.close()]);
  });

  it('logs a crashed worker and starts it again, while the other keeps serving', async () => {
    const before = await threadsSeen(server.port);
    const crash = await get(server.port, '/crash');
    expect(crash.text).to.match(/^crashing \d+$/);
    const crashed = crash.text.split(' ')[1];
    // Meanwhile the other worker serves. (A connection the kernel queued on the dying worker's
    // listen socket may be reset: SO_REUSEPORT cannot move it to the survivor.)
    let answered = 0;
    for (let i = 0; i < 20; i++) answered += await get(server.port, '/thread').then((r) => (r.status === 200 ? 1 : 0), () => 0);
    expect(answered).to.be.greaterThan(10);
    let after = new Set<string>();
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      // Until the new worker listens, a connection queued on the dead one's socket is reset: retry.
      after = await threadsSeen(server.port, 20).catch(() => new Set<string>());
      if (after.size === 2 && !after.has(crashed)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(after.size).to.equal(2);
    expect(after.has(crashed)).to.equal(false);
    expect(before.has(crashed)).to.equal(true);
    for (let i = 0; i < 20; i++) expect((await get(server.port, '/thread')).status).to.equal(200);
  });
});

describe('workers: what the supervisor thread and Node flags bring', function () {
  this.timeout(60_000);
  let server: ChildServer;
  let log = '';

  before(async function () {
    requireWorkers(this);
    // V8 flags on the command line: workers inherit them (passing process.execArgv refused them).
    server = await startChildServer(fixture, [], { WORKERS: '2', TYPHOON_LOG_LEVEL: 'error' }, undefined, 'pipe', ['--max-old-space-size=512', '--expose-gc']);
    server.child.stderr!.on('data', (chunk) => (log += chunk));
  });
  after(() => server?.stop());

  it('starts workers under V8 flags (node --max-old-space-size=512 --expose-gc app.js), which they share', async () => {
    const seen = new Map<number, { gc: string; heapLimitMb: number }>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const flags = JSON.parse((await get(server.port, '/node-flags')).text) as { thread: number; gc: string; heapLimitMb: number };
      seen.set(flags.thread, flags);
    }
    expect(seen.size).to.equal(2);
    for (const flags of seen.values()) {
      expect(flags.gc).to.equal('function');
      expect(flags.heapLimitMb).to.be.within(512, 800);
    }
  });

  it("survives what the application's module code throws in the supervisor: every worker and connection goes on", async () => {
    const [a, b] = await socketsOnTwoThreads(server.port);
    server.child.kill('SIGUSR2');
    await waitFor(() => log.split('Uncaught exception in the supervisor thread').length - 1 === 2, 10_000, 'the throw and the rejection to be logged');
    expect(log).to.contain('a module-level timer throws in the supervisor').and.contain('a module-level promise rejects in the supervisor');
    expect(server.child.exitCode).to.equal(null);
    await a.conn.writeMessage('pub still here');
    expect(await b.conn.readMessage()).to.equal('still here');
    expect((await threadsSeen(server.port)).size).to.equal(2);
    await Promise.all([a.conn.close(), b.conn.close()]);
    expect([a.conn.closeCode, b.conn.closeCode]).to.not.include(1006);
  });
});

describe('workers: SIGTERM during load', function () {
  this.timeout(60_000);
  before(function () {
    requireWorkers(this);
  });

  it('finishes every in-flight request, closes WebSockets with 1001, and exits 0', async () => {
    const server = await startChildServer(fixture, [], { WORKERS: '2' });
    const exit = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    const socket = await websocketConnect(`ws://127.0.0.1:${server.port}/room`);
    await socket.readMessage();
    let output = '';
    server.child.stdout!.on('data', (chunk) => (output += chunk));
    const inflight = Array.from({ length: 40 }, () => get(server.port, '/slow?ms=400&announce=1'));
    await waitFor(() => output.split('slow request started').length - 1 === 40, 10_000, 'the 40 requests to reach their handlers');
    server.child.kill('SIGTERM');
    const results = await Promise.all(inflight);
    expect(results.map((result) => result.status)).to.deep.equal(Array(40).fill(200));
    expect(await socket.readMessage()).to.equal(null);
    expect(socket.closeCode).to.equal(1001);
    expect(await exit).to.equal(0);
  });
});
