import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Application, HTTPError, injectable, RequestHandler, singleton, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';

@singleton()
class Counter {
  count = 0;
}

@injectable()
class ItemHandler extends RequestHandler {
  constructor(private readonly counter: Counter) {
    super();
  }
  async get(id: string) {
    await Promise.resolve();
    this.counter.count++;
    this.setCookie('seen', id);
    this.write({ id, full: this.getArgument('full', 'no'), ip: this.request.remoteIp, count: this.counter.count });
  }
  post(id: string) {
    const item = this.request.json<{ name: string }>();
    this.setStatus(201);
    this.write({ id, name: item.name, cookie: this.getCookie('session') ?? null });
  }
  delete() {
    throw new HTTPError(409, 'in use', { reason: 'Item In Use' });
  }
}

class Broken extends RequestHandler {
  get() {
    throw new Error('boom');
  }
}

@WebSocket('/live')
class Live extends WebSocketHandler {}

describe('app.inject()', () => {
  let dir: string;
  let big: Buffer;
  let app: Application;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'typhoon-inject-'));
    writeFileSync(path.join(dir, 'small.txt'), 'small file');
    big = randomBytes(600 * 1024 + 7); // over the in-memory limit: streamed in chunks
    writeFileSync(path.join(dir, 'big.bin'), big);
    app = new Application({ handlers: [['/items/:id', ItemHandler], ['/broken', Broken], Live], staticPath: dir, xsrfCookies: false });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the whole lifecycle without a port: DI, path and query arguments, async verbs, cookies', async () => {
    const first = await app.inject('/items/42?full=yes');
    expect(first.status).to.equal(200);
    expect(first.reason).to.equal('OK');
    expect(first.headers.get('content-type')).to.equal('application/json; charset=UTF-8');
    expect(first.headers.get('set-cookie')).to.match(/^seen=42;/);
    expect(first.json()).to.deep.equal({ id: '42', full: 'yes', ip: '127.0.0.1', count: 1 });
    const second = await app.inject({ url: '/items/7', remoteAddress: '10.1.2.3' });
    expect(second.json()).to.deep.equal({ id: '7', full: 'no', ip: '10.1.2.3', count: 2 });
  });

  it('sends bodies (objects as JSON) and headers, and returns statuses, reasons and error pages', async () => {
    const created = await app.inject({ method: 'POST', url: '/items/9', body: { name: 'pen' }, headers: { Cookie: 'session=abc' } });
    expect(created.status).to.equal(201);
    expect(created.json()).to.deep.equal({ id: '9', name: 'pen', cookie: 'abc' });
    const refused = await app.inject({ method: 'DELETE', url: '/items/9' });
    expect([refused.status, refused.reason]).to.deep.equal([409, 'Item In Use']);
    const broken = await app.inject('/broken');
    expect(broken.status).to.equal(500);
    expect(broken.text).to.contain('500').and.not.contain('boom');
    const missing = await app.inject('/nowhere');
    expect(missing.status).to.equal(404);
    const notAllowed = await app.inject({ method: 'PATCH', url: '/items/1' });
    expect(notAllowed.status).to.equal(405);
    expect(notAllowed.headers.get('allow')).to.equal('GET, HEAD, POST, DELETE');
    const head = await app.inject({ method: 'HEAD', url: '/items/3' });
    expect(head.status).to.equal(200);
    expect(head.body.length).to.equal(0);
    expect(Number(head.headers.get('content-length'))).to.be.greaterThan(0);
  });

  it('serves static files, small ones from memory and large ones streamed, with conditional requests', async () => {
    const small = await app.inject('/static/small.txt');
    expect([small.status, small.text]).to.deep.equal([200, 'small file']);
    const large = await app.inject('/static/big.bin');
    expect(large.status).to.equal(200);
    expect(large.body.equals(big)).to.equal(true);
    const again = await app.inject({ url: '/static/big.bin', headers: { 'If-None-Match': large.headers.get('etag')! } });
    expect(again.status).to.equal(304);
    const range = await app.inject({ url: '/static/big.bin', headers: { Range: 'bytes=10-19' } });
    expect(range.status).to.equal(206);
    expect(range.body.equals(big.subarray(10, 20))).to.equal(true);
  });

  it('answers a WebSocket path like a plain GET (426), and works beside a listening server', async () => {
    const server = await TestServer.start(app);
    try {
      expect((await app.inject('/live')).status).to.equal(426);
      const [network, memory] = await Promise.all([server.fetch('/items/5'), app.inject('/items/5')]);
      expect(network.json<{ id: string }>().id).to.equal('5');
      expect(memory.json<{ id: string }>().id).to.equal('5');
    } finally {
      await server.close();
    }
    // Still usable after the network side closed.
    expect((await app.inject('/static/small.txt')).text).to.equal('small file');
  });
});
