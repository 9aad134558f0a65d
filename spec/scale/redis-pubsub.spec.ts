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
