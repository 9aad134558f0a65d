import { expect } from 'chai';
import { Application, ConfigurationError, HTTPError, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';

class ApiHandler extends RequestHandler {
  get() {
    this.setHeader('X-Total', '3');
    this.write({ ok: true });
  }
  put() {
    throw new HTTPError(409);
  }
}

describe('CORS (the cors setting)', () => {
  let listed: TestServer;
  let open: TestServer;

  before(async () => {
    listed = await TestServer.start(new Application({
      cors: { origins: ['https://app.example'], credentials: true, exposeHeaders: ['X-Total'], maxAge: 120 },
      handlers: [['/api', ApiHandler]],
    }));
    open = await TestServer.start(new Application({ cors: { origins: '*', headers: ['Content-Type'] }, handlers: [['/api', ApiHandler]] }));
  });
  after(() => Promise.all([listed.close(), open.close()]));

  it('answers preflights without an options() method: 204 with methods, headers and max age', async () => {
    const response = await listed.fetch('/api', { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type, x-token' } });
    expect(response.status).to.equal(204);
    expect(response.headers.get('access-control-allow-origin')).to.equal('https://app.example');
    expect(response.headers.get('access-control-allow-methods')).to.equal('GET, HEAD, PUT');
    expect(response.headers.get('access-control-allow-headers')).to.equal('content-type, x-token');
    expect(response.headers.get('access-control-allow-credentials')).to.equal('true');
    expect(response.headers.get('access-control-max-age')).to.equal('120');
    expect(response.headers.getAll('vary').join(',')).to.contain('Origin');
    expect(response.body.length).to.equal(0);
  });

  it('refuses preflights from other origins or for methods the route lacks', async () => {
    const origin = await listed.fetch('/api', { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' } });
    expect(origin.status).to.equal(403);
    expect(origin.headers.has('access-control-allow-origin')).to.equal(false);
    const method = await listed.fetch('/api', { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'DELETE' } });
    expect(method.status).to.equal(403);
  });

  it('decorates actual responses, error pages included, for allowed origins only', async () => {
    const get = await listed.fetch('/api', { headers: { Origin: 'https://app.example' } });
    expect(get.headers.get('access-control-allow-origin')).to.equal('https://app.example');
    expect(get.headers.get('access-control-expose-headers')).to.equal('X-Total');
    expect(get.headers.get('access-control-allow-credentials')).to.equal('true');
    const error = await listed.fetch('/api', { method: 'PUT', headers: { Origin: 'https://app.example' }, body: 'x' });
    expect([error.status, error.headers.get('access-control-allow-origin')]).to.deep.equal([409, 'https://app.example']);
    const stranger = await listed.fetch('/api', { headers: { Origin: 'https://evil.example' } });
    expect(stranger.headers.has('access-control-allow-origin')).to.equal(false);
    expect((await listed.fetch('/api')).headers.has('access-control-allow-origin')).to.equal(false);
  });

  it("uses '*' for every origin without credentials, with the configured headers", async () => {
    const get = await open.fetch('/api', { headers: { Origin: 'https://anyone.example' } });
    expect(get.headers.get('access-control-allow-origin')).to.equal('*');
    const preflight = await open.fetch('/api', { method: 'OPTIONS', headers: { Origin: 'https://anyone.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-other' } });
    expect([preflight.status, preflight.headers.get('access-control-allow-headers')]).to.deep.equal([204, 'Content-Type']);
  });

  it('keeps a plain OPTIONS (not a preflight) on the normal path: 405 without options()', async () => {
    const response = await listed.fetch('/api', { method: 'OPTIONS' });
    expect([response.status, response.headers.get('allow')]).to.deep.equal([405, 'GET, HEAD, PUT']);
  });

  it('refuses credentials for every origin, and malformed origins settings', () => {
    expect(() => new Application({ cors: { origins: '*', credentials: true } })).to.throw(ConfigurationError, /credentials/);
    expect(() => new Application({ cors: { origins: 'https://x' as never } })).to.throw(ConfigurationError, /cors.origins/);
  });

  it('accepts a function deciding per origin', async () => {
    const byFunction = await TestServer.start(new Application({ cors: { origins: (origin) => origin.endsWith('.trusted.example') }, handlers: [['/api', ApiHandler]] }));
    try {
      expect((await byFunction.fetch('/api', { headers: { Origin: 'https://a.trusted.example' } })).headers.get('access-control-allow-origin')).to.equal('https://a.trusted.example');
      expect((await byFunction.fetch('/api', { headers: { Origin: 'https://untrusted.example' } })).headers.has('access-control-allow-origin')).to.equal(false);
    } finally {
      await byFunction.close();
    }
  });
});
