import { expect } from 'chai';
import http from 'node:http';
import type { Browser } from 'playwright-core';
import { makeApp } from '../../samples/dashboard/app';
import { TestServer } from '../../lib/testing';
import { launchChromium } from '../helpers/browser';
import { waitFor } from '../helpers/promises';
import { hasChromium, requirePackage } from '../helpers/requirements';

describe('samples/dashboard', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(makeApp());
  });
  after(() => server.close());

  it('serves the page with its stylesheet and script', async () => {
    const page = await server.fetch('/');
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/<script src="\/static\/dashboard\.js\?v=[0-9a-f]{40}"><\/script>/);
    expect(page.text).to.contain('id="rssMiB"');
  });

  it('numbers its events, resuming after the Last-Event-ID a reconnecting browser sends', async () => {
    let text = '';
    const request = http.get({ port: server.port, host: '127.0.0.1', path: '/figures?every=0.05', headers: { 'Last-Event-ID': '41' }, agent: false }, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
    });
    try {
      await waitFor(() => /id: 43\n/.test(text), 10_000, 'two events');
      const events = text.split('\n\n').filter((block) => block.startsWith('event: figures'));
      expect(events[0]).to.match(/^event: figures\nid: 42\ndata: \{"time":"[^"]+","rssMiB":\d+,"heapMiB":\d+,"loopDelayMs":[\d.]+,"viewers":1\}$/);
      expect(events[1]).to.match(/^event: figures\nid: 43\n/);
    } finally {
      request.destroy();
    }
  });

  describe('in a real browser', function () {
    this.timeout(60_000);
    let browser: Browser;

    before(async function () {
      requirePackage(this, 'chromium', hasChromium());
      browser = await launchChromium();
    });
    after(async () => browser?.close());

    it('shows the figures the server pushes once a second, updating as they come', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(server.url('/'));
      await page.locator('#status[data-state="open"]').waitFor();
      await page.waitForFunction(() => Number((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('received').textContent) >= 2, undefined, { timeout: 15_000 });
      const read = (id: string) => page.locator(`#${id}`).textContent();
      expect(Number(await read('rssMiB'))).to.be.greaterThan(0);
      expect(await read('viewers')).to.equal('1');
      expect(Number(await read('last-id'))).to.be.at.least(2);
      expect(await read('time')).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(errors).to.deep.equal([]);
      await page.close();
    });
  });
});
