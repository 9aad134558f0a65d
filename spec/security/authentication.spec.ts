import { expect } from 'chai';
import { Application, authenticated, createSignedValue, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';

class BaseHandler extends RequestHandler {
  static lookups = 0;
  override async getCurrentUser() {
    BaseHandler.lookups++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return this.getSignedCookie('user');
  }
}

class Private extends BaseHandler {
  @authenticated
  get() {
    this.write({ user: this.currentUser, again: this.currentUser });
  }
  @authenticated
  post() {
    this.write('posted');
  }
}

class Login extends RequestHandler {
  post() {
    this.setSignedCookie('user', this.getArgument('name'));
    this.write('logged in');
  }
}

describe('authentication', () => {
  const secrets = { 1: 'old-secret', 2: 'new-secret' };
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({
      cookieSecret: secrets, keyVersion: 2, loginUrl: '/login',
      handlers: [['/private', Private], ['/login', Login]],
    }));
  });
  after(() => server.close());

  it('redirects GET and HEAD without a user to loginUrl?next=<uri>, and refuses other methods with 403', async () => {
    const get = await server.fetch('/private?tab=1');
    expect([get.status, get.headers.get('location')]).to.deep.equal([302, '/login?next=%2Fprivate%3Ftab%3D1']);
    expect((await server.fetch('/private', { method: 'HEAD' })).status).to.equal(302);
    expect((await server.fetch('/private', { method: 'POST', body: '' })).status).to.equal(403);
  });

  it('computes an async getCurrentUser() once per request and lets the user in', async () => {
    const login = await server.fetch('/login', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=ann' });
    const cookie = login.headers.getAll('set-cookie')[0].split(';')[0];
    expect(cookie).to.match(/^user=2\|1:2\|/);
    BaseHandler.lookups = 0;
    const response = await server.fetch('/private', { headers: { Cookie: cookie } });
    expect(response.json()).to.deep.equal({ user: 'ann', again: 'ann' });
    expect(BaseHandler.lookups).to.equal(1);
    expect((await server.fetch('/private', { method: 'POST', headers: { Cookie: cookie }, body: '' })).text).to.equal('posted');
  });

  it('rotates keys: cookies signed with an older key version still verify; unknown versions do not', async () => {
    const old = createSignedValue(secrets, 'user', 'bob', { keyVersion: 1 });
    expect((await server.fetch('/private', { headers: { Cookie: `user=${old}` } })).json()).to.deep.include({ user: 'bob' });
    const unknown = createSignedValue({ 9: 'other' }, 'user', 'eve', { keyVersion: 9 });
    expect((await server.fetch('/private', { headers: { Cookie: `user=${unknown}` } })).status).to.equal(302);
  });

  it('passes an absolute next URL when loginUrl is absolute', async () => {
    const absolute = await TestServer.start(new Application({ cookieSecret: 'x', loginUrl: 'https://sso.example/login', handlers: [['/private', Private]] }));
    try {
      const response = await absolute.fetch('/private');
      expect(response.headers.get('location')).to.equal(`https://sso.example/login?next=${encodeURIComponent(`http://127.0.0.1:${absolute.port}/private`)}`);
    } finally {
      await absolute.close();
    }
  });
});
