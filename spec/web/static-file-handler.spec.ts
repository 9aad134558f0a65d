import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, utimesSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { Application, RequestHandler, StaticFileHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { captureLogs } from '../helpers/logs';
import { rawRequest, statusLines } from '../helpers/raw-http';

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex');

class UrlHandler extends RequestHandler {
  get() {
    this.write({ url: this.staticUrl(this.getArgument('p')), plain: this.staticUrl(this.getArgument('p'), { includeVersion: false }), host: this.staticUrl('a.txt', { includeHost: true }) });
  }
}

describe('StaticFileHandler', () => {
  let root: string;
  let outside: string;
  let server: TestServer;
  const text = 'hello static world\n';
  const big = Buffer.alloc(600 * 1024, 'abcdefghij');
  // Random bytes over several of the transport's 256 KiB chunks: a reused buffer overwritten
  // too early would show as bytes out of place.
  const random = randomBytes(12 * 1024 * 1024 + 7);

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'typhoon-static-'));
    outside = mkdtempSync(path.join(tmpdir(), 'typhoon-outside-'));
    writeFileSync(path.join(root, 'a.txt'), text);
    writeFileSync(path.join(root, 'style.css'), 'body { color: red }');
    writeFileSync(path.join(root, 'big.bin'), big);
    writeFileSync(path.join(root, 'random.bin'), random);
    writeFileSync(path.join(root, 'robots.txt'), 'User-agent: *');
    writeFileSync(path.join(root, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
    mkdirSync(path.join(root, 'docs'));
    writeFileSync(path.join(root, 'docs', 'index.html'), '<h1>docs</h1>');
    writeFileSync(path.join(root, 'app.js'), 'console.log("original")'.repeat(50));
    writeFileSync(path.join(root, 'app.js.br'), brotliCompressSync(Buffer.from('console.log("original")'.repeat(50))));
    writeFileSync(path.join(root, 'app.js.gz'), gzipSync(Buffer.from('console.log("original")'.repeat(50))));
    writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-out.txt'));
    symlinkSync(outside, path.join(root, 'dir-out'));
    utimesSync(path.join(root, 'a.txt'), new Date('2024-01-02T03:04:05Z'), new Date('2024-01-02T03:04:05Z'));
    server = await TestServer.start(
      new Application({
        staticPath: root,
        handlers: [['/url', UrlHandler], ['/site/*', StaticFileHandler, { path: root, defaultFilename: 'index.html' }]],
      }),
    );
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('serves files with type, length, ranges, content-hash ETag and Last-Modified', async () => {
    const response = await server.fetch('/static/a.txt');
    expect(response.status).to.equal(200);
    expect(response.text).to.equal(text);
    expect(response.headers.get('content-type')).to.equal('text/plain; charset=utf-8');
    expect(response.headers.get('content-length')).to.equal(String(text.length));
    expect(response.headers.get('accept-ranges')).to.equal('bytes');
    expect(response.headers.get('etag')).to.equal(`"${sha1(text)}"`);
    expect(response.headers.get('last-modified')).to.equal('Tue, 02 Jan 2024 03:04:05 GMT');
    expect((await server.fetch('/static/style.css')).headers.get('content-type')).to.equal('text/css; charset=utf-8');
  });

  it('answers 304 for If-None-Match (which wins) and If-Modified-Since', async () => {
    const etag = `"${sha1(text)}"`;
    expect((await server.fetch('/static/a.txt', { headers: { 'If-None-Match': etag } })).status).to.equal(304);
    expect((await server.fetch('/static/a.txt', { headers: { 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:05 GMT' } })).status).to.equal(304);
    expect((await server.fetch('/static/a.txt', { headers: { 'If-Modified-Since': 'Mon, 01 Jan 2024 00:00:00 GMT' } })).status).to.equal(200);
    const mismatch = await server.fetch('/static/a.txt', { headers: { 'If-None-Match': '"other"', 'If-Modified-Since': 'Tue, 02 Jan 2030 00:00:00 GMT' } });
    expect(mismatch.status).to.equal(200);
    const notModified = await rawRequest(server.port, `GET /static/a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${etag}\r\n\r\n`);
    expect(notModified).to.match(/^HTTP\/1\.1 304 /);
    expect(notModified).to.not.match(/content-length|content-type/i);
  });

  it('serves single byte ranges with 206 and Content-Range', async () => {
    const response = await server.fetch('/static/a.txt', { headers: { Range: 'bytes=6-11' } });
    expect([response.status, response.text, response.headers.get('content-range'), response.headers.get('content-length')]).to.deep.equal([206, 'static', `bytes 6-11/${text.length}`, '6']);
    const suffix = await server.fetch('/static/a.txt', { headers: { Range: 'bytes=-6' } });
    expect([suffix.status, suffix.text]).to.deep.equal([206, 'world\n']);
    const bigRange = await server.fetch('/static/big.bin', { headers: { Range: 'bytes=100000-100009' } });
    expect([bigRange.status, bigRange.text]).to.deep.equal([206, 'abcdefghij']);
  });

  it('evaluates preconditions in the order of RFC 9110 13.2.2, and If-Range before a Range', async () => {
    const first = await server.fetch('/static/a.txt');
    const etag = first.headers.get('etag')!;
    const modified = first.headers.get('last-modified')!;
    const past = 'Thu, 01 Jan 1970 00:00:00 GMT';
    const future = new Date(Date.now() + 86_400_000).toUTCString();
    const status = async (headers: Record<string, string>) => (await server.fetch('/static/a.txt', { headers })).status;
    expect(await status({ 'If-Match': '"other"' })).to.equal(412);
    expect(await status({ 'If-Match': `"other", ${etag}` })).to.equal(200);
    expect(await status({ 'If-Match': '*' })).to.equal(200);
    expect(await status({ 'If-Match': `W/${etag}` })).to.equal(412); // strong comparison
    expect(await status({ 'If-Unmodified-Since': past })).to.equal(412);
    expect(await status({ 'If-Unmodified-Since': future })).to.equal(200);
    expect(await status({ 'If-Match': etag, 'If-Unmodified-Since': past })).to.equal(200); // If-Match wins
    expect(await status({ 'If-None-Match': `W/${etag}` })).to.equal(304); // weak comparison
    expect(await status({ 'If-None-Match': '*' })).to.equal(304);
    expect(await status({ 'If-None-Match': '"other"', 'If-Modified-Since': future })).to.equal(200); // If-None-Match wins
    expect(await status({ 'If-Modified-Since': modified })).to.equal(304);
    const stale = await server.fetch('/static/a.txt', { headers: { Range: 'bytes=0-4', 'If-Range': '"stale"' } });
    expect([stale.status, stale.text]).to.deep.equal([200, text]);
    const current = await server.fetch('/static/a.txt', { headers: { Range: 'bytes=0-4', 'If-Range': etag } });
    expect([current.status, current.text]).to.deep.equal([206, text.slice(0, 5)]);
    const byDate = await server.fetch('/static/a.txt', { headers: { Range: 'bytes=0-4', 'If-Range': modified } });
    expect(byDate.status).to.equal(206);
  });

  it('answers 200 for a range covering the file, 416 for unsatisfiable, and ignores garbage or several ranges', async () => {
    expect((await server.fetch('/static/a.txt', { headers: { Range: `bytes=0-${text.length - 1}` } })).status).to.equal(200);
    // A suffix longer than the file selects all of it (RFC 9110 14.1.2), not 416.
    const longSuffix = await server.fetch('/static/a.txt', { headers: { Range: `bytes=-${text.length * 10}` } });
    expect([longSuffix.status, longSuffix.text]).to.deep.equal([200, text]);
    const unsatisfiable = await server.fetch('/static/a.txt', { headers: { Range: 'bytes=1000-2000' } });
    expect([unsatisfiable.status, unsatisfiable.headers.get('content-range')]).to.deep.equal([416, `bytes */${text.length}`]);
    for (const header of ['bytes=abc', 'lines=1-2', 'bytes=0-1,4-5']) {
      const response = await server.fetch('/static/a.txt', { headers: { Range: header } });
      expect([response.status, response.text], header).to.deep.equal([200, text]);
    }
  });

  it('answers HEAD with the same headers and no body', async () => {
    for (const file of ['a.txt', 'big.bin']) {
      const get = await server.fetch(`/static/${file}`);
      const raw = await rawRequest(server.port, `HEAD /static/${file} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(raw).to.match(/^HTTP\/1\.1 200 OK/);
      expect(raw).to.contain(`Content-Length: ${get.body.length}\r\n`).and.contain(`Etag: ${get.headers.get('etag')}`);
      expect(raw.endsWith('\r\n\r\n')).to.equal(true);
    }
  });

  it('streams large files whole and byte-exact', async () => {
    const response = await server.fetch('/static/big.bin');
    expect(response.body.equals(big)).to.equal(true);
    expect(response.headers.get('content-length')).to.equal(String(big.length));
  });

  it('streams byte-exact to a reader that stalls, whole and by a range across chunk boundaries', async () => {
    const slowGet = (range?: string) =>
      new Promise<{ head: string; body: Buffer }>((resolve, reject) => {
        const socket = net.connect(server.port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('error', reject);
        socket.write(`GET /static/random.bin HTTP/1.1\r\nHost: x\r\n${range ? `Range: ${range}\r\n` : ''}Connection: close\r\n\r\n`);
        // Not reading at first, then in bursts: the socket fills, uWS takes part of a chunk,
        // the rest waits for drain.
        socket.pause();
        let pacer: NodeJS.Timeout | undefined;
        setTimeout(() => (pacer = setInterval(() => (socket.isPaused() ? socket.resume() : socket.pause()), 15)), 200);
        socket.on('end', () => {
          clearInterval(pacer);
          const all = Buffer.concat(chunks);
          const split = all.indexOf('\r\n\r\n');
          resolve({ head: all.subarray(0, split).toString('latin1'), body: all.subarray(split + 4) });
        });
      });
    const whole = await slowGet();
    expect(whole.head).to.match(/^HTTP\/1\.1 200 OK/).and.contain(`Content-Length: ${random.length}`);
    expect(whole.body.length).to.equal(random.length);
    expect(sha1(whole.body)).to.equal(sha1(random));
    const part = await slowGet('bytes=200000-9000000');
    expect(part.head).to.match(/^HTTP\/1\.1 206 Partial Content/).and.contain(`Content-Range: bytes 200000-9000000/${random.length}`);
    expect(part.body.equals(random.subarray(200000, 9000001))).to.equal(true);
  });

  it('serves /robots.txt and /favicon.ico from staticPath', async () => {
    expect((await server.fetch('/robots.txt')).text).to.equal('User-agent: *');
    expect([...(await server.fetch('/favicon.ico')).body]).to.deep.equal([0, 0, 1, 0]);
  });

  it('versions staticUrl() with the content hash; versioned responses are cached for a year or more', async () => {
    const urls = (await server.fetch('/url?p=a.txt')).json<{ url: string; plain: string; host: string }>();
    expect(urls.url).to.equal(`/static/a.txt?v=${sha1(text)}`);
    expect(urls.plain).to.equal('/static/a.txt');
    expect(urls.host).to.equal(`http://127.0.0.1:${server.port}/static/a.txt?v=${sha1(text)}`);
    const versioned = await server.fetch(urls.url);
    const maxAge = Number(/max-age=(\d+)/.exec(versioned.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).to.be.at.least(365 * 86400);
    expect(Date.parse(versioned.headers.get('expires')!)).to.be.greaterThan(Date.now() + 364 * 86400_000);
    expect((await server.fetch('/static/a.txt')).headers.has('cache-control')).to.equal(false);
  });

  it('never serves outside the root: .., encoded dots, absolute paths, symlinks out', async () => {
    const attempts = ['/static/../package.json', '/static/%2e%2e/%2e%2e/etc/passwd', '/static/..%2f..%2fetc%2fpasswd', '/static//etc/passwd',
      '/static/link-out.txt', '/static/dir-out/secret.txt', '/site/%2e%2e%2f%2e%2e%2fetc/passwd', '/static/a.txt%00.png'];
    for (const attempt of attempts) {
      const response = await server.fetch(attempt);
      expect([403, 404], attempt).to.include(response.status);
      expect(response.text, attempt).to.not.contain('secret').and.not.contain('root:');
    }
    const raw = await rawRequest(server.port, 'GET /static/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(raw).to.not.contain('root:');
    expect((await server.fetch('/static/link-out.txt')).status).to.equal(403);
  });

  it('refuses directories without defaultFilename (403), redirects dir → dir/ and serves the default file', async () => {
    expect((await server.fetch('/static/docs')).status).to.equal(403);
    const redirect = await server.fetch('/site/docs?x=1');
    expect([redirect.status, redirect.headers.get('location')]).to.deep.equal([301, '/site/docs/?x=1']);
    const index = await server.fetch('/site/docs/');
    expect([index.status, index.text, index.headers.get('content-type')]).to.deep.equal([200, '<h1>docs</h1>', 'text/html; charset=utf-8']);
    expect((await server.fetch('/static/missing.txt')).status).to.equal(404);
  });

  it('refuses (403) to redirect a directory whose path starts with two slashes, which would leave the site', async () => {
    const own = await TestServer.start(new Application({ handlers: [[/^\/(.*)$/, StaticFileHandler, { path: root, defaultFilename: 'index.html' }]] }));
    try {
      const get = (target: string) => rawRequest(own.port, `GET ${target} HTTP/1.1\r\nHost: victim.example\r\n\r\n`);
      for (const target of ['//evil.example/..', '//evil.example/..%2f', '/\\evil.example/..']) {
        const answer = await get(target);
        expect([target, statusLines(answer)]).to.deep.equal([target, ['HTTP/1.1 403 Forbidden']]);
        expect(answer).to.not.match(/\r\nLocation:/i);
      }
      const fine = await get('/docs');
      expect(statusLines(fine)).to.deep.equal(['HTTP/1.1 301 Moved Permanently']);
      expect(fine).to.match(/\r\nLocation: \/docs\/\r\n/i);
    } finally {
      await own.close();
    }
  });

  it('serves a precompressed .br or .gz sibling to clients that accept it', async () => {
    const br = await server.fetch('/static/app.js', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(br.headers.get('content-encoding')).to.equal('br');
    expect(br.headers.get('vary')).to.equal('Accept-Encoding');
    expect(br.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    const gz = await server.fetch('/static/app.js', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).to.equal('gzip');
    const plain = await server.fetch('/static/app.js');
    expect(plain.headers.has('content-encoding')).to.equal(false);
    expect(plain.text).to.equal('console.log("original")'.repeat(50));
    expect(new Set([br.headers.get('etag'), gz.headers.get('etag'), plain.headers.get('etag')]).size).to.equal(3);
    const ranged = await server.fetch('/static/app.js', { headers: { 'Accept-Encoding': 'br', Range: 'bytes=0-6' } });
    expect([ranged.status, ranged.text, ranged.headers.has('content-encoding')]).to.deep.equal([206, 'console', false]);
  });

  it('picks the precompressed sibling by the q-values of Accept-Encoding, q=0 meaning not acceptable', async () => {
    const encoding = async (accept: string) => (await server.fetch('/static/app.js', { headers: { 'Accept-Encoding': accept } })).headers.get('content-encoding') ?? 'identity';
    expect(await encoding('gzip;q=0.5, br;q=0.4')).to.equal('gzip');
    expect(await encoding('br;q=0, gzip')).to.equal('gzip');
    expect(await encoding('br;q=0, gzip;q=0')).to.equal('identity');
    expect(await encoding('gzip;q=0, *')).to.equal('br');
    expect(await encoding('xbr, gzipped')).to.equal('identity'); // no substring matches
    expect(await encoding('gzip, deflate, br, zstd')).to.equal('br'); // a browser's: ties go to the smaller file
  });

  it('serves small files from memory, and picks up a changed file', async () => {
    writeFileSync(path.join(root, 'hot.txt'), 'old');
    expect((await server.fetch('/static/hot.txt')).text).to.equal('old');
    writeFileSync(path.join(root, 'hot.txt'), 'new!');
    // The disk is looked at again at most once a second: wait for the new content (no fixed
    // sleep: a busy machine only makes this take longer), then check the answer is whole.
    const deadline = Date.now() + 15_000;
    let fresh = await server.fetch('/static/hot.txt');
    while (fresh.text !== 'new!' && Date.now() < deadline) {
      expect(fresh.text).to.equal('old');
      await new Promise((resolve) => setTimeout(resolve, 50));
      fresh = await server.fetch('/static/hot.txt');
    }
    expect([fresh.text, fresh.headers.get('etag')]).to.deep.equal(['new!', `"${sha1('new!')}"`]);
  });

  describe('plain GETs of files in memory', () => {
    const logs = captureLogs('info');
    const head = (raw: string) => raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n').filter((line) => !line.startsWith('Date:'));

    it('are answered without making a handler, with the bytes the handler sends and an access log line', async () => {
      const handlerGet = StaticFileHandler.prototype.get;
      let handled = 0;
      StaticFileHandler.prototype.get = function (this: StaticFileHandler, relative: string) {
        handled++;
        return handlerGet.call(this, relative);
      };
      try {
        writeFileSync(path.join(root, 'fast.css'), 'p { margin: 0 }');
        const request = 'GET /static/fast.css HTTP/1.1\r\nHost: x\r\n\r\n';
        const cold = await rawRequest(server.port, request);
        expect(handled).to.equal(1);
        const hot = await rawRequest(server.port, request);
        expect(handled).to.equal(1);
        expect(head(hot)).to.deep.equal(head(cold));
        expect(head(hot)).to.include.members(['HTTP/1.1 200 OK', 'Content-Type: text/css; charset=utf-8', `Etag: "${sha1('p { margin: 0 }')}"`, 'Accept-Ranges: bytes', 'Content-Length: 15']);
        expect(hot.endsWith('\r\n\r\np { margin: 0 }')).to.equal(true);
        const access = logs.records.filter((record) => record.logger === 'access').map((record) => record.message);
        expect(access).to.have.length(2);
        expect(access[1]).to.match(/^200 GET \/static\/fast\.css \(127\.0\.0\.1\) \d+\.\d\dms$/);
        // Anything to negotiate goes through the handler again.
        const negotiated: Array<Record<string, string>> = [{ 'If-None-Match': '"x"' }, { Range: 'bytes=0-1' }, { 'If-Modified-Since': new Date().toUTCString() }];
        for (const headers of negotiated) {
          await server.fetch('/static/fast.css', { headers });
        }
        await server.fetch('/static/fast.css?v=1');
        await server.fetch('/static/fast.css', { method: 'HEAD' });
        expect(handled).to.equal(6);
      } finally {
        StaticFileHandler.prototype.get = handlerGet;
      }
    });

    it('still refuse untrustworthy framing', async () => {
      await server.fetch('/static/a.txt');
      const raw = await rawRequest(server.port, 'GET /static/a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab');
      expect(raw).to.match(/^HTTP\/1\.1 400 Duplicate Content-Length\r\n/);
    });
  });

  it('caches hashes per application, and re-reads files in debug mode', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'typhoon-cache-'));
    writeFileSync(path.join(folder, 'v.txt'), 'one');
    const cached = await TestServer.start(new Application({ staticPath: folder, handlers: [['/url', UrlHandler]] }));
    const debug = await TestServer.start(new Application({ staticPath: folder, debug: true, handlers: [['/url', UrlHandler]] }));
    try {
      const before = [(await cached.fetch('/url?p=v.txt')).json<{ url: string }>().url, (await debug.fetch('/url?p=v.txt')).json<{ url: string }>().url];
      writeFileSync(path.join(folder, 'v.txt'), 'two');
      const after = [(await cached.fetch('/url?p=v.txt')).json<{ url: string }>().url, (await debug.fetch('/url?p=v.txt')).json<{ url: string }>().url];
      expect(before[0]).to.equal(`/static/v.txt?v=${sha1('one')}`);
      expect(after[0]).to.equal(before[0]);
      expect(after[1]).to.equal(`/static/v.txt?v=${sha1('two')}`);
      expect((await debug.fetch('/static/v.txt')).text).to.equal('two');
    } finally {
      await Promise.all([cached.close(), debug.close()]);
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
