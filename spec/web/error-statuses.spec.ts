import { expect } from 'chai';
import { Application, HTTPError, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';

class Thrower extends RequestHandler {
  async get(status: string) {
    await Promise.resolve();
    throw new HTTPError(Number(status));
  }
  post(status: string) {
    return this.sendError(Number(status));
  }
  put() {
    // A body with a status that forbids one: a handler mistake, answered with a 500 page.
    this.setStatus(204);
    this.write('not allowed here');
  }
}

class BrokenErrorPage extends RequestHandler {
  get() {
    throw new HTTPError(418);
  }
  override writeError(): void {
    this.write('half a page');
    throw new Error('writeError failed');
  }
}

describe('error statuses', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(new Application({ handlers: [['/status/:code', Thrower], ['/broken', BrokenErrorPage]] }));
  });
  after(() => server.close());

  it('answers a thrown HTTPError or sendError with 204, 205 or 304 completely, without an error page', async () => {
    for (const method of ['GET', 'POST']) {
      for (const code of [204, 205, 304]) {
        const response = await server.fetch(`/status/${code}`, { method, timeout: 5 });
        expect([method, response.status, response.body.length]).to.deep.equal([method, code, 0]);
        expect(response.headers.get('content-type'), `${method} ${code}`).to.equal(undefined);
        // 205 says its empty content with a length (§15.3.6); 204 and 304 have none to say.
        expect(response.headers.get('content-length'), `${method} ${code}`).to.equal(code === 205 ? '0' : undefined);
      }
    }
    // The connection is still good for the next request.
    expect((await server.fetch('/status/404', { timeout: 5 })).status).to.equal(404);
  });

  it('answers a body written with 204 with a 500 page instead of nothing', async () => {
    const response = await server.fetch('/status/204', { method: 'PUT', timeout: 5 });
    expect(response.status).to.equal(500);
    expect(response.text).to.contain('500');
  });

  it('sends a complete response when writeError itself fails', async () => {
    const response = await server.fetch('/broken', { timeout: 5 });
    expect(response.status).to.equal(418);
    expect(response.text).to.not.contain('half a page');
  });
});
