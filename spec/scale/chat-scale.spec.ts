import { expect } from 'chai';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { websocketConnect } from '../../lib';
import { launchChromium } from '../helpers/browser';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { startRedis, type RedisServer } from '../../lib/testing';
import { hasChromium, hasRedis, requirePackage, requireWorkers } from '../helpers/requirements';

const chat = path.join(__dirname, '..', '..', 'samples', 'chat', 'app.js');

async function openChat(browser: Browser, port: number): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator('#messages li', { hasText: 'Welcome!' }).waitFor();
  await page.locator('#status[data-state="open"]').waitFor();
  return page;
}

describe('samples/chat scaled out', function () {
  this.timeout(90_000);
  let redis: RedisServer;
  let browser: Browser;
  const servers: ChildServer[] = [];

  before(async function () {
    requirePackage(this, 'redis-server', hasRedis());
    requirePackage(this, 'chromium', hasChromium());
    requireWorkers(this);
    redis = await startRedis();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
  });

  it('carries a message typed in a page on one process to a page on another (REDIS_URL), and across WORKERS=2 threads', async () => {
    const env = { REDIS_URL: redis.url, HOST: '127.0.0.1', PORT: '0' };
    const one = await startChildServer(chat, [], env, /Chat on http:\/\/localhost:(\d+)\//);
    const two = await startChildServer(chat, [], { ...env, WORKERS: '2' }, /Chat on http:\/\/localhost:(\d+)\//);
    servers.push(one, two);
    const [first, second, third] = [await openChat(browser, one.port), await openChat(browser, two.port), await openChat(browser, two.port)];
    await first.fill('#message', 'typed on the first process');
    await first.press('#message', 'Enter');
    for (const page of [first, second, third]) {
      await page.locator('#messages li', { hasText: 'says: typed on the first process' }).waitFor({ timeout: 10_000 });
    }
    await third.fill('#message', 'and back from a worker');
    await third.click('#send');
    await first.locator('#messages li', { hasText: 'says: and back from a worker' }).waitFor({ timeout: 10_000 });
    const texts = await second.locator('#messages li').allTextContents();
    expect(texts).to.deep.equal(['Welcome!', '127.0.0.1 says: typed on the first process', '127.0.0.1 says: and back from a worker']);
  });

  it('shuts down on SIGTERM: WebSockets get 1001, Redis is left, the process exits 0', async () => {
    const server = await startChildServer(chat, [], { REDIS_URL: redis.url, HOST: '127.0.0.1', PORT: '0', WORKERS: '2' }, /Chat on http:\/\/localhost:(\d+)\//);
    const exit = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    const socket = await websocketConnect(`ws://127.0.0.1:${server.port}/chat`);
    expect(await socket.readMessage()).to.equal('Welcome!');
    server.child.kill('SIGTERM');
    expect(await socket.readMessage()).to.equal(null);
    expect(socket.closeCode).to.equal(1001);
    expect(await exit).to.equal(0);
  });
});
