import { expect } from 'chai';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { brotliCompressSync, deflateSync } from 'node:zlib';
import { Application, AsyncHTTPClient, HTTPClientError, HTTPRequest, RequestHandler, sleep, streamRequestBody } from '../../lib';
import { TestServer } from '../../lib/testing';

class EchoHandler extends RequestHandler {
  get() {
    this.setHeader('X-Multi', 'a');
    this.addHeader('X-Multi', 'b');
    this.write({ method: this.request.method, ua: this.request.headers.get('user-agent') ?? null, auth: this.request.headers.get('authorization') ?? null, cookie: this.request.headers.get('cookie') ?? null, query: this.request.query });
  }
  post() {
    this.write({ method: 'POST', type: this.request.headers.get('content-type') ?? null, body: this.request.body.toString() });
  }
  put() {
    this.post();
  }
}

class StatusHandler extends RequestHandler {
  get(code: string) {
    this.setStatus(Number(code), code === '299' ? 'Custom Reason' : undefined);
    this.write(`status ${code}`);
  }
}

class RedirectHandler extends RequestHandler {
  async get() {
    await this.redirect(this.getArgument('to'), false, Number(this.getArgument('code', '302')));
  }
  async post() {
    await this.get();
  }
}

class SlowHandler extends RequestHandler {
  async get() {
    await sleep(Number(this.getArgument('s', '1')));
    this.write('slow');
  }
}

class EncodedHandler extends RequestHandler {
  get(kind: string) {
    const text = Buffer.from('compressed body '.repeat(100));
    this.setHeader('Content-Type', 'text/plain');
    if (kind === 'br') {
      this.setHeader('Content-Encoding', 'br');
      this.write(brotliCompressSync(text));
    } else if (kind === 'deflate') {
      this.setHeader('Content-Encoding', 'deflate');
      this.write(deflateSync(text));
    } else {
      this.write(text); // gzip through compressResponse
    }
  }
}

class StreamHandler extends RequestHandler {
  async get() {
    for (let i = 0; i < 5; i++) {
      this.write(`part${i};`);
      await this.flush();
      await sleep(0.01);
    }
  }
}

let concurrent = 0;
let maxConcurrent = 0;

class CountingHandler extends RequestHandler {
  async get() {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await sleep(0.03);
    concurrent--;
    this.write('counted');
  }
}

@streamRequestBody
class SinkHandler extends RequestHandler {
  dataReceived() {}
  put() {
    this.write('ok');
  }
}

