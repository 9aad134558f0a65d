import { expect } from 'chai';
import { Redis } from 'ioredis';
import path from 'node:path';
import { websocketConnect, type WebSocketClientConnection } from '../../lib';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { startRedis, type RedisServer } from '../../lib/testing';
import { hasRedis, requirePackage, requireWorkers } from '../helpers/requirements';
import { waitFor, waitUntil } from '../helpers/promises';

const fixture = path.join(__dirname, '..', 'fixtures', 'cluster-app.js');

async function room(port: number): Promise<WebSocketClientConnection> {
  const conn = await websocketConnect(`ws://127.0.0.1:${port}/room`);
  expect(String(await conn.readMessage())).to.match(/^thread \d+$/);
  return conn;
}

/** Collects every message a connection receives (a single reader, so none is lost to a race). */
function inbox(conn: WebSocketClientConnection): string[] {
  const messages: string[] = [];
  void (async () => {
    for (let message = await conn.readMessage(); message !== null; message = await conn.readMessage()) messages.push(String(message));
  })();
  return messages;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `count` processes subscribe to the applications' Redis channel (the default, `typhoon`). */
async function redisSubscribers(url: string, count: number): Promise<void> {
  const client = new Redis(url);
  try {
    const subscribers = async () => ((await client.pubsub('NUMSUB', 'typhoon')) as [string, number])[1];
    await waitUntil(async () => (await subscribers()) === count, 10_000, `${count} processes to subscribe to Redis`);
  } finally {
    client.disconnect();
  }
}

describe('pub/sub across processes through Redis', function () {
  this.timeout(90_000);
  let redis: RedisServer;
  let first: ChildServer;
  let second: ChildServer;

  before(async function () {
    requirePackage(this, 'redis-server', hasRedis());
    requireWorkers(this);
    redis = await startRedis();
    [first, second] = await Promise.all([
      startChildServer(fixture, [], { REDIS_URL: redis.url, WORKERS: '1' }),
      startChildServer(fixture, [], { REDIS_URL: redis.url, WORKERS: '2' }),
    ]);
  });
  after(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await redis?.stop();
  });

  it('carries a message between two processes, once each, in order', async () => {
    const a = await room(first.port);
    const b = await room(second.port);
    await redisSubscribers(redis.url, 2);
    await a.writeMessage('all hello other process');
    expect(await a.readMessage()).to.equal('hello other process');
    expect(await b.readMessage()).to.equal('hello other process');
    for (let i = 0; i < 100; i++) await b.writeMessage(`all n${i}`);
    const atA: unknown[] = [];
    const atB: unknown[] = [];
    for (let i = 0; i < 100; i++) atA.push(await a.readMessage());
    for (let i = 0; i < 100; i++) atB.push(await b.readMessage());
    const expected = Array.from({ length: 100 }, (_, i) => `n${i}`);
    expect(atA).to.deep.equal(expected);
    expect(atB).to.deep.equal(expected);
    const rest = inbox(a);
    // A duplicate would come before a later message from the same sender.
    await b.writeMessage('all fence');
    await waitFor(() => rest.includes('fence'), 10_000, 'the fence message');
    expect(rest, 'no duplicates').to.deep.equal(['fence']);
    await Promise.all([a.close(), b.close()]);
  });

  it('survives Redis going away and coming back: local delivery goes on, remote delivery resumes', async () => {
    const a = await room(first.port);
    const b = await room(second.port);
    const atA = inbox(a);
    const atB = inbox(b);
    await redis.stop();
    await a.writeMessage('all during the outage');
    // Local delivery; with Redis down, nothing can reach the other process.
    await waitFor(() => atA.length > 0, 10_000, 'local delivery');
    expect(atA).to.deep.equal(['during the outage']);
    expect(atB).to.deep.equal([]);
    const health = await fetch(`http://127.0.0.1:${second.port}/thread`);
    expect(health.status).to.equal(200);
    await redis.start();
    // ioredis reconnects with backoff; then messages cross again.
    const deadline = Date.now() + 20_000;
    for (let i = 0; Date.now() < deadline && !atB.some((message) => message.startsWith('probe ')); i++) {
      await a.writeMessage(`all probe ${i}`);
      await pause(300);
    }
    expect(atB.some((message) => message.startsWith('probe ')), 'messages cross processes again after Redis is back').to.equal(true);
    expect(atA.filter((message) => message.startsWith('probe ')).length).to.be.greaterThan(0);
    expect(first.child.exitCode).to.equal(null);
    expect(second.child.exitCode).to.equal(null);
    await Promise.all([a.close(), b.close()]);
  });
});

