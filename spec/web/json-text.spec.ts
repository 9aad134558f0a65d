import { expect } from 'chai';
import { Application, Finish, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { captureLogs } from '../helpers/logs';

const circular: Record<string, unknown> = {};
circular.self = circular;

/** Values write() cannot send, by `?value=`; `?via=` picks write(), finish() or Finish. */
const UNSENDABLE: Record<string, () => unknown> = {
  undefined: () => undefined,
  function: () => function answer() {},
  symbol: () => Symbol('answer'),
  bigint: () => 10n,
  promise: () => Promise.resolve({ late: true }),
  circular: () => circular,
  tojson: () => ({ toJSON: () => undefined }),
};

class WriteHandler extends RequestHandler {
  async get() {
    const value = UNSENDABLE[this.getArgument('value')]() as object;
    const via = this.getArgument('via', 'write');
    if (via === 'write') this.write(value);
    if (via === 'finish') await this.finish(value);
    if (via === 'Finish') throw new Finish(value);
  }
}

class NullHandler extends RequestHandler {
  async get() {
    if (this.getArgument('via') === 'Finish') throw new Finish(null as unknown as object);
    await this.finish(null);
  }
}

describe('what write() cannot send', function () {
  this.timeout(20_000);
  const logs = captureLogs('error');
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application([['/write', WriteHandler], ['/null', NullHandler]]));
  });
  after(() => server.close());

  /** The error the request logged. */
  const logged = () => logs.records.map((record) => record.error).find((error): error is TypeError => error instanceof TypeError);

  const cases: Array<[string, RegExp]> = [
    ['undefined', /was given undefined, which has no JSON text; a response or message is a string, a Buffer or Uint8Array, or a value with JSON text/],
    ['function', /was given a function \(answer\), which has no JSON text/],
    ['symbol', /was given a symbol, which has no JSON text/],
    ['bigint', /was given a bigint, which JSON\.stringify refuses \(Do not know how to serialize a BigInt\)/],
    ['promise', /was given a Promise: await it and pass its value/],
    ['circular', /was given an object \(Object\), which JSON\.stringify refuses \(Converting circular structure/],
    ['tojson', /was given an object \(Object\), which has no JSON text/],
  ];
  for (const [value, message] of cases) {
    it(`answers 500 for write(${value}) with a TypeError naming the handler and what write() takes`, async () => {
      const response = await server.fetch(`/write?value=${value}`);
      expect(response.status).to.equal(500);
      const error = logged();
      expect(error?.message).to.match(/^WriteHandler\.write\(\) /).and.to.match(message);
      expect(error).to.have.property('code', 'TYPHOON_ERR_INVALID_ARGUMENT');
      // Nothing from inside the ETag code or the transport.
      expect(error?.stack).not.to.match(/etag/i);
    });
  }

  it('refuses the same values in finish(chunk) and new Finish(body)', async () => {
    for (const via of ['finish', 'Finish']) {
      logs.records = [];
      expect((await server.fetch(`/write?value=function&via=${via}`)).status, via).to.equal(500);
      expect(logged()?.message, via).to.match(/^WriteHandler\.write\(\) was given a function \(answer\)/);
    }
  });

  it('sends null as JSON null from finish(null) and Finish(null), as write(null) and a returned null do', async () => {
    for (const via of ['finish', 'Finish']) {
      const response = await server.fetch(`/null?via=${via}`);
      expect([response.status, response.headers.get('content-type'), response.text], via).to.deep.equal([200, 'application/json; charset=UTF-8', 'null']);
    }
  });
});
