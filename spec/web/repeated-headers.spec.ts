import { expect } from 'chai';
import { Application, RequestHandler, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { rawRequest, statusLines } from '../helpers/raw-http';

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
  before(async () => {
    server = await TestServer.start(new Application({ handlers: [['/echo', Echo], ['/fixed', Fixed], Protocols] }));
  });
  after(() => server.close());

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
});
