import { expect } from 'chai';
import { Application, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';

class CookieHandler extends RequestHandler {
  get() {
    this.write({ plain: this.getCookie('plain') ?? null, user: this.getSignedCookie('user') });
  }
  post() {
    this.setSignedCookie('user', 'ann=admin');
  }
  delete() {
    this.clearCookie('__Host-session', { path: '/', secure: true, sameSite: 'none', httpOnly: true, partitioned: true, expiresDays: 30 });
    this.clearAllCookies({ path: '/app', domain: 'example.com', secure: true });
  }
}

describe('cookies', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(new Application({ handlers: [['/cookies', CookieHandler]], cookieSecret: 'a secret long enough for the tests' }));
  });
  after(() => server.close());

  it('unquotes a quoted value (RFC 6265), for plain and signed cookies, as browsers send them back', async () => {
    const set = await server.fetch('/cookies', { method: 'POST' });
    const signed = /^user=([^;]*)/.exec(set.headers.get('set-cookie')!)![1];
    for (const value of [signed, `"${signed}"`]) {
      const response = await server.fetch('/cookies', { headers: { Cookie: `plain="quoted value"; user=${value}` } });
      expect(response.json()).to.deep.equal({ plain: 'quoted value', user: 'ann=admin' });
    }
  });

  it('clears cookies with every attribute setCookie takes, so __Host-, Secure and SameSite=None cookies can be deleted', async () => {
    const response = await server.fetch('/cookies', { method: 'DELETE', headers: { Cookie: 'a=1; b=2' } });
    const cleared = response.headers.getAll('set-cookie');
    expect(cleared).to.have.length(3);
    expect(cleared[0]).to.match(/^__Host-session=; /).and.match(/Max-Age=0/).and.match(/Path=\//).and.match(/Secure/).and.match(/SameSite=None/).and.match(/HttpOnly/).and.match(/Partitioned/);
    expect(cleared[0]).to.match(/Expires=Thu, 01 Jan 1970/);
    for (const [index, name] of [[1, 'a'], [2, 'b']] as const) {
      expect(cleared[index]).to.match(new RegExp(`^${name}=; `)).and.match(/Domain=example\.com/).and.match(/Path=\/app/).and.match(/Secure/).and.match(/Max-Age=0/);
    }
  });
});
