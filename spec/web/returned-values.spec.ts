import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addslash, Application, authenticated, removeslash, RequestHandler, sleep, streamRequestBody } from '../../lib';
import { TestServer } from '../../lib/testing';
import { captureLogs } from '../helpers/logs';
import { waitFor } from '../helpers/promises';

interface Item {
  id: number;
  name: string;
}

const JSON_TYPE = 'application/json; charset=UTF-8';

/** The habit of Fastify, NestJS and Hono users: the answer is what the verb returns. */
class ItemHandler extends RequestHandler {
  get(id: string): Item {
    return { id: Number(id), name: 'kettle' };
  }

  // Typed as users of other frameworks write it: the declared type is the body's.
  async post(id: string): Promise<Item> {
    await sleep(0.001);
    this.setStatus(201);
    return { id: Number(id), name: this.request.json<{ name: string }>().name };
  }

  head(id: string) {
    return { id: Number(id), name: 'kettle' };
  }

  options() {
    this.setHeader('Allow', 'GET, HEAD, POST, OPTIONS');
    return 'GET, HEAD, POST, OPTIONS';
  }
}

/** One route per kind of value: `?kind=` picks it. */
class KindsHandler extends RequestHandler {
  get(): unknown {
    switch (this.getArgument('kind')) {
      case 'string':
        return '<p>hello</p>';
      case 'buffer':
        return Buffer.from([0, 1, 2, 255]);
      case 'bytes':
        return new Uint8Array([9, 8, 7]);
      case 'array':
        return [1, 'two', { three: 3 }];
      case 'number':
        return 42;
      case 'boolean':
        return false;
      case 'null':
        return null;
      case 'empty':
        return '';
      case 'thenable':
        // A query builder or another library's promise: awaited as a promise is.
        return { then: (resolve: (value: unknown) => void) => resolve({ from: 'thenable' }) };
      case 'nested':
        // A sync verb returning a promise is an async one.
        return Promise.resolve({ nested: true });
      case 'function':
        return function answer() {};
      case 'symbol':
        return Symbol('answer');
      case 'bigint':
        return 10n;
      case 'undefined':
        this.write('written, nothing returned');
        return undefined;
      default:
        return { unknown: true };
    }
  }
}

/** Returning a value after output is a mistake: which output, `?after=`. */
class AfterOutputHandler extends RequestHandler {
  async get(): Promise<unknown> {
    const after = this.getArgument('after');
    if (after === 'write') this.write('written');
    if (after === 'cleared') {
      this.write('written, then cleared');
      this.clear();
    }
    if (after === 'finish') await this.finish('finished');
    if (after === 'redirect') await this.redirect('/elsewhere');
    if (after === 'flush') {
      this.write('flushed');
      await this.flush();
    }
    if (after === 'render') void this.render('page.html', { name: 'world' });
    return { also: 'returned' };
  }
}

class WithPrepare extends RequestHandler {
  override prepare() {
    // Tornado ignores what prepare() returns; so does Typhoon: only a verb's value is the answer.
    return { from: 'prepare' } as unknown as void;
  }
  get() {
    return { from: 'get' };
  }
}

class Guarded extends RequestHandler {
  override getCurrentUser() {
    return this.request.headers.get('x-user') ?? null;
  }

  @authenticated
  async get(): Promise<{ user: unknown }> {
    return { user: this.currentUser };
  }

  @authenticated
  post() {
    return { posted: this.currentUser };
  }
}

class Slashes extends RequestHandler {
  @removeslash
  get() {
    return { path: this.request.path };
  }
}

class AddSlash extends RequestHandler {
  @addslash
  get() {
    return { path: this.request.path };
  }
}

@streamRequestBody
class Upload extends RequestHandler {
  bytes = 0;
  dataReceived(chunk: Buffer) {
    this.bytes += chunk.length;
  }
  put() {
    return { bytes: this.bytes };
  }
}

class NoContent extends RequestHandler {
  get() {
    this.setStatus(204);
    return { body: 'with 204' };
  }
}

