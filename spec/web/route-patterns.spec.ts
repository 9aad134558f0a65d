import { expect } from 'chai';
import { Application, ConfigurationError, RequestHandler, Route, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { uwsAvailability } from '../../lib/transport/uws';

class ItemHandler extends RequestHandler {
  get(...args: string[]) {
    this.write({ args, kwargs: this.pathKwargs });
  }
}

class ItemSocket extends WebSocketHandler {}

/** The ConfigurationError a pattern given in the handlers setting gets (none: fails). */
function refusal(pattern: string | RegExp): ConfigurationError {
  try {
    new Application({ handlers: [[pattern, ItemHandler]] });
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  expect.fail(`${String(pattern)} was accepted`);
}

/** The pattern a message tells to write ("write '/items/:id'"). */
function suggested(message: string): string {
  const found = /write (?:the regular expression |a regular expression with a named group, )?'([^']+)'/.exec(message);
  expect(found, message).to.not.equal(null);
  return found![1];
}

describe('route patterns that cannot mean what was written (issue 28)', () => {
  const mistakes: Array<[string, string, RegExp]> = [
    ['/items/{id}', "write '/items/:id'", /OpenAPI/],
    ['/files/{path:path}', "write '/files/*'", /FastAPI/],
    ['/items/<int:id>', "write '/items/:id'", /Flask/],
    ['/items/:id?', "register both '/items' and '/items/:id'", /Typhoon has no optional parameters/],
    ['/items/:id(\\d+)', "'/items/(?<id>\\d+)'", /Express/],
    ['/files/:path*', "write '/files/*'", /Express/],
    ['/items/:id.json', "'/items/(?<id>[^/]+?)\\.json'", /a parameter takes a whole segment/],
    ['/article/(?P<id>\\d+)', "JavaScript writes named groups (?<name>...): write '/article/(?<id>\\d+)'", /Python's named group/],
    ['/items/(\\d+)\\Z', "write '/items/(\\d+)'", /reads as a letter/],
    ['(?i)/items', 'e.g. /\\/items/i', /inline flags/],
    ['/a/:x/b/:x', "e.g. write '/a/:x/b/:x2'", /names two parameters ':x'/],
    ['/:', "as in '/items/:id'", /without a valid name/],
    ['/a/*/b', "as the whole last segment ('/files/*'", /'\*' in the middle/],
    ['/files*', "as the whole last segment ('/files/*'", /'\*' in 'files\*'/],
    ['/search?q=:q', "route '/search' and read the query with getArgument('q')", /query string/],
    ['/page#top', 'starts the fragment', /never send it/],
    ['/café', "write '/caf%C3%A9'", /percent-encode/],
    ['/100%', "write '/100%25'", /no percent-encoding/],
    ['items/:id', "write '/items/:id'", /must start with '\/'/],
  ];

  for (const [pattern, fix, why] of mistakes) {
    it(`refuses '${pattern}' in the handlers setting, naming the class, the pattern and the fix`, () => {
      const error = refusal(pattern);
      expect(error.message).to.contain(`Route '${pattern}' of ItemHandler `).and.contain(fix).and.match(why);
      expect(error.code).to.equal('TYPHOON_ERR_CONFIGURATION');
    });
  }

  it('refuses RegExps that never match: a first character other than /, {id}, Python anchors', () => {
    expect(refusal(/items\/(\d+)/).message).to.contain('Route /items\\/(\\d+)/ of ItemHandler never matches').and.contain('write /^\\/items\\/(\\d+)/');
    expect(refusal(/\/items\/{id}/).message).to.contain('write a named group, /\\/items\\/(?<id>[^/]+)/');
    expect(refusal(new RegExp('/items/(\\d+)\\Z')).message).to.contain("Python's anchor");
  });

  it('refuses at class definition with @Route and @WebSocket, naming the class', () => {
    expect(() => {
      @Route('/items/{id}')
      class Items extends RequestHandler {}
      return Items;
    }).to.throw(ConfigurationError, "Route '/items/{id}' of Items writes a parameter as '{id}'");
    expect(() => {
      @WebSocket('/rooms/:room?')
      class Rooms extends WebSocketHandler {}
      return Rooms;
    }).to.throw(ConfigurationError, "Route '/rooms/:room?' of Rooms has an optional parameter");
    expect(() => Route(42 as never)(ItemHandler)).to.throw(ConfigurationError, "The route pattern of ItemHandler must be a string ('/items/:id') or a RegExp, got number");
  });

  it('refuses through addHandlers() and WebSocket tuples too', () => {
    const app = new Application({ handlers: [] });
    expect(() => app.addHandlers([['/items/:id', ItemHandler], ['/items/{id}/edit', ItemHandler]])).to.throw(ConfigurationError, "Route '/items/{id}/edit' of ItemHandler");
    expect(() => new Application({ handlers: [['/ws/<room>', ItemSocket]] })).to.throw(ConfigurationError, "Route '/ws/<room>' of ItemSocket writes a parameter as '<room>' (Flask syntax)");
  });

  it('accepts what Tornado users write: a regular-expression string with ^ and $, a literal colon, an encoded character', async () => {
    const app = new Application({
      handlers: [['^/article/([0-9]+)$', ItemHandler], ['/v1/things:batchGet', ItemHandler], ['/caf%C3%A9/:id', ItemHandler]],
    });
    const server = await TestServer.start(app);
    try {
      expect((await server.fetch('/article/12')).json()).to.deep.equal({ args: ['12'], kwargs: {} });
      expect((await server.fetch('/article/12x')).status).to.equal(404);
      expect((await server.fetch('/v1/things:batchGet')).status).to.equal(200);
      expect((await server.fetch(`/${encodeURIComponent('café')}/1`)).json()).to.deep.equal({ args: ['1'], kwargs: { id: '1' } });
    } finally {
      await server.close();
    }
  });

  for (const transport of ['uws', 'node'] as const) {
    it(`serves the pattern each message tells to write, as meant (${transport} transport)`, async function () {
      // No uWS build loads on some Node.js and glibc pairs (CI's Node.js 24 on Debian 12).
      if (transport === 'uws' && !uwsAvailability().uws) this.skip();
      const meant: Array<[string, string, unknown]> = [
        ['/items/{id}', '/items/5', { args: ['5'], kwargs: { id: '5' } }],
        ['/files/{path:path}', '/files/a/b.txt', { args: ['a/b.txt'], kwargs: {} }],
        ['/users/:id(\\d+)', '/users/42', { args: ['42'], kwargs: { id: '42' } }],
        ['/docs/:name.json', '/docs/guide.json', { args: ['guide'], kwargs: { name: 'guide' } }],
        ['/article/(?P<slug>[a-z-]+)', '/article/hello-world', { args: ['hello-world'], kwargs: { slug: 'hello-world' } }],
        ['/a/:x/b/:x', '/a/1/b/2', { args: ['1', '2'], kwargs: { x: '1', x2: '2' } }],
        ['/café', `/${encodeURIComponent('café')}`, { args: [], kwargs: {} }],
      ];
      const handlers = meant.map(([pattern]) => [suggested(refusal(pattern).message), ItemHandler] as [string, typeof ItemHandler]);
      const server = await TestServer.start(new Application({ handlers, transport }));
      try {
        for (const [pattern, path, body] of meant) {
          const response = await server.fetch(path);
          expect([pattern, response.status, response.json()]).to.deep.equal([pattern, 200, body]);
        }
      } finally {
        await server.close();
      }
    });
  }
});
