import { expect } from 'chai';
import { Application, createSignedValue, MissingArgumentError, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';

class ArgsHandler extends RequestHandler {
  get() {
    this.write({
      a: this.getArgument('a'),
      all: this.getArguments('a'),
      missingDefault: this.getArgument('zzz', null),
      query: this.request.queryArguments,
      raw: this.getArgument('spaced', '', false),
      stripped: this.getArgument('spaced', ''),
      control: this.getArgument('ctl', ''),
    });
  }
  post() {
    this.write({
      a: this.getArgument('a'),
      body: this.getBodyArgument('a'),
      query: this.getQueryArgument('a'),
      bodyAll: this.getBodyArguments('a'),
      merged: this.request.arguments.a,
    });
  }
}

class RequiredHandler extends RequestHandler {
  get() {
    this.write(this.getArgument('needed'));
  }
}

class UploadHandler extends RequestHandler {
  post() {
    const files = Object.fromEntries(
      Object.entries(this.request.files).map(([name, list]) => [
        name,
        list.map((file) => ({ filename: file.filename, contentType: file.contentType, size: file.body.length, text: file.body.toString() })),
      ]),
    );
    this.write({ title: this.getBodyArgument('title'), files });
  }
}

class JsonHandler extends RequestHandler {
  post() {
    const data = this.request.json<{ n: number }>();
    this.write({ doubled: data.n * 2 });
  }
}

class RequestInfoHandler extends RequestHandler {
  get() {
    const r = this.request;
    this.write({
      method: r.method, uri: r.uri, path: r.path, query: r.query, version: r.version,
      agent: r.headers.get('X-Custom'), all: r.headers.getAll('x-multi'), remoteIp: r.remoteIp,
      protocol: r.protocol, host: r.host, hostName: r.hostName, fullUrl: r.fullUrl(),
      time: typeof r.requestTime(),
    });
  }
}

class CookieHandler extends RequestHandler {
  get() {
    this.write({ plain: this.getCookie('plain', 'none'), signed: this.getSignedCookie('session'), all: this.request.cookies });
  }
  post() {
    this.setCookie('plain', 'a value;with=odd chars', { httpOnly: true, sameSite: 'lax' });
    this.setSignedCookie('session', 'user-42');
    this.setCookie('plain', 'replaced');
    this.write('ok');
  }
  delete() {
    this.clearCookie('plain');
    this.clearAllCookies();
    this.write('cleared');
  }
}

describe('request input', () => {
  let server: TestServer;
  const secret = 'test-secret';

  before(async () => {
    server = await TestServer.start(
      new Application({
        cookieSecret: secret,
        handlers: [
          ['/args', ArgsHandler],
          ['/required', RequiredHandler],
          ['/upload', UploadHandler],
          ['/json', JsonHandler],
          ['/info', RequestInfoHandler],
          ['/cookies', CookieHandler],
        ],
      }),
    );
  });
  after(() => server.close());

  it('reads query arguments: last value wins, all values kept, blanks kept, default when missing', async () => {
    const response = await server.fetch('/args?a=1&a=2&b=&spaced=%20x%20&ctl=a%01b&name=J%C3%B6rg+M');
    expect(response.json()).to.deep.equal({
      a: '2', all: ['1', '2'], missingDefault: null,
      query: { a: ['1', '2'], b: [''], spaced: [' x '], ctl: ['a\u0001b'], name: ['Jörg M'] },
      raw: ' x ', stripped: 'x', control: 'a b',
    });
  });

  it('answers 400 "Missing argument" for a required argument', async () => {
    const response = await server.fetch('/required');
    expect(response.status).to.equal(400);
    expect(new MissingArgumentError('needed').message).to.contain('Missing argument needed');
    expect((await server.fetch('/required?needed=yes')).text).to.equal('yes');
  });

  it('answers 400 for arguments that are not UTF-8', async () => {
    expect((await server.fetch('/args?a=%FF')).status).to.equal(400);
  });

  it('merges urlencoded body arguments after query arguments (body wins)', async () => {
    const response = await server.fetch('/args?a=fromquery', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=frombody&a=second',
    });
    expect(response.json()).to.deep.equal({
      a: 'second', body: 'second', query: 'fromquery', bodyAll: ['frombody', 'second'], merged: ['fromquery', 'frombody', 'second'],
    });
  });

  it('parses multipart bodies with fields and files', async () => {
    const form = new FormData();
    form.append('title', 'Holiday');
    form.append('photo', new Blob([Buffer.from('PNGDATA')], { type: 'image/png' }), 'beach.png');
    form.append('photo', new Blob(['second']), 'b.txt');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    const response = await server.fetch('/upload', { method: 'POST', body, headers: { 'Content-Type': request.headers.get('content-type')! } });
    expect(response.status).to.equal(200);
    expect(response.json()).to.deep.equal({
      title: 'Holiday',
      files: {
        photo: [
          { filename: 'beach.png', contentType: 'image/png', size: 7, text: 'PNGDATA' },
          { filename: 'b.txt', contentType: 'application/octet-stream', size: 6, text: 'second' },
        ],
      },
    });
  });

  it('answers 400 with a reason for malformed multipart bodies', async () => {
    const response = await server.fetch('/upload', {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
    });
    expect(response.status).to.equal(400);
    const noBoundary = await server.fetch('/upload', { method: 'POST', headers: { 'Content-Type': 'multipart/form-data' }, body: 'x' });
    expect(noBoundary.status).to.equal(400);
    // A file part cut short errors on the file's own stream as well (this used to end the process).
    const truncatedFile = '--XYZ\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\n\r\npartial';
    for (const path of ['/upload', '/no-such-path']) {
      const cut = await server.fetch(path, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=XYZ' }, body: truncatedFile });
      expect([path, cut.status]).to.deep.equal([path, 400]);
    }
    expect((await server.fetch('/upload', { method: 'POST', body: { still: 'alive' } })).status).to.not.equal(500);
  });

  it('parses JSON bodies with request.json(), and answers 400 for malformed JSON', async () => {
    expect((await server.fetch('/json', { method: 'POST', body: { n: 21 } })).json()).to.deep.equal({ doubled: 42 });
    const bad = await server.fetch('/json', { method: 'POST', body: '{"n": ', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).to.equal(400);
    expect(bad.reason).to.equal('Malformed JSON body');
  });

  it('exposes method, uri, path, query, headers (case-insensitive, multi-valued), remote IP and URL', async () => {
    const response = await server.fetch('/info?x=1', { headers: { 'X-Custom': 'yes', 'X-Multi': ['one', 'two'] } });
    expect(response.json()).to.deep.equal({
      method: 'GET', uri: '/info?x=1', path: '/info', query: 'x=1', version: 'HTTP/1.1',
      agent: 'yes', all: ['one', 'two'], remoteIp: '127.0.0.1', protocol: 'http',
      host: `127.0.0.1:${server.port}`, hostName: '127.0.0.1', fullUrl: `http://127.0.0.1:${server.port}/info?x=1`, time: 'number',
    });
  });

  it('sets plain and signed cookies; setting one twice keeps the last', async () => {
    const response = await server.fetch('/cookies', { method: 'POST' });
    const cookies = response.headers.getAll('set-cookie');
    expect(cookies).to.have.length(2);
    expect(cookies[0]).to.match(/^session=2\|1:0\|10:\d{10}\|7:session\|12:dXNlci00Mg==\|[0-9a-f]{64}; Path=\/; Expires=/);
    expect(cookies[1]).to.equal('plain=replaced; Path=/');
  });

  it('reads cookies back, verifies signed cookies and ignores tampered ones', async () => {
    const signed = createSignedValue(secret, 'session', 'user-7');
    const good = await server.fetch('/cookies', { headers: { Cookie: `plain=a%20b; session=${signed}` } });
    expect(good.json()).to.deep.include({ plain: 'a b', signed: 'user-7' });
    const tampered = signed.replace('dXNlci03', 'dXNlci05');
    const bad = await server.fetch('/cookies', { headers: { Cookie: `session=${tampered}` } });
    expect(bad.json()).to.deep.include({ plain: 'none', signed: null });
    const otherKey = createSignedValue('other-secret', 'session', 'user-7');
    expect((await server.fetch('/cookies', { headers: { Cookie: `session=${otherKey}` } })).json()).to.deep.include({ signed: null });
    const otherName = createSignedValue(secret, 'other', 'user-7');
    expect((await server.fetch('/cookies', { headers: { Cookie: `session=${otherName}` } })).json()).to.deep.include({ signed: null });
    const old = createSignedValue(secret, 'session', 'user-7', { now: Date.now() / 1000 - 40 * 86400 });
    expect((await server.fetch('/cookies', { headers: { Cookie: `session=${old}` } })).json()).to.deep.include({ signed: null });
  });

  it('clears cookies with an expired Set-Cookie', async () => {
    const response = await server.fetch('/cookies', { method: 'DELETE', headers: { Cookie: 'a=1; b=2' } });
    const cookies = response.headers.getAll('set-cookie');
    expect(cookies.map((c) => c.split('=')[0])).to.deep.equal(['plain', 'a', 'b']);
    for (const cookie of cookies) expect(cookie).to.contain('Max-Age=0').and.contain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  });
});
