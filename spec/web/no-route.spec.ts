import { expect } from 'chai';
import { Application, RequestHandler, WebSocketHandler } from '../../lib';

class Item extends RequestHandler {
  get(id: string) {
    return { id };
  }
}

class Echo extends WebSocketHandler {}

describe('a path no route matches (issue 28)', () => {
  it('lists the routes on the 404 page in debug, not a stack trace of the default handler', async () => {
    const app = new Application({ handlers: [['/items/:id', Item], [/^\/article\/(\d+)$/, Item], ['/ws', Echo]], serveTraceback: true });
    const response = await app.inject({ method: 'GET', url: '/item/42' });
    expect(response.status).to.equal(404);
    expect(response.headers.get('content-type')).to.equal('text/plain; charset=UTF-8');
    expect(response.text).to.equal([
      '404: Not Found',
      '',
      "No route matches GET /item/42. The application's routes:",
      '  /items/:id  Item',
      '  ^\\/article\\/(\\d+)$  Item',
      '  /ws  Echo (WebSocket)',
      '',
      '(Listed because serveTraceback or debug is on.)',
      '',
    ].join('\n'));
    expect(response.text).to.not.contain('at ');
  });

  it('keeps the plain 404 page without serveTraceback, and a defaultHandlerClass answers as before', async () => {
    const plain = await new Application({ handlers: [['/items/:id', Item]] }).inject('/item/42');
    expect(plain.status).to.equal(404);
    expect(plain.text).to.not.contain('/items/:id');
    class Custom extends RequestHandler {
      override prepare() {
        this.setStatus(404);
        return this.finish('custom');
      }

      get() {}
    }
    const custom = await new Application({ handlers: [['/items/:id', Item]], defaultHandlerClass: Custom, serveTraceback: true }).inject('/item/42');
    expect([custom.status, custom.text]).to.deep.equal([404, 'custom']);
  });
});
