import { expect } from 'chai';
import { Application, ErrorHandler, RequestHandler } from '../../lib';
import { TestServer, type TestResponse } from '../../lib/testing';
import { captureLogs } from '../helpers/logs';

class FormHandler extends RequestHandler {
  static prepared = 0;
  override prepare() {
    FormHandler.prepared++;
  }
  get() {
    this.write({ token: this.xsrfToken, html: this.xsrfFormHtml() });
  }
  post() {
    this.write('accepted');
  }
  put() {
    this.write('accepted');
  }
  delete() {
    this.write('accepted');
  }
  options() {
    this.write('options need no token');
  }
}

class OptOut extends RequestHandler {
  override checkXsrfCookie() {}
  post() {
    this.write('no check here');
  }
}

function cookieOf(response: TestResponse, name: string): string {
  const line = response.headers.getAll('set-cookie').find((value) => value.startsWith(`${name}=`));
  expect(line, `Set-Cookie ${name}`).to.be.a('string');
  return line!.split(';')[0].slice(name.length + 1);
}

describe('XSRF protection (xsrfCookies)', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({
      xsrfCookies: true,
      xsrfCookieOptions: { sameSite: 'lax', httpOnly: false },
      handlers: [['/form', FormHandler], ['/optout', OptOut], ['/gone', ErrorHandler, { statusCode: 410 }]],
    }));
  });
  after(() => server.close());
  const logs = captureLogs('warn');

  async function session() {
    const page = await server.fetch('/form');
    const cookie = cookieOf(page, '_xsrf');
    return { cookie, token: page.json<{ token: string }>().token, page };
  }

  it('sets the _xsrf cookie with its options and gives masked tokens that differ per request', async () => {
    const { cookie, token, page } = await session();
    expect(page.headers.getAll('set-cookie')[0]).to.match(/^_xsrf=2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+; Path=\/; SameSite=Lax$/);
    expect(token).to.match(/^2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+$/);
    expect(page.json<{ html: string }>().html).to.match(/^<input type="hidden" name="_xsrf" value="2\|[0-9a-f|]+\d"\/>$/);
    const again = await server.fetch('/form', { headers: { Cookie: `_xsrf=${cookie}` } });
    expect(again.headers.has('set-cookie')).to.equal(false);
    expect(again.json<{ token: string }>().token).to.not.equal(token);
  });

  it('accepts the token from the form body, the query, X-Xsrftoken and X-Csrftoken', async () => {
    const { cookie, token } = await session();
    const headers = { Cookie: `_xsrf=${cookie}` };
    const form = await server.fetch('/form', { method: 'POST', headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `_xsrf=${encodeURIComponent(token)}` });
    expect([form.status, form.text]).to.deep.equal([200, 'accepted']);
    expect((await server.fetch(`/form?_xsrf=${encodeURIComponent(token)}`, { method: 'PUT', headers, body: 'x' })).status).to.equal(200);
    expect((await server.fetch('/form', { method: 'DELETE', headers: { ...headers, 'X-Xsrftoken': token } })).status).to.equal(200);
    expect((await server.fetch('/form', { method: 'POST', headers: { ...headers, 'X-Csrftoken': token }, body: '' })).status).to.equal(200);
  });

  it('refuses missing, malformed and cross-user tokens with 403 before prepare(), logging why', async () => {
    const { cookie, token } = await session();
    const other = await session();
    FormHandler.prepared = 0;
    const cases: Array<[string, Record<string, string>, string]> = [
      ['missing', { Cookie: `_xsrf=${cookie}` }, "'_xsrf' argument missing from POST"],
      ['malformed', { Cookie: `_xsrf=${cookie}`, 'X-Xsrftoken': '2|zz|zz|1' }, "'_xsrf' argument has invalid format"],
      ['cross-user', { Cookie: `_xsrf=${other.cookie}`, 'X-Xsrftoken': token }, 'XSRF cookie does not match POST argument'],
      ['no cookie', { 'X-Xsrftoken': token }, 'XSRF cookie does not match POST argument'],
    ];
    for (const [name, headers, reason] of cases) {
      const response = await server.fetch('/form', { method: 'POST', headers, body: '' });
      expect(response.status, name).to.equal(403);
      expect(logs.records.some((record) => record.message.includes(reason)), `${name} logged`).to.equal(true);
    }
    expect(FormHandler.prepared).to.equal(0);
  });

  it('does not check GET, HEAD, OPTIONS, 404s, ErrorHandler routes, or handlers that override checkXsrfCookie', async () => {
    expect((await server.fetch('/form', { method: 'OPTIONS' })).text).to.equal('options need no token');
    expect((await server.fetch('/nowhere', { method: 'POST', body: '' })).status).to.equal(404);
    expect((await server.fetch('/gone', { method: 'POST', body: '' })).status).to.equal(410);
    expect((await server.fetch('/optout', { method: 'POST', body: '' })).text).to.equal('no check here');
  });

  it('accepts version-1 (unmasked hex) cookies and tokens, as Tornado', async () => {
    const secret = 'ab'.repeat(16);
    const response = await server.fetch('/form', { method: 'POST', headers: { Cookie: `_xsrf=${secret}`, 'X-Xsrftoken': secret }, body: '' });
    expect(response.status).to.equal(200);
  });

  it('honours xsrfCookieName', async () => {
    const custom = await TestServer.start(new Application({ xsrfCookies: true, xsrfCookieName: 'csrf', handlers: [['/form', FormHandler]] }));
    try {
      const page = await custom.fetch('/form');
      const cookie = cookieOf(page, 'csrf');
      const token = page.json<{ token: string }>().token;
      expect((await custom.fetch('/form', { method: 'POST', headers: { Cookie: `csrf=${cookie}`, 'X-Xsrftoken': token }, body: '' })).status).to.equal(200);
      expect((await custom.fetch('/form', { method: 'POST', headers: { Cookie: `_xsrf=${cookie}`, 'X-Xsrftoken': token }, body: '' })).status).to.equal(403);
    } finally {
      await custom.close();
    }
  });
});