describe('AsyncHTTPClient', () => {
  let server: TestServer;
  let other: TestServer;
  let client: AsyncHTTPClient;
  const url = (path: string) => server.url(path);

  before(async () => {
    server = await TestServer.start(
      new Application({
        compressResponse: true,
        handlers: [
          ['/echo', EchoHandler], ['/status/:code', StatusHandler], ['/redirect', RedirectHandler], ['/slow', SlowHandler],
          ['/encoded/:kind', EncodedHandler], ['/stream', StreamHandler], ['/count', CountingHandler], ['/sink', SinkHandler],
        ],
      }),
    );
    other = await TestServer.start(new Application({ handlers: [['/echo', EchoHandler]] }));
    client = new AsyncHTTPClient();
  });
  after(async () => {
    client.close();
    await Promise.all([server.close(), other.close()]);
  });

  it('fetches with code, reason, headers, body, text, json(), effectiveUrl and requestTime', async () => {
    const response = await client.fetch(url('/echo?x=1'));
    expect([response.code, response.reason]).to.deep.equal([200, 'OK']);
    expect(response.headers.getAll('x-multi')).to.deep.equal(['a', 'b']);
    expect(response.headers.get('content-type')).to.equal('application/json; charset=UTF-8');
    expect(response.json()).to.deep.include({ method: 'GET', query: 'x=1' });
    expect(response.json<{ ua: string }>().ua).to.match(/^Typhoon\//);
    expect(response.text).to.equal(response.body.toString());
    expect(response.effectiveUrl).to.equal(url('/echo?x=1'));
    expect(response.requestTime).to.be.a('number').and.greaterThan(0).and.lessThan(5);
  });

  it('sends string, Buffer and JSON bodies with the method given', async () => {
    expect((await client.fetch(url('/echo'), { method: 'POST', body: 'a=1' })).json()).to.deep.include({ body: 'a=1' });
    expect((await client.fetch(url('/echo'), { method: 'PUT', body: Buffer.from('raw') })).json()).to.deep.include({ body: 'raw' });
    expect((await client.fetch(url('/echo'), { method: 'POST', body: { k: [1] } })).json()).to.deep.equal({ method: 'POST', type: 'application/json', body: '{"k":[1]}' });
    const request = new HTTPRequest(url('/echo'), { method: 'post', body: 'via request', userAgent: 'agent/1', headers: { 'X-A': '1' } });
    expect((await client.fetch(request)).json()).to.deep.include({ body: 'via request' });
  });

  it('rejects non-2xx with HTTPClientError carrying code and response; raiseError: false returns it', async () => {
    const error = await client.fetch(url('/status/404')).catch((e) => e);
    expect(error).to.be.instanceOf(HTTPClientError);
    expect(error.code).to.equal(404);
    expect(error.response.code).to.equal(404);
    expect(error.response.text).to.equal('status 404');
    const response = await client.fetch(url('/status/503'), { raiseError: false });
    expect([response.code, response.text]).to.deep.equal([503, 'status 503']);
    const custom = await client.fetch(url('/status/299'));
    expect([custom.code, custom.reason]).to.deep.equal([299, 'Custom Reason']);
  });

  it('sends basic auth and a custom User-Agent', async () => {
    const body = (await client.fetch(url('/echo'), { authUsername: 'ann', authPassword: 'pw', userAgent: 'custom/2' })).json<{ auth: string; ua: string }>();
    expect(body.auth).to.equal(`Basic ${Buffer.from('ann:pw').toString('base64')}`);
    expect(body.ua).to.equal('custom/2');
  });

  it('follows redirects: 301/302/303 turn POST into GET, 307/308 keep it', async () => {
    for (const [code, method, body] of [[301, 'GET', undefined], [302, 'GET', undefined], [303, 'GET', undefined], [307, 'POST', 'payload'], [308, 'POST', 'payload']] as const) {
      const response = await client.fetch(url(`/redirect?code=${code}&to=/echo`), { method: 'POST', body: 'payload' });
      expect(response.json(), `code ${code}`).to.deep.include(body ? { method, body } : { method });
      expect(response.effectiveUrl).to.equal(url('/echo'));
    }
  });

  it('stops at maxRedirects (returning or raising the 3xx) and does not follow when told not to', async () => {
    const loop = `/redirect?code=302&to=${encodeURIComponent('/redirect?code=302&to=/echo')}`;
    expect((await client.fetch(url(loop), { maxRedirects: 2 })).json()).to.deep.include({ method: 'GET' });
    const error = await client.fetch(url(loop), { maxRedirects: 1 }).catch((e) => e);
    expect(error).to.be.instanceOf(HTTPClientError).and.include({ code: 302 });
    const manual = await client.fetch(url('/redirect?to=/echo'), { followRedirects: false, raiseError: false });
    expect([manual.code, manual.headers.get('location')]).to.deep.equal([302, '/echo']);
  });

  it('does not forward credentials to another origin', async () => {
    const target = encodeURIComponent(other.url('/echo'));
    const sameOrigin = await client.fetch(url('/redirect?to=/echo'), { authUsername: 'a', authPassword: 'b', headers: { Cookie: 'session=1' } });
    expect(sameOrigin.json()).to.deep.include({ cookie: 'session=1' });
    expect(sameOrigin.json<{ auth: string | null }>().auth).to.not.equal(null);
    const crossOrigin = await client.fetch(url(`/redirect?to=${target}`), { authUsername: 'a', authPassword: 'b', headers: { Cookie: 'session=1', Authorization: 'Bearer x' } });
    expect(crossOrigin.json()).to.deep.include({ auth: null, cookie: null });
    expect(crossOrigin.effectiveUrl).to.equal(other.url('/echo'));
  });

  it('times out with HTTPClientError 599 (requestTimeout), without waiting for the server', async () => {
    const error = await client.fetch(url('/slow?s=2'), { requestTimeout: 0.1 }).catch((e) => e);
    expect(error).to.be.instanceOf(HTTPClientError).and.include({ code: 599 });
    expect(error.message).to.contain('Timeout during request');
    expect((await client.fetch(url('/echo'))).code).to.equal(200);
  });

  it('times out connecting with HTTPClientError 599 (connectTimeout)', async function () {
    // A listener whose backlog is full: the kernel drops new SYNs, so connecting hangs.
    const python = spawn('python3', ['-c', "import socket,time\ns=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(0)\nprint(s.getsockname()[1], flush=True)\ntime.sleep(30)"]);
    try {
      const port = Number(await new Promise<string>((resolve) => python.stdout.once('data', (data) => resolve(String(data)))));
      const filler = net.connect(port, '127.0.0.1');
      filler.on('error', () => undefined);
      await new Promise((resolve) => filler.once('connect', resolve));
      const error = await client.fetch(`http://127.0.0.1:${port}/`, { connectTimeout: 0.3, requestTimeout: 5 }).catch((e) => e);
      filler.destroy();
      expect(error).to.be.instanceOf(HTTPClientError).and.include({ code: 599 });
      expect(error.message).to.match(/Timeout while connecting|Timeout during request/);
    } finally {
      python.kill();
    }
  });

  it('reports network failures as HTTPClientError 599 with the cause', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await client.fetch(`http://127.0.0.1:${port}/`).catch((e) => e);
    expect(error).to.be.instanceOf(HTTPClientError).and.include({ code: 599 });
    expect(error.message).to.contain('Connection refused');
    expect(error.cause).to.be.instanceOf(Error);
    const invalid = await client.fetch('ftp://example.com/').catch((e) => e);
    expect([invalid.code, invalid.message]).to.deep.equal([599, 'HTTP 599: Invalid URL "ftp://example.com/": unsupported scheme ftp:']);
  });

  it('decompresses gzip, deflate and brotli bodies, or leaves them when told', async () => {
    const expected = 'compressed body '.repeat(100);
    for (const kind of ['gzip', 'deflate', 'br']) {
      const response = await client.fetch(url(`/encoded/${kind}`));
      expect(response.text, kind).to.equal(expected);
    }
    const raw = await client.fetch(url('/encoded/br'), { decompressResponse: false });
    expect(raw.body.length).to.be.lessThan(200);
    expect(raw.headers.get('content-encoding')).to.equal('br');
  });

  it('streams the body to streamingCallback and reports header lines to headerCallback', async () => {
    const chunks: string[] = [];
    const lines: string[] = [];
    const response = await client.fetch(url('/stream'), {
      streamingCallback: async (chunk) => {
        chunks.push(chunk.toString());
        await sleep(0.001);
      },
      headerCallback: (line) => lines.push(line),
    });
    expect(chunks.join('')).to.equal('part0;part1;part2;part3;part4;');
    expect(chunks.length).to.be.greaterThan(1);
    expect(response.body.length).to.equal(0);
    expect(lines[0]).to.equal('HTTP/1.1 200 OK\r\n');
    expect(lines).to.include('Transfer-Encoding: chunked\r\n');
    expect(lines[lines.length - 1]).to.equal('\r\n');
  });

  it('queues requests beyond maxClients', async () => {
    const limited = new AsyncHTTPClient({ maxClients: 2 });
    concurrent = 0;
    maxConcurrent = 0;
    try {
      const responses = await Promise.all(Array.from({ length: 8 }, () => limited.fetch(url('/count'))));
      expect(responses.map((response) => response.text)).to.deep.equal(Array(8).fill('counted'));
      expect(maxConcurrent).to.equal(2);
    } finally {
      limited.close();
    }
  });

  it('keeps connections alive and reuses them', async () => {
    // A node:http server, whose 'connection' event counts TCP connections.
    const counting = http.createServer((request, response) => response.end('pooled'));
    let connections = 0;
    counting.on('connection', () => connections++);
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const pooled = new AsyncHTTPClient();
    try {
      const port = (counting.address() as net.AddressInfo).port;
      for (let i = 0; i < 10; i++) expect((await pooled.fetch(`http://127.0.0.1:${port}/`)).text).to.equal('pooled');
      // undici may open a second socket when the next request starts before the first socket is
      // back in the pool; without pooling this would be 10.
      expect(connections).to.be.at.most(2);
    } finally {
      pooled.close();
      counting.closeAllConnections();
      await new Promise((resolve) => counting.close(resolve));
    }
  });

  it("is owned by each Application (injectable, one per app, closed with it)", async () => {
    class Proxy extends RequestHandler {
      constructor(private client: AsyncHTTPClient) {
        super();
      }
      async get() {
        this.write((await this.client.fetch(url('/echo'))).json());
      }
    }
    Reflect.defineMetadata('design:paramtypes', [AsyncHTTPClient], Proxy);
    const app = new Application({ handlers: [['/proxy', Proxy]] });
    const proxy = await TestServer.start(app);
    const first = app.httpClient;
    expect((await proxy.fetch('/proxy')).json()).to.deep.include({ method: 'GET' });
    expect(app.container.resolve(AsyncHTTPClient)).to.equal(first);
    expect(new Application({ handlers: [] }).httpClient).to.not.equal(first);
    await proxy.close();
    expect(await first.fetch(url('/echo')).catch((e) => e.message)).to.contain('closed AsyncHTTPClient');
  });

  it('refuses fetches after close()', async () => {
    const closed = new AsyncHTTPClient();
    closed.close();
    expect(await closed.fetch(url('/echo')).catch((e) => e.message)).to.contain('closed AsyncHTTPClient');
  });

  it('streams request bodies of several megabytes', async () => {
    expect((await client.fetch(url('/sink'), { method: 'PUT', body: Buffer.alloc(5 * 1024 * 1024) })).text).to.equal('ok');
  });
});

describe('AsyncHTTPClient and responses without a body', () => {
  it('returns an empty body for 204, 304, an empty 200 and HEAD, whatever their Content-Encoding says', async () => {
    const server = http.createServer((request, response) => {
      const status = Number(request.url!.slice(1)) || 200;
      response.writeHead(status, { 'Content-Encoding': 'gzip', ...(status === 200 ? { 'Content-Length': '0' } : {}) });
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const client = new AsyncHTTPClient();
    try {
      for (const [path, method, code] of [['/204', 'GET', 204], ['/304', 'GET', 304], ['/200', 'GET', 200], ['/200', 'HEAD', 200]] as const) {
        const response = await client.fetch(`${base}${path}`, { method, raiseError: false });
        expect([path, method, response.code, response.body.length]).to.deep.equal([path, method, code, 0]);
      }
    } finally {
      client.close();
      server.close();
    }
  });
});
