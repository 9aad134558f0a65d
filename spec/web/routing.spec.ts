import { expect } from 'chai';
import { addslash, Application, ConfigurationError, removeslash, RequestHandler, Route, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { rawRequest } from '../helpers/raw-http';

@Route('/items/:id', { name: 'item' })
@Route('/things/:kind/:id')
class ItemHandler extends RequestHandler {
  get(...args: string[]) {
    this.write({ args, kwargs: this.pathKwargs, pathArgs: this.pathArgs });
  }
}

@Route('/files/*', { name: 'files' })
class FilesHandler extends RequestHandler {
  get(rest: string) {
    this.write({ rest });
  }
}

@Route(/^\/article\/([0-9]+)$/, { name: 'article' })
class ArticleHandler extends RequestHandler {
  get(id: string) {
    this.write({ id, type: typeof id });
  }
}

@Route(/^\/named\/(?<year>\d{4})\/(?<slug>[a-z-]+)$/)
class NamedGroupsHandler extends RequestHandler {
  get(...args: string[]) {
    this.write({ args, kwargs: this.pathKwargs });
  }
}

class TupleHandler extends RequestHandler {
  greeting = '';
  override initialize(args: { greeting?: string }) {
    this.greeting = args.greeting ?? 'none';
  }
  get(name: string) {
    this.write(`${this.greeting}, ${name}`);
  }
}

class OnlyPost extends RequestHandler {
  post() {
    this.write('posted');
  }
  delete() {
    this.setStatus(204);
  }
}

describe('routing', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(
      new Application({
        handlers: [
          ItemHandler,
          FilesHandler,
          ArticleHandler,
          NamedGroupsHandler,
          ['/hello/(.+)', TupleHandler, { greeting: 'Hi' }, 'hello'],
          ['/plain/:name', TupleHandler],
          ['/only-post', OnlyPost],
        ],
      }),
    );
  });
  after(() => server.close());

  it('passes :name params positionally and by name', async () => {
    const response = await server.fetch('/things/book/42');
    expect(response.status).to.equal(200);
    expect(response.json()).to.deep.equal({ args: ['book', '42'], kwargs: { kind: 'book', id: '42' }, pathArgs: ['book', '42'] });
  });

  it('serves several @Route patterns of one class', async () => {
    expect((await server.fetch('/items/7')).json()).to.deep.include({ args: ['7'] });
  });

  it('URL-decodes path args', async () => {
    const response = await server.fetch('/items/h%C3%A9llo%20w%2Fx');
    expect(response.json()).to.deep.include({ args: ['héllo w/x'] });
  });

  it('answers 400 for path args that are not UTF-8', async () => {
    const response = await server.fetch('/items/%FF%FE');
    expect(response.status).to.equal(400);
    expect(response.text).to.contain('400: Bad Request');
  });

  it('gives the * wildcard remainder as an argument', async () => {
    expect((await server.fetch('/files/a/b/c.txt')).json()).to.deep.equal({ rest: 'a/b/c.txt' });
  });

  it('matches RegExp routes anchored, with groups as positional args', async () => {
    expect((await server.fetch('/article/123')).json()).to.deep.equal({ id: '123', type: 'string' });
    expect((await server.fetch('/article/12x')).status).to.equal(404);
    expect((await server.fetch('/x/article/12')).status).to.equal(404);
  });

  it('fills pathKwargs from named RegExp groups', async () => {
    expect((await server.fetch('/named/2024/hello-world')).json()).to.deep.equal({
      args: ['2024', 'hello-world'],
      kwargs: { year: '2024', slug: 'hello-world' },
    });
  });

  it('treats tuple string patterns with regex syntax as Tornado regexes, with init args', async () => {
    const response = await server.fetch('/hello/world');
    expect(response.text).to.equal('Hi, world');
  });

  it('routes tuple patterns in uWS syntax natively', async () => {
    expect((await server.fetch('/plain/bob')).text).to.equal('none, bob');
  });

  it('answers 404 for unknown paths', async () => {
    const response = await server.fetch('/nowhere');
    expect(response.status).to.equal(404);
    expect(response.text).to.equal('<html><title>404: Not Found</title><body>404: Not Found</body></html>');
  });

  it('answers 405 with Allow for verbs the handler lacks', async () => {
    const response = await server.fetch('/only-post');
    expect(response.status).to.equal(405);
    expect(response.headers.get('allow')).to.equal('POST, DELETE');
    const put = await server.fetch('/items/1', { method: 'PUT', body: 'x' });
    expect(put.status).to.equal(405);
    expect(put.headers.get('allow')).to.equal('GET, HEAD');
  });

  it('answers HEAD with get() headers and no body', async () => {
    const get = await server.fetch('/items/5');
    const raw = await rawRequest(server.port, 'HEAD /items/5 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(raw).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).to.contain(`Content-Length: ${get.body.length}\r\n`);
    expect(raw).to.contain(`Etag: ${get.headers.get('etag')}\r\n`);
    expect(raw.endsWith('\r\n\r\n')).to.equal(true);
    expect(raw.match(/Content-Length/g)).to.have.length(1);
  });

  it('reverses named routes of every pattern kind', () => {
    const app = server.app;
    expect(app.reverseUrl('item', 'a b')).to.equal('/items/a%20b');
    expect(app.reverseUrl('files', 'x/y z')).to.equal('/files/x/y%20z');
    expect(app.reverseUrl('article', 42)).to.equal('/article/42');
    expect(app.reverseUrl('hello', 'you')).to.equal('/hello/you');
    expect(() => app.reverseUrl('item')).to.throw(ConfigurationError, /takes 1 argument/);
    expect(() => app.reverseUrl('nope')).to.throw(ConfigurationError, /No route named 'nope'/);
  });

  it('refuses a pattern registered twice, naming both classes', () => {
    expect(() => new Application({ handlers: [['/a', TupleHandler], ['/a', OnlyPost]] })).to.throw(
      ConfigurationError,
      "Route '/a' is registered twice (TupleHandler, OnlyPost)",
    );
  });

  it('refuses an undecorated class given without a pattern', () => {
    expect(() => new Application({ handlers: [TupleHandler] })).to.throw(ConfigurationError, /has no @Route/);
  });

  it("serves a '/*' catch-all after native and RegExp routes (uWS aborted the process on it), for HTTP and WebSockets", async () => {
    class Api extends RequestHandler {
      get(id: string) {
        this.write(`api ${id}`);
      }
    }
    class Numbered extends RequestHandler {
      get(n: string) {
        this.write(`number ${n}`);
      }
    }
    class All extends RequestHandler {
      get(rest: string) {
        this.write(`all ${rest}`);
      }
    }
    class Sockets extends WebSocketHandler {
      override open(rest: string) {
        void this.writeMessage(`socket ${rest}`);
      }
    }
    class Chat extends WebSocketHandler {
      override open(room: string) {
        void this.writeMessage(`chat ${room}`);
      }
    }
    WebSocket('/*')(Sockets);
    WebSocket(/^\/chat\/(\w+)$/)(Chat);
    // Registered first on purpose: '/*' still comes after the RegExp routes.
    const app = new Application({ handlers: [['/*', All, {}, 'all'], ['/api/:id', Api], [/^\/n\/(\d+)$/, Numbered], Chat] });
    expect(app.reverseUrl('all', 'a/b c')).to.equal('/a/b%20c');
    const server = await TestServer.start(app);
    try {
      expect((await server.fetch('/api/7')).text).to.equal('api 7');
      expect((await server.fetch('/n/42')).text).to.equal('number 42');
      expect((await server.fetch('/deep/er/path')).text).to.equal('all deep/er/path');
      expect((await server.fetch('/')).text).to.equal('all ');
      expect((await server.fetch('/chat/x')).status).to.equal(426);
      const ws = await TestServer.start(new Application({ handlers: [Sockets, [/^\/n\/(\d+)$/, Numbered], Chat] }));
      try {
        const conn = await ws.websocket('/any/where');
        expect(await conn.readMessage()).to.equal('socket any/where');
        await conn.close();
        const chat = await ws.websocket('/chat/lobby');
        expect(await chat.readMessage()).to.equal('chat lobby');
        await chat.close();
        expect((await ws.fetch('/n/42')).text).to.equal('number 42');
      } finally {
        await ws.close();
      }
    } finally {
      await server.close();
    }
  });

  it('@removeslash and @addslash redirect GET/HEAD (301, keeping the query), 404 other methods, and never off the site', async () => {
    class Items extends RequestHandler {
      @removeslash
      get() {
        this.write('items');
      }
      @removeslash
      post() {
        this.write('posted');
      }
    }
    class Folder extends RequestHandler {
      @addslash
      get() {
        this.write('folder');
      }
    }
    class Anything extends RequestHandler {
      @removeslash
      get() {
        this.write('anything');
      }
    }
    const server = await TestServer.start(new Application({ handlers: [[/^\/items\/?$/, Items], [/^\/folder\/?$/, Folder], [/^\/.*$/, Anything]] }));
    try {
      const removed = await server.fetch('/items/?x=1');
      expect([removed.status, removed.headers.get('location')]).to.deep.equal([301, '/items?x=1']);
      expect((await server.fetch('/items')).text).to.equal('items');
      expect((await server.fetch('/items/', { method: 'POST', body: 'a' })).status).to.equal(404);
      const added = await server.fetch('/folder?q=2');
      expect([added.status, added.headers.get('location')]).to.deep.equal([301, '/folder/?q=2']);
      expect((await server.fetch('/folder/')).text).to.equal('folder');
      for (const target of ['//evil.example/', '//evil.example//', '/\\evil.example/']) {
        const answer = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: victim.example\r\n\r\n`);
        expect([target, answer.match(/\r\nLocation: ([^\r]*)/i)?.[1]]).to.deep.equal([target, '/evil.example']);
      }
    } finally {
      await server.close();
    }
  });

  it('refuses invalid patterns with a clear error', () => {
    expect(() => new Application({ handlers: [['/a/(unclosed', TupleHandler]] })).to.throw(ConfigurationError, /valid regular expression/);
    expect(() => new Application({ handlers: [['nolead', TupleHandler]] })).to.throw(ConfigurationError, /must start with '\/'/);
  });
});
