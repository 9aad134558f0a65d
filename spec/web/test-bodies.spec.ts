import { expect } from 'chai';
import { Application, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';

class Form extends RequestHandler {
  post() {
    return { message: this.getBodyArgument('message'), type: this.request.headers.get('content-type') };
  }
}

describe('request bodies of the test clients (issue 28)', () => {
  let app: Application;
  let server: TestServer;
  before(async () => {
    app = new Application({ handlers: [['/form', Form]] });
    server = await TestServer.start(app);
  });
  after(() => server.close());

  it('sends URLSearchParams as a form, as fetch does: TestServer.fetch and app.inject', async () => {
    const expected = { message: 'yo & hi', type: 'application/x-www-form-urlencoded;charset=UTF-8' };
    const fetched = await server.fetch('/form', { method: 'POST', body: new URLSearchParams({ message: 'yo & hi' }) });
    expect([fetched.status, fetched.json()]).to.deep.equal([200, expected]);
    const injected = await app.inject({ method: 'POST', url: '/form', body: new URLSearchParams({ message: 'yo & hi' }) });
    expect([injected.status, injected.json()]).to.deep.equal([200, expected]);
  });

  it('refuses a FormData or a typed array body with a TypeError saying what to send, instead of sending {} as JSON', async () => {
    const form = new FormData();
    form.set('message', 'yo');
    for (const body of [form, new Uint8Array([1, 2])]) {
      const refused = await server.fetch('/form', { method: 'POST', body }).then(() => null, (error: unknown) => error);
      expect(refused).to.be.instanceOf(TypeError).with.property('message').that.matches(/^A test request's body is a string, a Buffer, URLSearchParams \(a form\) or a value sent as JSON, not a (FormData|Uint8Array)/);
    }
  });
});
