import { expect } from 'chai';
import { Application, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { rawExchange, statusLines } from '../helpers/raw-http';

let smuggled = 0;

class Target extends RequestHandler {
  post() {
    this.write(`body ${this.request.body.length}`);
  }
  get() {
    this.write('target');
  }
}

class Smuggled extends RequestHandler {
  get() {
    smuggled++;
    this.write('SMUGGLED');
  }
}

class Upload extends RequestHandler {
  post() {
    this.write(`files ${Object.keys(this.request.files).length}`);
  }
}

const SMUGGLE = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';

describe('hostile input', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({ maxBodySize: 4096, handlers: [['/target', Target], ['/smuggled', Smuggled], ['/upload', Upload]] }));
  });
  after(() => server.close());
  beforeEach(() => (smuggled = 0));

  const shapes: Array<[string, string]> = [
    ['duplicate Content-Length', `POST /target HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLE.length}\r\n\r\n${SMUGGLE}`],
    ['duplicate Transfer-Encoding', `POST /target HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLE}`],
    ['Transfer-Encoding with Content-Length', `POST /target HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLE}`],
    ['non-digit Content-Length', `POST /target HTTP/1.1\r\nHost: x\r\nContent-Length: 1e2\r\n\r\n${SMUGGLE}`],
    ['negative Content-Length', `POST /target HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n${SMUGGLE}`],
    ['Transfer-Encoding xchunked', `POST /target HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLE}`],
    ['Transfer-Encoding gzip, chunked', `POST /target HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n${SMUGGLE}`],
    // uWS reads an empty value as no header at all.
    ['empty Content-Length', `POST /target HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n${SMUGGLE}`],
    ['blank Content-Length', `PUT /target HTTP/1.1\r\nHost: x\r\nContent-Length:   \r\n\r\n${SMUGGLE}`],
    ['empty Transfer-Encoding', `PATCH /target HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n${SMUGGLE}`],
  ];

  for (const [name, request] of shapes) {
    it(`refuses request smuggling shape: ${name} (400, or uWS drops the connection), never running the hidden request`, async () => {
      const { data, closedByServer } = await rawExchange(server.port, request, 10_000);
      const lines = statusLines(data);
      expect(lines.length, `${name}: ${JSON.stringify(data)}`).to.be.at.most(1);
      if (lines.length) expect(lines[0]).to.match(/^HTTP\/1\.1 400 /);
      expect(closedByServer).to.equal(true);
      expect(data).to.not.contain('SMUGGLED');
      expect(smuggled).to.equal(0);
    });
  }

  it('answers a lone smuggling shape with 400 and its reason, then closes', async () => {
    for (const [request, reason] of [
      ['POST /target HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 'Duplicate Content-Length'],
      ['POST /target HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'Duplicate Transfer-Encoding'],
      ['POST /target HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n', 'Unsupported Transfer-Encoding'],
    ]) {
      const { data, closedByServer } = await rawExchange(server.port, request, 10_000);
      expect(statusLines(data)).to.deep.equal([`HTTP/1.1 400 ${reason}`]);
      expect(closedByServer).to.equal(true);
    }
  });

  it('still serves pipelined honest requests', async () => {
    const { data } = await rawExchange(server.port, `POST /target HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /target HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(statusLines(data)).to.deep.equal(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(data).to.contain('body 3').and.contain('target');
    // A body method with no framing header at all has no body: it is not refused.
    const bare = await rawExchange(server.port, `POST /target HTTP/1.1\r\nHost: x\r\n\r\nGET /target HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(statusLines(bare.data)).to.deep.equal(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(bare.data).to.contain('body 0');
  });

  it('never lets control characters or CR/LF in requests reach a handler as a valid request', async () => {
    for (const request of [
      'GET /target HTTP/1.1\r\nHost: x\r\nX-Evil: a\x01b\r\n\r\n',
      'GET /target HTTP/1.1\r\nHost: x\r\nX-Evil: a\rb\r\n\r\n',
      'GET /tar\nget HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /target HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n',
    ]) {
      const { data } = await rawExchange(server.port, request, 300);
      expect(data, JSON.stringify(request)).to.not.contain('target\r\n').and.not.match(/^HTTP\/1\.1 200/);
    }
    expect((await server.fetch('/target')).text).to.equal('target');
  });

  it('answers 413 for oversized multipart bodies and 400 for malformed ones', async () => {
    const boundary = 'XX';
    const big = `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n${'a'.repeat(5000)}\r\n--${boundary}--\r\n`;
    const tooBig = await server.fetch('/upload', { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body: big });
    expect(tooBig.status).to.equal(413);
    for (const body of [`--${boundary}\r\nno headers here`, `--${boundary}\r\nContent-Disposition: form-data\r\n\r\nx`, 'garbage without boundary']) {
      const response = await server.fetch('/upload', { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body });
      expect(response.status, JSON.stringify(body)).to.equal(400);
    }
  });

  it('answers 400 for invalid UTF-8 in paths and arguments', async () => {
    expect((await server.fetch('/target?x=%C3%28')).status).to.equal(200); // unread arguments are not decoded
    const withArg = await TestServer.start(new Application({ handlers: [['/a/:v', class extends RequestHandler {
      get(value: string) {
        this.write(`${value}|${this.getArgument('q', '')}`);
      }
    }]] }));
    try {
      expect((await withArg.fetch('/a/%C3%28')).status).to.equal(400);
      expect((await withArg.fetch('/a/ok?q=%ED%A0%80')).status).to.equal(400);
      expect((await withArg.fetch('/a/%E2%82%AC?q=%F0%9F%98%80')).text).to.equal('€|😀');
    } finally {
      await withArg.close();
    }
  });
});
