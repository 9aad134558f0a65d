import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Application, RequestHandler, sleep, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { generation } from '../helpers/generation';
import { rawExchange, rawRequest, statusLines } from '../helpers/raw-http';

class Echo extends RequestHandler {
  get() {
    const headers = this.request.headers;
    this.write({ multi: headers.get('x-multi') ?? null, all: headers.getAll('x-multi'), empty: headers.get('x-empty') ?? null, hasEmpty: headers.has('x-empty'), a: this.getCookie('a') ?? null, b: this.getCookie('b') ?? null });
  }
}

class Fixed extends RequestHandler {
  get() {
    this.write('same body every time');
  }
}

/** Requests that reached a handler's verb, by path. */
const served: string[] = [];

class Counted extends RequestHandler {
  get() {
    served.push(this.request.path);
    this.write(`host ${this.request.host}`);
  }
  async post() {
    await sleep(0.01);
    served.push(this.request.path);
    this.write(`posted ${this.request.body.length}`);
  }
}

class CountedLater extends RequestHandler {
  async get() {
    await sleep(0.01);
    served.push(this.request.path);
    this.write('later');
  }
}

let offered: string[] = [];

@WebSocket('/protocols')
class Protocols extends WebSocketHandler {
  override selectSubprotocol(protocols: string[]): string | null {
    offered = protocols;
    return protocols.includes('second') ? 'second' : null;
  }
}

describe('headers sent on several lines (RFC 9110 5.3)', () => {
  let server: TestServer;
  let staticRoot: string;
  before(async () => {
    staticRoot = mkdtempSync(path.join(tmpdir(), 'typhoon-hosts-'));
    writeFileSync(path.join(staticRoot, 'a.txt'), 'static a');
    server = await TestServer.start(new Application({ staticPath: staticRoot, handlers: [['/echo', Echo], ['/fixed', Fixed], ['/counted', Counted], ['/later', CountedLater], Protocols] }));
  });
  after(async () => {
    await server.close();
    rmSync(staticRoot, { recursive: true, force: true });
  });

  const body = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));

  it("reads them as one list: headers.get() joins the lines (Cookie with '; '), getAll() keeps them, an empty one is present", async () => {
    const raw = await rawRequest(server.port, 'GET /echo HTTP/1.1\r\nHost: x\r\nX-Multi: a\r\nX-Multi: b\r\nX-Empty:\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: close\r\n\r\n', 10_000);
    expect(body(raw)).to.deep.equal({ multi: 'a, b', all: ['a', 'b'], empty: '', hasEmpty: true, a: '1', b: '2' });
  });

  it('answers 304 when the current ETag is on the second If-None-Match line', async () => {
    const etag = (await server.fetch('/fixed')).headers.get('etag')!;
    const raw = await rawRequest(server.port, `GET /fixed HTTP/1.1\r\nHost: x\r\nIf-None-Match: "other"\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`, 10_000);
    expect(statusLines(raw)).to.deep.equal(['HTTP/1.1 304 Not Modified']);
  });

  it('gives selectSubprotocol every offered subprotocol, across Sec-WebSocket-Protocol lines', async () => {
    offered = [];
    const raw = await rawRequest(server.port, 'GET /protocols HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: first\r\nSec-WebSocket-Protocol: second\r\n\r\n', 500);
    expect(offered).to.deep.equal(['first', 'second']);
    expect(raw).to.match(/\r\nSec-WebSocket-Protocol: second\r\n/i);
  });

  it('refuses a request with two Host lines, 400 and closed (RFC 9112 §3.2), before any handler runs; uWS v20.30 where it reads the lines anyway', async function () {
    const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
    const requests = {
      'a GET answered at once': 'GET /counted HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n',
      'a GET answered later': 'GET /later HTTP/1.1\r\nHost: a.test\r\nhost: a.test\r\n\r\n',
      'a POST with a body': 'POST /counted HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nHost: b.test\r\n\r\nabc',
      'a static file kept in memory': 'GET /static/a.txt HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n',
      'a WebSocket handshake': `GET /protocols HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n${upgrade}\r\n`,
    };
    served.length = 0;
    offered = ['not asked'];
    const answers: Record<string, string[]> = {};
    for (const [name, request] of Object.entries(requests)) {
      const { data, closedByServer } = await rawExchange(server.port, request, 1000);
      answers[name] = [...statusLines(data), closedByServer ? 'closed' : 'open'];
    }
    const refused = ['HTTP/1.1 400 Duplicate Host', 'closed'];
    if (generation() === 'uws later') {
      // uWebSockets' own parser refuses a second Host (measured on v20.57), before Typhoon sees it.
      const byUws = ['HTTP/1.1 400 Bad Request', 'closed'];
      expect(answers).to.deep.equal(Object.fromEntries(Object.keys(requests).map((name) => [name, byUws])));
      expect([served, offered]).to.deep.equal([[], ['not asked']]);
    } else if (generation() === 'node') {
      expect(answers).to.deep.equal(Object.fromEntries(Object.keys(requests).map((name) => [name, refused])));
      expect([served, offered]).to.deep.equal([[], ['not asked']]);
    } else {
      // uWS v20.30 gives Typhoon the first Host only; every line is read for a body, a
      // handshake or maxHeaderSize (docs/transports.md), not for a bodiless request otherwise.
      const ok = ['HTTP/1.1 200 OK', 'open'];
      expect(answers).to.deep.equal({ 'a GET answered at once': ok, 'a GET answered later': ok, 'a POST with a body': refused, 'a static file kept in memory': ok, 'a WebSocket handshake': refused });
      expect([served, offered]).to.deep.equal([['/counted', '/later'], ['not asked']]);
    }
    // One Host line, however spelled, is served.
    const one = await rawRequest(server.port, 'GET /counted HTTP/1.1\r\nhOsT: a.test\r\nConnection: close\r\n\r\n', 2000);
    expect(statusLines(one)).to.deep.equal(['HTTP/1.1 200 OK']);
    expect(one).to.match(/host a\.test$/);
  });

  it('refuses two Host lines on a GET on every transport when maxHeaderSize is set (every line is read then)', async function () {
    const strict = await TestServer.start(new Application({ maxHeaderSize: 32 * 1024, handlers: [['/counted', Counted]] }));
    try {
      served.length = 0;
      const { data, closedByServer } = await rawExchange(strict.port, 'GET /counted HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n', 1000);
      const status = generation() === 'uws later' ? 'HTTP/1.1 400 Bad Request' : 'HTTP/1.1 400 Duplicate Host'; // uWS's own, on later builds
      expect([...statusLines(data), closedByServer, served]).to.deep.equal([status, true, []]);
    } finally {
      await strict.close();
    }
  });
});
