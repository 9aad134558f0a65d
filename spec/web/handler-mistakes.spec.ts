import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Application, RequestHandler, sleep } from '../../lib';
import { TestServer } from '../../lib/testing';
import { captureLogs } from '../helpers/logs';
import { waitFor } from '../helpers/raw-http';

/** A port of Tornado's examples: render() called as Tornado's synchronous one. */
class UnawaitedRender extends RequestHandler {
  get() {
    void this.render('page.html', { name: 'world' });
  }
}

class UnawaitedFlush extends RequestHandler {
  get() {
    this.write('part one, ');
    void this.flush();
    this.write('part two');
  }
}

class LateFinish extends RequestHandler {
  get() {
    this.finish('first');
    setTimeout(() => {
      this.finish('second');
      this.write('more');
      void this.flush();
      this.setHeader('X-Late', '1');
    }, 10);
  }
}

class FinishTwice extends RequestHandler {
  async get() {
    await this.finish('once');
    await this.finish('twice');
  }
}

class RejectsLater extends RequestHandler {
  async get() {
    this.finish('done');
    await sleep(0.01);
    throw new Error('after the end');
  }
}

class HeaderAfterFlush extends RequestHandler {
  async get() {
    this.write('streaming');
    await this.flush();
    this.setHeader('X-Too-Late', '1');
  }
}

class ThrowingHooks extends RequestHandler {
  get() {
    this.write('fine');
  }
  override onFinish() {
    throw new Error('onFinish failed');
  }
}

class BrokenTemplate extends RequestHandler {
  get() {
    void this.render('missing.html', {});
  }
}

describe('handler mistakes', function () {
  this.timeout(20_000);
  const logs = captureLogs('warn');
  let folder: string;
  let server: TestServer;

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'typhoon-mistakes-'));
    writeFileSync(path.join(folder, 'page.html'), '<p>Hello, {{name}}!</p>');
    server = await TestServer.start(new Application({
      templatePath: folder,
      handlers: [
        ['/render', UnawaitedRender], ['/flush', UnawaitedFlush], ['/late', LateFinish], ['/twice', FinishTwice],
        ['/rejects', RejectsLater], ['/header', HeaderAfterFlush], ['/hooks', ThrowingHooks], ['/broken', BrokenTemplate],
      ],
    }));
  });
  after(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const messages = () => logs.records.map((record) => `${record.level} ${record.message} ${record.error instanceof Error ? record.error.message : ''}`);

  it('waits for a render() the verb did not await, sends the page, and says to await it', async () => {
    const response = await server.fetch('/render', { timeout: 5 });
    expect([response.status, response.text]).to.deep.equal([200, '<p>Hello, world!</p>']);
    expect(messages().join('\n')).to.match(/UnawaitedRender: the GET method returned before its render\(\) or flush\(\) completed; await it/);
  });

  it('completes a response whose flush() was not awaited', async () => {
    const response = await server.fetch('/flush', { timeout: 5 });
    expect([response.status, response.text]).to.deep.equal([200, 'part one, part two']);
  });

  it('logs, and never throws, finish(), write(), flush() and setHeader() called after the request ended', async () => {
    const response = await server.fetch('/late', { timeout: 5 });
    expect(response.text).to.equal('first');
    await waitFor(() => messages().filter((message) => message.includes('LateFinish')).length >= 3, 5000, 'the log lines');
    const lines = messages().filter((message) => message.includes('LateFinish'));
    expect(lines.join('\n')).to.contain('finish() called twice').and.contain('write() after the response was complete').and.contain('flush() after the response was complete');
    // The server is fine: the spec setup fails any test during which an exception went uncaught.
    expect((await server.fetch('/render')).status).to.equal(200);
  });

  it('answers once when finish() is called twice inside the verb, and names the handler', async () => {
    const response = await server.fetch('/twice', { timeout: 5 });
    expect([response.status, response.text]).to.deep.equal([200, 'once']);
    await waitFor(() => messages().some((message) => message.includes('FinishTwice: finish() called twice')), 5000, 'the log line');
  });

  it('logs an async verb that rejects after the response ended', async () => {
    expect((await server.fetch('/rejects', { timeout: 5 })).text).to.equal('done');
    await waitFor(() => messages().some((message) => message.includes('after the end')), 5000, 'the log line');
  });

  it('ends a streamed response whose handler set a header after flush()', async () => {
    const response = await server.fetch('/header', { timeout: 5 });
    expect([response.status, response.text]).to.deep.equal([200, 'streaming']);
    expect(response.headers.get('x-too-late')).to.equal(undefined);
  });

  it('logs an exception in onFinish without touching the response', async () => {
    expect((await server.fetch('/hooks', { timeout: 5 })).text).to.equal('fine');
    await waitFor(() => messages().some((message) => message.includes('onFinish failed')), 5000, 'the log line');
  });

  it('answers 500 when a render() the verb did not await fails', async () => {
    const response = await server.fetch('/broken', { timeout: 5 });
    expect(response.status).to.equal(500);
  });
});

describe('an error after flush()', () => {
  const logs = captureLogs('info');

  it('ends the response as it stands, with its access-log line and onFinish()', async () => {
    let finished = 0;
    class FailsMidway extends RequestHandler {
      async get() {
        this.write('first part');
        await this.flush();
        throw new Error('failed after the headers went out');
      }
      override onFinish() {
        finished++;
      }
    }
    const server = await TestServer.start(new Application([['/midway', FailsMidway]]));
    try {
      const response = await server.fetch('/midway', { timeout: 5 });
      expect([response.status, response.text]).to.deep.equal([200, 'first part']);
      await waitFor(() => finished === 1, 10_000, 'onFinish()');
      const access = logs.records.filter((record) => record.logger === 'access').map((record) => record.message);
      expect(access).to.have.length(1);
      expect(access[0]).to.match(/^200 GET \/midway \(127\.0\.0\.1\) \d+\.\d\dms$/);
      expect(logs.records.some((record) => record.level === 'error' && /Cannot send error response after headers written/.test(record.message))).to.equal(true);
    } finally {
      await server.close();
    }
  });
});
