import { expect } from 'chai';
import { Application, ConfigurationError, HTTPError, RequestHandler, WebSocket, WebSocketHandler, type RequestHook } from '../../lib';
import { TestServer } from '../../lib/testing';
import { waitFor } from '../helpers/raw-http';

const order: string[] = [];

class Item extends RequestHandler {
  override prepare() {
    order.push('prepare');
  }
  get() {
    order.push('get');
    this.write({ user: (this as unknown as { user?: string }).user ?? null });
  }
  post() {
    throw new Error('post failed');
  }
}

@WebSocket('/live')
class Live extends WebSocketHandler {
  override prepare() {
    order.push('ws prepare');
  }
  override open() {
    order.push('ws open');
  }
}

describe('application hooks and extensions', function () {
  this.timeout(20_000);
  let server: TestServer;
  const responses: Array<[string, number]> = [];
  const errors: string[] = [];

  before(async () => {
    const app = new Application({ handlers: [['/item', Item]] });
    const tag = (name: string): RequestHook => (handler) => void order.push(`${name} ${handler.request.method}`);
    app.addHook('onRequest', tag('onRequest 1'));
    app.addHook('onRequest', async (handler) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(`onRequest 2 ${handler.request.method}`);
      (handler as unknown as { user: string }).user = handler.request.headers.get('x-user') ?? 'anonymous';
      if (handler.request.headers.get('x-deny')) throw new HTTPError(401, 'denied by a hook');
      if (handler.request.headers.get('x-redirect')) await handler.redirect('/elsewhere');
    });
    app.addHook('preHandler', tag('preHandler'));
    app.addHook('onResponse', (handler) => void responses.push([handler.request.path, handler.getStatus()]));
    app.addHook('onError', (_handler, error) => void errors.push((error as Error).message));
    // An extension adds a route and a hook of its own.
    await app.register((app, options: { path: string }) => {
      app.addHandlers([Live, [options.path, class extends RequestHandler {
        get() {
          this.write('from the extension');
        }
      }]]);
    }, { path: '/extension' });
    server = await TestServer.start(app);
  });
  after(() => server.close());

  beforeEach(() => {
    order.length = 0;
    responses.length = 0;
    errors.length = 0;
  });

  it('runs hooks in the order added, async ones awaited: onRequest, prepare, preHandler, verb, then onResponse', async () => {
    const response = await server.fetch('/item', { headers: { 'X-User': 'ann' } });
    expect(response.json()).to.deep.equal({ user: 'ann' });
    expect(order).to.deep.equal(['onRequest 1 GET', 'onRequest 2 GET', 'prepare', 'preHandler GET', 'get']);
    await waitFor(() => responses.length === 1, 5000, 'onResponse');
    expect(responses).to.deep.equal([['/item', 200]]);
  });

  it('stops at a hook that throws HTTPError or finishes the request: no later hook, no verb', async () => {
    const denied = await server.fetch('/item', { headers: { 'X-Deny': '1' } });
    expect(denied.status).to.equal(401);
    expect(order).to.deep.equal(['onRequest 1 GET', 'onRequest 2 GET']);
    order.length = 0;
    const redirected = await server.fetch('/item', { headers: { 'X-Redirect': '1' } });
    expect([redirected.status, redirected.headers.get('location')]).to.deep.equal([302, '/elsewhere']);
    expect(order).to.deep.equal(['onRequest 1 GET', 'onRequest 2 GET']);
  });

  it('tells onError hooks of an uncaught error before the error page', async () => {
    const response = await server.fetch('/item', { method: 'POST' });
    expect(response.status).to.equal(500);
    expect(errors).to.deep.equal(['post failed']);
  });

  it('runs the same hooks for WebSocket handshakes', async () => {
    const socket = await server.websocket('/live');
    await waitFor(() => order.includes('ws open'), 5000, 'open()');
    expect(order).to.deep.equal(['onRequest 1 GET', 'onRequest 2 GET', 'ws prepare', 'preHandler GET', 'ws open']);
    await waitFor(() => responses.length === 1, 5000, 'onResponse');
    expect(responses).to.deep.equal([['/live', 101]]);
    socket.close();
    const denied = await server.websocket('/live', { headers: { 'X-Deny': '1' } }).then(() => 'opened', (error: { code: number }) => error.code);
    expect(denied).to.equal(401);
  });

  it('serves the routes an extension added, and refuses hooks, handlers and extensions once serving', async () => {
    expect((await server.fetch('/extension')).text).to.equal('from the extension');
    expect(() => server.app.addHook('onRequest', () => undefined)).to.throw(ConfigurationError, /before listen\(\)/);
    expect(() => server.app.addHandlers([['/late', Item]])).to.throw(ConfigurationError, /before listen\(\)/);
    let refused: unknown;
    await server.app.register(() => undefined).catch((error) => (refused = error));
    expect(refused).to.be.instanceOf(ConfigurationError);
    expect(() => new Application({ handlers: [] }).addHook('onSend' as never, (() => undefined) as never)).to.throw(ConfigurationError, /Unknown hook 'onSend'/);
  });
});

