import { expect } from 'chai';
import net from 'node:net';
import { Application, Finish, HTTPError, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { waitFor } from '../helpers/raw-http';
import { captureLogs } from '../helpers/logs';

const calls: string[] = [];
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

class OrderHandler extends RequestHandler {
  override async initialize(args: { tag: string }) {
    await tick();
    calls.push(`initialize:${args.tag}`);
  }
  override async prepare() {
    await tick();
    calls.push('prepare');
  }
  async get() {
    await tick();
    calls.push('get');
    this.write('ok');
  }
  override async onFinish() {
    calls.push('onFinish');
  }
}

class PrepareFinishes extends RequestHandler {
  override prepare() {
    this.setStatus(403);
    return this.finish('stopped in prepare');
  }
  get() {
    calls.push('get-should-not-run');
  }
}

class Failing extends RequestHandler {
  async get() {
    const mode = this.getArgument('mode');
    if (mode === 'sync') throw new Error('secret sync detail');
    await tick();
    if (mode === 'http') throw new HTTPError(409, 'conflict on %s', { reason: 'Already There' });
    if (mode === 'finish') throw new Finish('finished early');
    if (mode === 'finish-object') throw new Finish({ early: true });
    throw new Error('secret async detail');
  }
}

class CustomError extends RequestHandler {
  get() {
    throw new HTTPError(402);
  }
  override writeError(status: number, { error }: { error?: unknown }) {
    this.write({ status, message: error instanceof Error ? error.constructor.name : null });
  }
}

let closedSignal = { aborted: false, closeCalled: false, ended: false };

class SlowHandler extends RequestHandler {
  async get() {
    closedSignal = { aborted: false, closeCalled: false, ended: false };
    // Busy until the client has gone (at most 10 s), then writes to the closed connection.
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        this.signal.addEventListener('abort', () => {
          closedSignal.aborted = true;
          clearTimeout(timer);
          resolve();
        });
      });
      this.write('late');
    } finally {
      closedSignal.ended = true;
    }
  }
  override onConnectionClose() {
    closedSignal.closeCalled = true;
  }
}

class AutoFinishHandler extends RequestHandler {
  async get() {
    this.write('written but not finished');
  }
}

class AsyncUser extends RequestHandler {
  static lookups = 0;
  override async getCurrentUser() {
    AsyncUser.lookups++;
    await tick();
    return this.getArgument('user', null);
  }
  get() {
    this.write({ user: this.currentUser, again: this.currentUser });
  }
}

