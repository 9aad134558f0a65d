import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { makeApp } from '../../samples/chat/app';
import { TestServer } from '../../lib/testing';
import { launchChromium } from '../helpers/browser';
import { hasChromium, requirePackage } from '../helpers/requirements';

describe('samples/chat', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(makeApp());
  });
  after(() => server.close());

  it('serves the chat page with its CSS and script from /static/', async () => {
    const page = await server.fetch('/');
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/<link rel="stylesheet" href="\/static\/chat\.css\?v=[0-9a-f]{40}">/);
    expect(page.text).to.contain('<input id="message"').and.contain('<button id="send" type="submit">Send</button>');
    const css = await server.fetch(page.text.match(/href="(\/static\/chat\.css[^"]+)"/)![1]);
    expect([css.status, css.headers.get('content-type')]).to.deep.equal([200, 'text/css; charset=utf-8']);
  });

  it('greets each client with "Welcome!" and broadcasts "<ip> says: <message>" to everyone', async () => {
    const alice = await server.websocket('/chat');
    const bob = await server.websocket('/chat');
    expect(await alice.readMessage()).to.equal('Welcome!');
    expect(await bob.readMessage()).to.equal('Welcome!');
    await alice.writeMessage('hi bob');
    expect(await alice.readMessage()).to.equal('127.0.0.1 says: hi bob');
    expect(await bob.readMessage()).to.equal('127.0.0.1 says: hi bob');
    await Promise.all([alice.close(), bob.close()]);
  });

  describe('in a real browser', function () {
    this.timeout(60_000);
    let browser: Browser;

    before(async function () {
      requirePackage(this, 'chromium', hasChromium());
      browser = await launchChromium();
    });
    after(async () => browser?.close());

    it('shows a message typed in one page in the other page', async () => {
      const context = await browser.newContext();
      const [first, second] = await Promise.all([context.newPage(), context.newPage()]);
      const errors: string[] = [];
      for (const page of [first, second]) page.on('pageerror', (error) => errors.push(error.message));
      await first.goto(server.url('/'));
      await second.goto(server.url('/'));
      for (const page of [first, second]) {
        await page.locator('#messages li', { hasText: 'Welcome!' }).waitFor();
        await page.locator('#status[data-state="open"]').waitFor();
      }
      // The stylesheet really applied (served from /static/).
      expect(await first.locator('#send').evaluate((element) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(element).backgroundColor)).to.equal('rgb(37, 99, 235)');
      await first.fill('#message', 'Hello from the first page');
      await first.press('#message', 'Enter');
      await second.locator('#messages li', { hasText: '127.0.0.1 says: Hello from the first page' }).waitFor({ timeout: 5000 });
      expect(await first.inputValue('#message')).to.equal('');
      await second.fill('#message', 'And back, with the button');
      await second.click('#send');
      await first.locator('#messages li', { hasText: 'says: And back, with the button' }).waitFor({ timeout: 5000 });
      const texts = await first.locator('#messages li').allTextContents();
      expect(texts).to.deep.equal(['Welcome!', '127.0.0.1 says: Hello from the first page', '127.0.0.1 says: And back, with the button']);
      expect(errors).to.deep.equal([]);
      await context.close();
    });
  });
});