describe('hooks scoped to a path prefix', () => {
  it('runs a prefixed hook only under its prefix, and scopes the hooks of an extension registered with one', async () => {
    const seen: string[] = [];
    class Echo extends RequestHandler {
      get() {
        this.write(this.request.path);
      }
    }
    const app = new Application({ handlers: [['/admin', Echo], ['/admin/users', Echo], ['/administrator', Echo], ['/api/items', Echo], ['/apiary', Echo], ['/open', Echo]] });
    app.addHook('preHandler', (handler) => {
      if (handler.request.headers.get('x-admin') !== 'yes') throw new HTTPError(401, 'not an admin');
    }, { prefix: '/admin' });
    await app.register((app) => {
      app.addHook('onRequest', (handler) => void seen.push(handler.request.path));
    }, { prefix: '/api' });
    const server = await TestServer.start(app);
    try {
      const status = async (path: string, headers: Record<string, string> = {}) => (await server.fetch(path, { headers })).status;
      expect(await status('/admin')).to.equal(401);
      expect(await status('/admin/users')).to.equal(401);
      expect(await status('/admin/users', { 'x-admin': 'yes' })).to.equal(200);
      expect(await status('/administrator')).to.equal(200);
      expect(await status('/open')).to.equal(200);
      for (const path of ['/api/items', '/apiary', '/open']) expect(await status(path)).to.equal(200);
      expect(seen).to.deep.equal(['/api/items']);
      expect(() => new Application({ handlers: [] }).addHook('onRequest', () => undefined, { prefix: 'admin' })).to.throw(ConfigurationError, /starting with '\/'/);
    } finally {
      await server.close();
    }
  });
});

describe('hook prefixes of nested extensions', () => {
  it('nests prefixes path-wise, and puts an explicit prefix under the extension\'s', async () => {
    class Echo extends RequestHandler {
      get() {
        this.write('ok');
      }
    }
    const app = new Application({ handlers: [['/api/v1/x', Echo], ['/api/admin/x', Echo], ['/admin/x', Echo], ['/apiv1/x', Echo]] });
    const guard = (handler: RequestHandler) => {
      throw new HTTPError(401, `guarded ${handler.request.path}`);
    };
    await app.register(async (outer) => {
      await outer.register((inner) => void inner.addHook('preHandler', guard), { prefix: '/v1' });
      outer.addHook('preHandler', guard, { prefix: '/admin' });
    }, { prefix: '/api/' });
    const server = await TestServer.start(app);
    try {
      const status = async (path: string) => (await server.fetch(path)).status;
      expect(await status('/api/v1/x')).to.equal(401);
      expect(await status('/api/admin/x')).to.equal(401);
      expect(await status('/admin/x')).to.equal(200);
      expect(await status('/apiv1/x')).to.equal(200);
    } finally {
      await server.close();
    }
  });
});