describe('request lifecycle', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(
      new Application({
        handlers: [
          ['/order', OrderHandler, { tag: 'x' }], ['/prepare', PrepareFinishes], ['/fail', Failing], ['/custom', CustomError],
          ['/slow', SlowHandler], ['/auto', AutoFinishHandler], ['/user', AsyncUser],
        ],
      }),
    );
  });
  after(() => server.close());
  const logs = captureLogs('debug');
  beforeEach(() => {
    calls.length = 0;
  });

  it('runs initialize → prepare → verb → finish → onFinish, awaiting async hooks', async () => {
    expect((await server.fetch('/order')).text).to.equal('ok');
    await waitFor(() => calls.length === 4);
    expect(calls).to.deep.equal(['initialize:x', 'prepare', 'get', 'onFinish']);
  });

  it('skips the verb method when prepare() finishes the request', async () => {
    const response = await server.fetch('/prepare');
    expect([response.status, response.text]).to.deep.equal([403, 'stopped in prepare']);
    expect(calls).to.deep.equal([]);
  });

  it('answers uncaught sync and async errors with a 500 page that reveals nothing, and logs them', async () => {
    for (const mode of ['sync', 'async']) {
      const response = await server.fetch(`/fail?mode=${mode}`);
      expect(response.status).to.equal(500);
      expect(response.text).to.equal('<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>');
      expect(response.text).to.not.contain('secret');
    }
    const errors = logs.records.filter((record) => record.logger === 'app' && record.level === 'error');
    expect(errors).to.have.length(2);
    expect(String(errors[0].error)).to.contain('secret sync detail');
    expect(errors[0].message).to.contain('GET /fail?mode=sync (127.0.0.1)');
  });

  it('uses HTTPError status and reason; the log message goes only to the log', async () => {
    const response = await server.fetch('/fail?mode=http');
    expect([response.status, response.reason]).to.deep.equal([409, 'Already There']);
    expect(response.text).to.not.contain('conflict');
    expect(logs.records.some((record) => record.level === 'warn' && record.message.includes('conflict on %s'))).to.equal(true);
  });

  it('ends normally on Finish, with its body', async () => {
    const response = await server.fetch('/fail?mode=finish');
    expect([response.status, response.text]).to.deep.equal([200, 'finished early']);
    expect((await server.fetch('/fail?mode=finish-object')).json()).to.deep.equal({ early: true });
  });

  it('uses an overridden writeError()', async () => {
    const response = await server.fetch('/custom');
    expect(response.status).to.equal(402);
    expect(response.json()).to.deep.equal({ status: 402, message: 'HTTPError' });
  });

  it('shows the stack with serveTraceback (and in debug mode)', async () => {
    for (const settings of [{ serveTraceback: true }, { debug: true }]) {
      const traced = await TestServer.start(new Application({ ...settings, handlers: [['/fail', Failing]] }));
      try {
        const response = await traced.fetch('/fail?mode=async');
        expect(response.status).to.equal(500);
        expect(response.headers.get('content-type')).to.equal('text/plain; charset=UTF-8');
        expect(response.text).to.contain('Error: secret async detail').and.contain('at ');
      } finally {
        await traced.close();
      }
    }
  });

  it('finishes automatically after the verb method', async () => {
    expect((await server.fetch('/auto')).text).to.equal('written but not finished');
  });

  it('calls onConnectionClose() and aborts this.signal when the client goes away', async () => {
    const previous = closedSignal;
    const socket = net.connect(server.port, '127.0.0.1');
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => closedSignal !== previous, 10_000, 'the handler to start');
    socket.destroy();
    await waitFor(() => closedSignal.closeCalled && closedSignal.aborted, 10_000, 'onConnectionClose');
    await waitFor(() => closedSignal.ended, 10_000, 'the handler to end');
    expect((await server.fetch('/order')).status).to.equal(200);
  });

  it('computes an async getCurrentUser() once per request, before prepare', async () => {
    AsyncUser.lookups = 0;
    expect((await server.fetch('/user?user=ann')).json()).to.deep.equal({ user: 'ann', again: 'ann' });
    expect(AsyncUser.lookups).to.equal(1);
  });

  it('writes an access log line per request with status, method, URI, IP and milliseconds', async () => {
    await server.fetch('/order?q=1');
    await server.fetch('/nothing-here');
    const access = logs.records.filter((record) => record.logger === 'access');
    expect(access[0].level).to.equal('info');
    expect(access[0].message).to.match(/^200 GET \/order\?q=1 \(127\.0\.0\.1\) \d+\.\d\dms$/);
    expect(access[1].level).to.equal('warn');
    expect(access[1].message).to.match(/^404 GET \/nothing-here /);
  });

  it('replaces the access log with logFunction', async () => {
    const seen: string[] = [];
    const app = new Application({
      handlers: [['/order', OrderHandler, { tag: 'y' }]],
      logFunction: (handler: RequestHandler) => seen.push(`${handler.getStatus()} ${handler.request.remoteIp} ${handler.constructor.name}`),
    });
    const custom = await TestServer.start(app);
    try {
      await custom.fetch('/order');
      await waitFor(() => seen.length === 1);
      expect(seen).to.deep.equal(['200 127.0.0.1 OrderHandler']);
      expect(logs.records.filter((record) => record.logger === 'access')).to.have.length(0);
    } finally {
      await custom.close();
    }
  });
});
