import { expect } from 'chai';
import { gunzipSync } from 'node:zlib';
import { Application, RequestHandler, UnsafeValueError } from '../../lib';
import { TestServer } from '../../lib/testing';
import { rawRequest } from '../helpers/raw-http';

class StatusHandler extends RequestHandler {
  get() {
    const code = Number(this.getArgument('code'));
    this.setStatus(code, this.getArgument('reason', undefined));
    if (code !== 204 && code !== 205 && code !== 304) this.write('body');
  }
}

/** A status without content (204, 205, 304), with what a handler might do anyway: write, flush. */
class NoContentHandler extends RequestHandler {
  async get() {
    this.setStatus(Number(this.getArgument('code')));
    if (this.getArgument('write', '')) this.write('must not be sent');
    if (this.getArgument('flush', '')) await this.flush();
  }
  head() {
    return this.get();
  }
}

class HeadersHandler extends RequestHandler {
  override setDefaultHeaders() {
    this.setHeader('X-Default', 'on');
  }
  get() {
    this.setHeader('X-One', 1);
    this.setHeader('X-Date', new Date(0));
    this.addHeader('X-Many', 'a');
    this.addHeader('X-Many', 'b');
    this.setHeader('X-Gone', 'soon');
    this.clearHeader('X-Gone');
    this.write({ header: this.getHeader('x-one') ?? null });
  }
}

class UnsafeHeaderHandler extends RequestHandler {
  get() {
    const attempts: Record<string, string> = {};
    const tries: Array<[string, () => void]> = [
      ['crlf', () => this.setHeader('X-Evil', 'a\r\nSet-Cookie: pwned=1')],
      ['lf', () => this.addHeader('X-Evil', 'a\nb')],
      ['nul', () => this.setHeader('X-Evil', 'a\0b')],
      ['name', () => this.setHeader('X Evil', 'a')],
      ['reason', () => this.setStatus(200, 'OK\r\nX: y')],
      ['status', () => this.setStatus(1000)],
      ['cookie', () => this.setCookie('bad name', 'v')],
      ['cookiepath', () => this.setCookie('ok', 'v', { path: '/\r\nX: y' })],
    ];
    for (const [name, attempt] of tries) {
      try {
        attempt();
        attempts[name] = 'accepted';
      } catch (error) {
        attempts[name] = error instanceof UnsafeValueError ? 'refused' : String(error);
      }
    }
    this.write(attempts);
  }
}

class WriteKinds extends RequestHandler {
  get() {
    const kind = this.getArgument('kind');
    if (kind === 'object') this.write({ a: 1 });
    if (kind === 'array') this.write([1, 2]);
    if (kind === 'buffer') this.write(Buffer.from([0, 1, 2, 255]));
    if (kind === 'mixed') {
      this.write('a');
      this.write(Buffer.from('b'));
      this.write('c');
    }
  }
}

class FlushHandler extends RequestHandler {
  async get() {
    for (let i = 0; i < 3; i++) {
      this.write(`chunk${i};`);
      await this.flush();
    }
    await this.finish('end');
  }
}

class BigFlushHandler extends RequestHandler {
  static flushed = 0;
  async get() {
    const chunk = Buffer.alloc(1024 * 1024, 97);
    for (let i = 0; i < 32; i++) {
      this.write(chunk);
      await this.flush();
      BigFlushHandler.flushed = i + 1;
    }
  }
}

class RedirectingHandler extends RequestHandler {
  async get() {
    const kind = this.getArgument('kind', 'temp');
    if (kind === 'perm') return this.redirect('/target', true);
    if (kind === 'see') return this.redirect('/target', false, 303);
    if (kind === 'unsafe') return this.redirect('/x\r\nSet-Cookie: a=b/caf\u00e9 \ud800');
    return this.redirect('/target?x=1');
  }
}

class ClearHandler extends RequestHandler {
  get() {
    this.setHeader('X-Before', '1');
    this.setStatus(418);
    this.write('discarded');
    this.clear();
    this.write('kept');
  }
}

class SendErrorHandler extends RequestHandler {
  async get() {
    this.write('partial that must vanish');
    await this.sendError(503, { reason: 'Try Later' });
  }
}

class EtagHandler extends RequestHandler {
  get() {
    this.write('same body');
  }
  post() {
    this.write('posted body');
  }
}

class CustomEtagHandler extends RequestHandler {
  override computeEtag() {
    return null;
  }
  get() {
    this.write('no etag');
  }
}

class TextHandler extends RequestHandler {
  get() {
    const size = Number(this.getArgument('size'));
    this.setHeader('Content-Type', this.getArgument('type', 'text/plain'));
    this.write('x'.repeat(size));
  }
}