/** What `app.cluster` says in a process, asked through one of its worker threads. */
async function cluster(port: number): Promise<{ redis: string; subscribed: string[]; notForwarded: number; thread: number }> {
  return (await fetch(`http://127.0.0.1:${port}/cluster`)).json() as never;
}

/** Everything a child writes from now on (its log lines, with TYPHOON_LOG_LEVEL=info; stderr piped). */
function logOf(server: ChildServer): () => string {
  let text = '';
  server.child.stdout!.on('data', (chunk) => (text += chunk));
  server.child.stderr!.on('data', (chunk) => (text += chunk));
  return () => text;
}

describe('pub/sub when Redis comes late or goes away', function () {
  this.timeout(90_000);
  let redis: RedisServer;
  let first: ChildServer;
  let second: ChildServer;
  let firstLog: () => string;

  before(async function () {
    requirePackage(this, 'redis-server', hasRedis());
    requireWorkers(this);
    // The port is chosen; Redis itself starts later.
    redis = await startRedis({ start: false });
    // Attempts 50 ms apart at most: ioredis gives up a queued command after 20 retries, so a
    // SUBSCRIBE queued at start-up would be dropped within about 2 s here (80 s by default).
    const env = { REDIS_URL: redis.url, REDIS_RETRY_MS: '50', TYPHOON_LOG_LEVEL: 'info' };
    [first, second] = await Promise.all([startChildServer(fixture, [], { ...env, WORKERS: '2' }, undefined, 'pipe'), startChildServer(fixture, [], { ...env, WORKERS: '1' }, undefined, 'pipe')]);
    firstLog = logOf(first);
    logOf(second);
  });
  after(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await redis?.stop();
  });

  it('joins the cluster when Redis starts after the applications, however long it took, and says so', async () => {
    const before = await cluster(first.port);
    expect(before).to.include({ redis: 'connecting', notForwarded: 0 });
    const a = await room(first.port);
    await a.writeMessage('all while Redis is away');
    expect(await a.readMessage()).to.equal('while Redis is away');
    await waitUntil(async () => (await cluster(first.port)).notForwarded === 1, 10_000, 'the message counted as not forwarded');
    // Redis stays away well past the point where a queued SUBSCRIBE would have been dropped.
    await pause(4000);
    await redis.start();
    await redisSubscribers(redis.url, 2);
    for (const port of [first.port, second.port]) {
      await waitUntil(async () => (await cluster(port)).redis === 'connected', 15_000, 'both processes to say they are connected');
    }
    // Asked through either worker thread of the first process, the state is the same.
    const states = await Promise.all(Array.from({ length: 6 }, () => cluster(first.port)));
    expect(new Set(states.map((state) => state.thread)).size).to.equal(2);
    for (const state of states) expect(state).to.deep.include({ redis: 'connected', subscribed: ['typhoon'], notForwarded: 1 });
    const b = await room(second.port);
    await a.writeMessage('all after Redis came');
    expect(await a.readMessage()).to.equal('after Redis came');
    expect(await b.readMessage()).to.equal('after Redis came');
    expect(firstLog().match(/pubsub: Redis connected, subscribed to typhoon; 1 message\(s\) were not sent to other processes before/g)).to.have.length(1);
    await Promise.all([a.close(), b.close()]);
  });

  it('says the cluster is down while Redis is away, and subscribes again when it is back', async () => {
    await redis.stop();
    await waitUntil(async () => (await cluster(first.port)).redis === 'down', 10_000, 'the first process to say Redis is down');
    expect(firstLog()).to.contain('pubsub: Redis connection lost; retrying with backoff');
    await pause(3000);
    await redis.start();
    await redisSubscribers(redis.url, 2);
    await waitUntil(async () => (await cluster(first.port)).redis === 'connected' && (await cluster(second.port)).redis === 'connected', 15_000, 'both processes connected again');
    const a = await room(first.port);
    const b = await room(second.port);
    await b.writeMessage('all back again');
    expect(await a.readMessage()).to.equal('back again');
    expect(firstLog().match(/pubsub: Redis connected, subscribed to typhoon/g)).to.have.length(2);
    await Promise.all([a.close(), b.close()]);
  });
});