describe('a verb method that returns its answer', function () {
  this.timeout(20_000);
  const logs = captureLogs('warn');
  let folder: string;
  let server: TestServer;

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'typhoon-returns-'));
    writeFileSync(path.join(folder, 'page.html'), '<p>Hello, {{name}}!</p>');
    const app = new Application({
      templatePath: folder,
      loginUrl: '/login',
      handlers: [
        ['/items/:id', ItemHandler], ['/kinds', KindsHandler], ['/after', AfterOutputHandler], ['/prepare', WithPrepare],
        ['/guarded', Guarded], [/^\/slashes\/?$/, Slashes], [/^\/add\/?$/, AddSlash], ['/upload', Upload], ['/nocontent', NoContent],
        ['/hooked', WithPrepare],
      ],
    });
    app.addHook('preHandler', (handler) => {
      if (handler.request.path === '/hooked') void handler.finish({ from: 'hook' });
    });
    server = await TestServer.start(app);
  });
  after(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const errors = () => logs.records.filter((record) => record.level === 'error').map((record) => `${record.message} ${record.error instanceof Error ? record.error.message : ''}`);

  it('writes a returned object as JSON, as write() does, and finishes', async () => {
    const response = await server.fetch('/items/7');
    expect([response.status, response.headers.get('content-type'), response.text]).to.deep.equal([200, JSON_TYPE, '{"id":7,"name":"kettle"}']);
    expect(response.headers.get('content-length')).to.equal(String(response.body.length));
  });

  it('awaits an async verb and keeps the status it set', async () => {
    const response = await server.fetch('/items/8', { method: 'POST', body: { name: 'teapot' } });
    expect([response.status, response.headers.get('content-type'), response.json()]).to.deep.equal([201, JSON_TYPE, { id: 8, name: 'teapot' }]);
  });

  it('gives a returned GET answer an ETag and answers 304 to If-None-Match', async () => {
    const first = await server.fetch('/items/7');
    const etag = first.headers.get('etag');
    // The tag of the JSON sent (Typhoon's: the SHA-1 of the body).
    expect(etag).to.equal(`"${createHash('sha1').update('{"id":7,"name":"kettle"}').digest('hex')}"`);
    const again = await server.fetch('/items/7', { headers: { 'If-None-Match': etag! } });
    expect([again.status, again.text]).to.deep.equal([304, '']);
  });

  it('answers HEAD from a returned value with the headers and no body, from head() and from get()', async () => {
    const get = await server.fetch('/items/7');
    const head = await server.fetch('/items/7', { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type'), head.headers.get('content-length'), head.headers.get('etag'), head.body.length])
      .to.deep.equal([200, JSON_TYPE, String(get.body.length), get.headers.get('etag'), 0]);
    const viaGet = await server.fetch('/kinds?kind=array', { method: 'HEAD' });
    const length = String(Buffer.byteLength('[1,"two",{"three":3}]'));
    expect([viaGet.status, viaGet.headers.get('content-type'), viaGet.headers.get('content-length'), viaGet.body.length]).to.deep.equal([200, JSON_TYPE, length, 0]);
  });

  it('writes what options() returns', async () => {
    const response = await server.fetch('/items/7', { method: 'OPTIONS' });
    expect([response.status, response.text]).to.deep.equal([200, 'GET, HEAD, POST, OPTIONS']);
  });

  it('writes strings as HTML text and bytes as they are, as write() does', async () => {
    const text = await server.fetch('/kinds?kind=string');
    expect([text.headers.get('content-type'), text.text]).to.deep.equal(['text/html; charset=UTF-8', '<p>hello</p>']);
    expect([...(await server.fetch('/kinds?kind=buffer')).body]).to.deep.equal([0, 1, 2, 255]);
    expect([...(await server.fetch('/kinds?kind=bytes')).body]).to.deep.equal([9, 8, 7]);
    const empty = await server.fetch('/kinds?kind=empty');
    expect([empty.status, empty.text]).to.deep.equal([200, '']);
  });

  it('writes arrays, numbers, booleans and null as JSON', async () => {
    const answers: Array<[string, string]> = [];
    for (const kind of ['array', 'number', 'boolean', 'null']) {
      const response = await server.fetch(`/kinds?kind=${kind}`);
      expect([response.status, response.headers.get('content-type')], kind).to.deep.equal([200, JSON_TYPE]);
      answers.push([kind, response.text]);
    }
    expect(answers).to.deep.equal([['array', '[1,"two",{"three":3}]'], ['number', '42'], ['boolean', 'false'], ['null', 'null']]);
  });

  it('awaits a returned thenable, and a promise returned by a sync verb', async () => {
    expect((await server.fetch('/kinds?kind=thenable')).json()).to.deep.equal({ from: 'thenable' });
    expect((await server.fetch('/kinds?kind=nested')).json()).to.deep.equal({ nested: true });
    // undefined is no answer: what was written stands.
    expect((await server.fetch('/kinds?kind=undefined')).text).to.equal('written, nothing returned');
  });

  it('answers 500 for a returned function, symbol or bigint, and names the handler and method', async () => {
    for (const [kind, what] of [['function', 'a function \\(answer\\)'], ['symbol', 'a symbol'], ['bigint', 'a bigint']]) {
      logs.records = [];
      const response = await server.fetch(`/kinds?kind=${kind}`);
      expect(response.status, kind).to.equal(500);
      expect(errors().join('\n'), kind).to.match(new RegExp(`KindsHandler\\.get\\(\\) returned ${what}, which has no JSON text`));
    }
  });

  it('answers 500, naming the handler and method, for a value returned after write() while nothing was sent', async () => {
    const response = await server.fetch('/after?after=write');
    expect(response.status).to.equal(500);
    expect(response.text).not.to.contain('written');
    expect(errors().join('\n')).to.contain('AfterOutputHandler.get() returned a value after writing its response');
    // What clear() forgot was never written.
    expect((await server.fetch('/after?after=cleared')).json()).to.deep.equal({ also: 'returned' });
  });

  for (const [after, status, body] of [['finish', 200, 'finished'], ['redirect', 302, ''], ['flush', 200, 'flushed'], ['render', 200, '<p>Hello, world!</p>']] as const) {
    it(`keeps the response after ${after}() and logs the returned value once, naming the handler`, async () => {
      const response = await server.fetch(`/after?after=${after}`);
      expect([response.status, response.text]).to.deep.equal([status, body]);
      const mentions = () => errors().filter((line) => line.includes('AfterOutputHandler.get() returned a value after writing its response'));
      await waitFor(() => mentions().length > 0, 5000, 'the log line');
      // Another request through the same server: a second line for the first would be there by now.
      await server.fetch('/items/1');
      expect(mentions()).to.have.length(1);
    });
  }

  it('ignores what prepare() returns, as Tornado does: the verb answers, unless a hook finished the request', async () => {
    expect((await server.fetch('/prepare')).json()).to.deep.equal({ from: 'get' });
    // The verb, which would return a value after the hook's answer, is not called at all.
    expect((await server.fetch('/hooked')).json()).to.deep.equal({ from: 'hook' });
    await server.fetch('/items/1');
    expect(errors()).to.deep.equal([]);
  });

  it('passes the value through @authenticated, and still redirects or refuses without a user', async () => {
    const guarded = await server.fetch('/guarded', { headers: { 'X-User': 'ada' } });
    expect([guarded.status, guarded.headers.get('content-type'), guarded.json()]).to.deep.equal([200, JSON_TYPE, { user: 'ada' }]);
    expect((await server.fetch('/guarded', { method: 'POST', headers: { 'X-User': 'ada' } })).json()).to.deep.equal({ posted: 'ada' });
    const anonymous = await server.fetch('/guarded');
    expect([anonymous.status, anonymous.headers.get('location')]).to.deep.equal([302, '/login?next=%2Fguarded']);
    expect((await server.fetch('/guarded', { method: 'POST' })).status).to.equal(403);
  });

  it('passes the value through @removeslash and @addslash', async () => {
    expect((await server.fetch('/slashes')).json()).to.deep.equal({ path: '/slashes' });
    expect((await server.fetch('/slashes/')).headers.get('location')).to.equal('/slashes');
    expect((await server.fetch('/add/')).json()).to.deep.equal({ path: '/add/' });
    expect((await server.fetch('/add')).headers.get('location')).to.equal('/add/');
  });

  it('writes what the verb of a @streamRequestBody handler returns', async () => {
    const response = await server.fetch('/upload', { method: 'PUT', body: Buffer.alloc(100_000, 1) });
    expect([response.status, response.json()]).to.deep.equal([200, { bytes: 100_000 }]);
  });

  it('refuses a returned body with 204 as it refuses a written one (500)', async () => {
    expect((await server.fetch('/nocontent')).status).to.equal(500);
    expect(errors().join('\n')).to.contain('Cannot send a body with status 204');
  });
});