class StreamedTextHandler extends RequestHandler {
  async get() {
    this.setHeader('Content-Type', 'text/plain');
    this.write('y'.repeat(2000));
    await this.flush();
    this.write('z'.repeat(2000));
  }
}

describe('response output', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(
      new Application({
        handlers: [
          ['/status', StatusHandler], ['/headers', HeadersHandler], ['/unsafe', UnsafeHeaderHandler],
          ['/write', WriteKinds], ['/flush', FlushHandler], ['/bigflush', BigFlushHandler],
          ['/redirect', RedirectingHandler], ['/clear', ClearHandler], ['/senderror', SendErrorHandler],
          ['/etag', EtagHandler], ['/noetag', CustomEtagHandler], ['/nocontent', NoContentHandler],
        ],
      }),
    );
  });
  after(() => server.close());

  it('sends default headers: Content-Type text/html, Date, Content-Length (no Server banner)', async () => {
    const response = await server.fetch('/status?code=200');
    expect(response.headers.get('content-type')).to.equal('text/html; charset=UTF-8');
    expect(response.headers.has('server')).to.equal(false);
    expect(Date.parse(response.headers.get('date')!)).to.be.closeTo(Date.now(), 5000);
    expect(response.headers.get('content-length')).to.equal('4');
  });

  it('sets status codes with standard and custom reasons', async () => {
    const teapot = await server.fetch('/status?code=418');
    expect([teapot.status, teapot.reason]).to.deep.equal([418, "I'm a Teapot"]);
    const custom = await server.fetch('/status?code=299&reason=Fine%20Thanks');
    expect([custom.status, custom.reason]).to.deep.equal([299, 'Fine Thanks']);
  });

  it('sends 204 and 304 without body, Content-Length or Content-Type', async () => {
    for (const code of [204, 304]) {
      const raw = await rawRequest(server.port, `GET /status?code=${code} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(raw).to.match(new RegExp(`^HTTP/1\\.1 ${code} `));
      expect(raw).to.not.match(/content-length|content-type|transfer-encoding/i);
      expect(raw.endsWith('\r\n\r\n')).to.equal(true);
    }
  });

  /** The head of a raw answer, its framing headers, and what follows the head. */
  const noContent = async (method: string, query: string) => {
    const raw = await rawRequest(server.port, `${method} /nocontent?${query} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const end = raw.indexOf('\r\n\r\n');
    const head = raw.slice(0, end);
    return {
      status: head.split('\r\n')[0],
      framing: head.split('\r\n').filter((line) => /^(content-length|transfer-encoding|content-type):/i.test(line)),
      rest: raw.slice(end + 4),
    };
  };

  it('sends 205 Reset Content with Content-Length: 0 and nothing after the head (RFC 9110 §15.3.6), for GET and HEAD', async () => {
    for (const method of ['GET', 'HEAD']) {
      for (const query of ['code=205', 'code=205&flush=1']) {
        expect(await noContent(method, query), `${method} ${query}`).to.deep.equal({ status: 'HTTP/1.1 205 Reset Content', framing: ['Content-Length: 0'], rest: '' });
      }
    }
  });

  it('sends 204 and 304 after a flush() with nothing written as without it: no Content-Length, no Transfer-Encoding', async () => {
    for (const [code, status] of [[204, 'HTTP/1.1 204 No Content'], [304, 'HTTP/1.1 304 Not Modified']] as const) {
      for (const method of ['GET', 'HEAD']) {
        expect(await noContent(method, `code=${code}&flush=1`), `${method} ${code}`).to.deep.equal({ status, framing: [], rest: '' });
      }
    }
  });

  it('refuses a body written with 204, 205 or 304 (a 500 page, as Tornado asserts), also when it is flushed', async () => {
    for (const code of [204, 205, 304]) {
      for (const query of [`code=${code}&write=1`, `code=${code}&write=1&flush=1`]) {
        const answer = await noContent('GET', query);
        expect(answer.status, query).to.equal('HTTP/1.1 500 Internal Server Error');
        expect(answer.rest, query).to.not.contain('must not be sent');
      }
    }
  });

  it('sets, adds, clears headers; setDefaultHeaders applies to every response', async () => {
    const response = await server.fetch('/headers');
    expect(response.headers.get('x-one')).to.equal('1');
    expect(response.headers.get('x-date')).to.equal('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(response.headers.getAll('x-many')).to.deep.equal(['a', 'b']);
    expect(response.headers.has('x-gone')).to.equal(false);
    expect(response.headers.get('x-default')).to.equal('on');
    expect(response.json()).to.deep.equal({ header: '1' });
  });

  it('puts every header on the wire as its own line, in the order set', async () => {
    const raw = await rawRequest(server.port, 'GET /headers HTTP/1.1\r\nHost: x\r\n\r\n');
    const head = raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');
    const etag = head.find((line) => line.startsWith('Etag: '));
    expect(head.slice(0, 8)).to.deep.equal([
      'HTTP/1.1 200 OK',
      'Content-Type: application/json; charset=UTF-8',
      'X-Default: on',
      'X-One: 1',
      'X-Date: Thu, 01 Jan 1970 00:00:00 GMT',
      'X-Many: a',
      'X-Many: b',
      etag,
    ]);
    expect(etag).to.match(/^Etag: "[0-9a-f]{40}"$/);
    expect(head.filter((line) => line.startsWith('Content-Length: '))).to.deep.equal(['Content-Length: 14']);
  });

  it('refuses CR/LF and control characters in headers, reasons, cookies and Location', async () => {
    const response = await server.fetch('/unsafe');
    expect(response.json()).to.deep.equal({
      crlf: 'refused', lf: 'refused', nul: 'refused', name: 'refused', reason: 'refused', status: 'refused',
      cookie: 'refused', cookiepath: 'refused',
    });
    expect(response.headers.has('set-cookie')).to.equal(false);
    expect(response.headers.has('x-evil')).to.equal(false);
  });

  it('writes objects and arrays as JSON, Buffers as bytes, and concatenates chunks', async () => {
    const object = await server.fetch('/write?kind=object');
    expect(object.headers.get('content-type')).to.equal('application/json; charset=UTF-8');
    expect(object.text).to.equal('{"a":1}');
    expect((await server.fetch('/write?kind=array')).json()).to.deep.equal([1, 2]);
    expect([...(await server.fetch('/write?kind=buffer')).body]).to.deep.equal([0, 1, 2, 255]);
    expect((await server.fetch('/write?kind=mixed')).text).to.equal('abc');
  });

  it('streams with flush(): chunked encoding, no Content-Length', async () => {
    const raw = await rawRequest(server.port, 'GET /flush HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(raw).to.contain('Transfer-Encoding: chunked');
    expect(raw).to.not.contain('Content-Length');
    // How writes are cut into chunks is the transport's (Node 24 joins writes made in one tick).
    const chunks = dechunk(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    expect(chunks.join('')).to.equal('chunk0;chunk1;chunk2;end');
    expect(chunks[0]).to.equal('chunk0;');
    // HEAD answers with the GET's headers: chunked, so no length and no ETag of the last chunk.
    const head = await rawRequest(server.port, 'HEAD /flush HTTP/1.1\r\nHost: x\r\n\r\n');
    const [headPart, ...rest] = head.split('\r\n\r\n');
    expect(headPart).to.match(/^HTTP\/1\.1 200 OK\r\n/).and.match(/\r\nTransfer-Encoding: chunked(\r\n|$)/);
    expect(headPart).to.not.match(/Content-Length|Etag/i);
    expect(rest).to.deep.equal(['']);
  });

  it('flush() waits for a slow reader instead of buffering everything', async () => {
    BigFlushHandler.flushed = 0;
    const net = await import('node:net');
    const socket = net.connect(server.port, '127.0.0.1');
    socket.write('GET /bigflush HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    // A chance to flush ahead of the reader; a busy machine can only make this check weaker.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const whilePaused = BigFlushHandler.flushed;
    let received = 0;
    socket.on('data', (chunk) => (received += chunk.length));
    const ended = new Promise((resolve) => socket.on('data', () => received >= 32 * 1024 * 1024 && resolve(null)));
    socket.resume();
    await ended;
    socket.destroy();
    expect(whilePaused).to.be.lessThan(20);
    expect(BigFlushHandler.flushed).to.equal(32);
  });

  it('redirects with 302, 301 and a given 3xx status', async () => {
    const temp = await server.fetch('/redirect');
    expect([temp.status, temp.headers.get('location')]).to.deep.equal([302, '/target?x=1']);
    expect((await server.fetch('/redirect?kind=perm')).status).to.equal(301);
    expect((await server.fetch('/redirect?kind=see')).status).to.equal(303);
    // What a URL cannot hold (often a decoded path argument) is percent-encoded, never a header break.
    const unsafe = await server.fetch('/redirect?kind=unsafe');
    expect([unsafe.status, unsafe.headers.get('location'), unsafe.headers.has('set-cookie')]).to.deep.equal([302, '/x%0D%0ASet-Cookie:%20a=b/caf%C3%A9%20%EF%BF%BD', false]);
  });

  it('clear() resets status, headers and body to the defaults', async () => {
    const response = await server.fetch('/clear');
    expect([response.status, response.text, response.headers.has('x-before')]).to.deep.equal([200, 'kept', false]);
  });

  it('sendError() discards buffered output and renders the error page', async () => {
    const response = await server.fetch('/senderror');
    expect([response.status, response.reason]).to.deep.equal([503, 'Try Later']);
    expect(response.text).to.equal('<html><title>503: Try Later</title><body>503: Try Later</body></html>');
  });

  it('adds an ETag to 200 GET responses and answers 304 when it matches', async () => {
    const first = await server.fetch('/etag');
    const etag = first.headers.get('etag')!;
    expect(etag).to.match(/^"[0-9a-f]{40}"$/);
    const again = await server.fetch('/etag', { headers: { 'If-None-Match': etag } });
    expect(again.status).to.equal(304);
    expect(again.body.length).to.equal(0);
    expect(again.headers.get('etag')).to.equal(etag);
    const weak = await server.fetch('/etag', { headers: { 'If-None-Match': `"nope", W/${etag}` } });
    expect(weak.status).to.equal(304);
    expect((await server.fetch('/etag', { headers: { 'If-None-Match': '*' } })).status).to.equal(304);
    expect((await server.fetch('/etag', { headers: { 'If-None-Match': '"other"' } })).status).to.equal(200);
    const post = await server.fetch('/etag', { method: 'POST', headers: { 'If-None-Match': etag } });
    expect(post.status).to.equal(200);
    expect(post.headers.has('etag')).to.equal(false);
    expect((await server.fetch('/noetag')).headers.has('etag')).to.equal(false);
  });

  describe('with compressResponse', () => {
    let gz: TestServer;
    before(async () => {
      gz = await TestServer.start(new Application({ compressResponse: true, handlers: [['/text', TextHandler], ['/streamed', StreamedTextHandler]] }));
    });
    after(() => gz.close());

    it('gzips text of 1 KiB or more when accepted, with Vary: Accept-Encoding', async () => {
      const response = await gz.fetch('/text?size=5000', { headers: { 'Accept-Encoding': 'gzip, br' } });
      expect(response.headers.get('content-encoding')).to.equal('gzip');
      expect(response.headers.get('vary')).to.equal('Accept-Encoding');
      expect(Number(response.headers.get('content-length'))).to.equal(response.body.length).and.lessThan(200);
      expect(gunzipSync(response.body).toString()).to.equal('x'.repeat(5000));
    });

    it('honours q-values: gzip;q=0 is not gzipped, identity;q=0 with gzip is', async () => {
      const refused = await gz.fetch('/text?size=5000', { headers: { 'Accept-Encoding': 'gzip;q=0, br' } });
      expect(refused.headers.has('content-encoding')).to.equal(false);
      const preferred = await gz.fetch('/text?size=5000', { headers: { 'Accept-Encoding': 'identity;q=0, gzip;q=0.1' } });
      expect(preferred.headers.get('content-encoding')).to.equal('gzip');
      const substring = await gz.fetch('/text?size=5000', { headers: { 'Accept-Encoding': 'x-gzip-not' } });
      expect(substring.headers.has('content-encoding')).to.equal(false);
    });

    it('leaves small bodies, binary types and clients without gzip alone', async () => {
      const small = await gz.fetch('/text?size=100', { headers: { 'Accept-Encoding': 'gzip' } });
      expect(small.headers.has('content-encoding')).to.equal(false);
      const binary = await gz.fetch('/text?size=5000&type=image/png', { headers: { 'Accept-Encoding': 'gzip' } });
      expect(binary.headers.has('content-encoding')).to.equal(false);
      const plain = await gz.fetch('/text?size=5000');
      expect(plain.headers.has('content-encoding')).to.equal(false);
      expect(plain.headers.get('vary')).to.equal('Accept-Encoding');
      expect(plain.text).to.equal('x'.repeat(5000));
    });

    it('gzips flushed (chunked) responses as one stream', async () => {
      const response = await gz.fetch('/streamed', { headers: { 'Accept-Encoding': 'gzip' } });
      expect(response.headers.get('content-encoding')).to.equal('gzip');
      expect(response.headers.get('transfer-encoding')).to.equal('chunked');
      expect(gunzipSync(response.body).toString()).to.equal('y'.repeat(2000) + 'z'.repeat(2000));
    });
  });
});

/** The chunks of a chunked body (RFC 9112 7.1), ending at the last chunk; throws on a malformed one. */
function dechunk(body: string): string[] {
  const chunks: string[] = [];
  for (let at = 0; ; ) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!(size >= 0)) throw new Error(`bad chunk size at ${at}: ${JSON.stringify(body.slice(at, at + 20))}`);
    if (size === 0) return chunks;
    chunks.push(body.slice(eol + 2, eol + 2 + size));
    if (body.slice(eol + 2 + size, eol + 4 + size) !== '\r\n') throw new Error(`chunk at ${at} does not end with CRLF`);
    at = eol + 4 + size;
  }
}
