import { expect } from 'chai';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { websocketConnect, type WebSocketClientConnection } from '../../lib';
import { launchChromium } from '../helpers/browser';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { waitUntil } from '../helpers/promises';
import { startRedis, type RedisServer } from '../../lib/testing';
import { freePort } from '../../lib/testing/redis-server';
import type { ChatEvent, ChatMessage } from '../../samples/chat/chat-room';
import { hasChromium, hasRedis, requirePackage, requireWorkers } from '../helpers/requirements';

const chat = path.join(__dirname, '..', '..', 'samples', 'chat', 'app.js');
const ready = /Chat on http:\/\/localhost:(\d+)\//;
const DEADLINE = 15_000;

/** A page of the chat on `port`, in a browser of its own, connected and welcomed, with `name` typed in. */
async function openChat(browser: Browser, port: number, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(DEADLINE);
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator('#messages li', { hasText: 'Welcome!' }).waitFor();
  await page.locator('#status[data-state="open"]').waitFor();
  await page.fill('#name', name);
  return page;
}

async function joined(socket: WebSocketClientConnection): Promise<Extract<ChatEvent, { type: 'joined' }>> {
  const event = JSON.parse(String(await socket.readMessage())) as ChatEvent;
  if (event.type !== 'joined') throw new Error(`expected the joined event first, got ${event.type}`);
  return event;
}

/** Says `text` as `name` on a connection of its own, and waits for the room to send it back. */
async function sayOnce(port: number, name: string, text: string): Promise<ChatMessage> {
  const socket = await websocketConnect(`ws://127.0.0.1:${port}/chat`);
  await joined(socket);
  await socket.writeMessage({ name, text });
  for (;;) {
    const event = JSON.parse(String(await socket.readMessage())) as ChatEvent;
    if (event.type === 'message' && event.message.text === text) {
      await socket.close();
      return event.message;
    }
  }
}

/** The history a new connection to `port` is given. */
async function historyOf(port: number): Promise<string[]> {
  const socket = await websocketConnect(`ws://127.0.0.1:${port}/chat`);
  const { history } = await joined(socket);
  await socket.close();
  return history.map((message) => message.text);
}

const texts = (page: Page) => page.locator('#messages li').allTextContents();

describe('samples/chat scaled out', function () {
  this.timeout(90_000);
  let redis: RedisServer;
  let browser: Browser;
  const servers: ChildServer[] = [];

  before(async function () {
    requirePackage(this, 'redis-server', hasRedis());
    requirePackage(this, 'chromium', hasChromium());
    requireWorkers(this);
    browser = await launchChromium();
  });
  // A Redis per test: the history it keeps would otherwise carry from one test into the next.
  beforeEach(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await redis?.stop();
  });
  after(async () => browser?.close());

  it('carries a message typed in a page on one process to a page on another (REDIS_URL), and across WORKERS=2 threads', async () => {
    const env = { REDIS_URL: redis.url, HOST: '127.0.0.1', PORT: '0' };
    const one = await startChildServer(chat, [], env, ready);
    const two = await startChildServer(chat, [], { ...env, WORKERS: '2' }, ready);
    servers.push(one, two);
    const [first, second, third] = [await openChat(browser, one.port, 'First'), await openChat(browser, two.port, 'Second'), await openChat(browser, two.port, 'Third')];
    await first.fill('#message', 'typed on the first process');
    await first.press('#message', 'Enter');
    for (const page of [first, second, third]) {
      await page.locator('#messages li', { hasText: 'First' }).filter({ hasText: 'typed on the first process' }).waitFor();
    }
    await third.fill('#message', 'and back from a worker');
    await third.click('#send');
    await first.locator('#messages li', { hasText: 'Third: and back from a worker' }).waitFor();
    await third.locator('#messages li', { hasText: 'Third (you): and back from a worker' }).waitFor();
    expect(await texts(second)).to.deep.equal(['Welcome!', 'First: typed on the first process', 'Third: and back from a worker']);
    await Promise.all([first, second, third].map((page) => page.context().close()));
  });

  it('keeps one history for the room in Redis: a page joining on another process sees the last 50, once each; after its server restarts it shows nothing twice', async () => {
    const port = await freePort();
    const env = { REDIS_URL: redis.url, HOST: '127.0.0.1' };
    const one = await startChildServer(chat, [], { ...env, PORT: '0' }, ready);
    let two = await startChildServer(chat, [], { ...env, PORT: String(port), WORKERS: '2' }, ready);
    servers.push(one, two);
    const said = Array.from({ length: 55 }, (_, i) => `line ${i + 1}`);
    for (const text of said) await sayOnce(one.port, 'Ada', text);
    const page = await openChat(browser, port, 'Bob');
    const shown = said.slice(5).map((text) => `Ada: ${text}`);
    expect(await texts(page)).to.deep.equal([...shown, 'Welcome!']);

    // A restart of the page's server: it reconnects and is sent the same history again.
    const exited = new Promise((resolve) => two.child.once('exit', resolve));
    two.child.kill('SIGTERM');
    await exited;
    await page.locator('#status:not([data-state="open"])').waitFor();
    two = await startChildServer(chat, [], { ...env, PORT: String(port), WORKERS: '2' }, ready);
    servers.push(two);
    await page.locator('#status[data-state="open"]').waitFor({ timeout: 30_000 });
    await page.fill('#message', 'back again');
    await page.press('#message', 'Enter');
    await page.locator('#messages li', { hasText: 'Bob (you): back again' }).waitFor();
    expect(await texts(page)).to.deep.equal([...shown, 'Welcome!', 'Bob (you): back again']);
    expect(await historyOf(one.port)).to.deep.equal([...said.slice(6), 'back again']);
    await page.context().close();
  });

  it('gives every WORKERS=2 thread the same history without Redis', async () => {
    const server = await startChildServer(chat, [], { HOST: '127.0.0.1', PORT: '0', WORKERS: '2' }, ready);
    servers.push(server);
    // Each line on a connection of its own: the kernel spreads them over both threads.
    const said = Array.from({ length: 6 }, (_, i) => `line ${i + 1}`);
    for (const text of said) await sayOnce(server.port, 'Ada', text);
    // So are these: a thread that kept only its own lines would fail one of them.
    for (let i = 0; i < 8; i++) {
      await waitUntil(async () => (await historyOf(server.port)).join('\n') === said.join('\n'), 5000, 'a connection given the whole history');
    }
  });

  it('shuts down on SIGTERM: WebSockets get 1001, Redis is left, the process exits 0', async () => {
    const server = await startChildServer(chat, [], { REDIS_URL: redis.url, HOST: '127.0.0.1', PORT: '0', WORKERS: '2' }, ready);
    // Stopped after the test if it fails before SIGTERM (a server that exited is left as it is).
    servers.push(server);
    const exit = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    const socket = await websocketConnect(`ws://127.0.0.1:${server.port}/chat`);
    await joined(socket);
    // Say something, so the thread has opened its connection for the history too.
    await socket.writeMessage({ name: 'Ada', text: 'leaving' });
    expect(JSON.parse(String(await socket.readMessage()))).to.have.nested.property('message.text', 'leaving');
    const started = Date.now();
    server.child.kill('SIGTERM');
    expect(await socket.readMessage()).to.equal(null);
    expect(socket.closeCode).to.equal(1001);
    expect(await exit).to.equal(0);
    // Not held until the supervisor's deadline (10 + 5 s) by the history's Redis connection.
    expect(Date.now() - started).to.be.below(5000);
  });
});
