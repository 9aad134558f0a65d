import { expect } from 'chai';
import WsClient from 'ws';
import { Application, RequestHandler, sleep, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { uwsAvailability } from '../../lib/transport/uws';
import { rawExchange, statusLines } from '../helpers/raw-http';
import { specTransport } from '../helpers/requirements';

/**
 * Where the transports, and the two uWebSockets.js generations, answer differently
 * (docs/transports.md's table). Each expectation is taken from the transport serving and, on
 * uWS, from the loaded build's version: v20.30 (Node 20 here) or later (v20.57 in CI's
 * Debian 13 run). So the same spec runs on every build and fails if a build changes.
 */
type Generation = 'uws v20.30' | 'uws later' | 'node';

function generation(): Generation {
  if (specTransport() === 'node') return 'node';
  const [major, minor] = uwsAvailability().build!.version.split('.').map(Number);
  return major === 20 && minor <= 30 ? 'uws v20.30' : 'uws later';
}

/** What a raw request got: the status line (null: none) and whether the server closed the connection. */
interface Seen {
  status: string | null;
  closed: boolean;
}

const NO_ANSWER: Seen = { status: null, closed: false };
const DROPPED: Seen = { status: null, closed: true };
const seen = (status: string, closed: boolean): Seen => ({ status: `HTTP/1.1 ${status}`, closed });

/** Raw requests and what each generation does with them. */
const REQUESTS: { name: string; request: string; expected: Record<Generation, Seen> }[] = [
  {
    name: 'an HTTP/1.1 request without Host',
    request: 'GET /x HTTP/1.1\r\n\r\n',
    expected: { 'uws v20.30': NO_ANSWER, 'uws later': seen('400 Bad Request', true), node: seen('400 Bad Request', true) },
  },
  {
    name: 'an HTTP/1.0 request',
    request: 'GET /x HTTP/1.0\r\nHost: a\r\n\r\n',
    expected: { 'uws v20.30': NO_ANSWER, 'uws later': seen('505 HTTP Version Not Supported', true), node: seen('200 OK', true) },
  },
  {
    name: 'an absolute-form request target',
    request: 'GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n',
    expected: { 'uws v20.30': NO_ANSWER, 'uws later': seen('505 HTTP Version Not Supported', true), node: seen('200 OK', false) },
  },
  {
    name: 'a method uWS does not route (PROPFIND)',
    request: 'PROPFIND /x HTTP/1.1\r\nHost: a\r\n\r\n',
    expected: { 'uws v20.30': DROPPED, 'uws later': seen('405 Method Not Allowed', false), node: seen('405 Method Not Allowed', false) },
  },
  {
    name: 'a method token nobody knows (FOO)',
    request: 'FOO /x HTTP/1.1\r\nHost: a\r\n\r\n',
    expected: { 'uws v20.30': DROPPED, 'uws later': seen('405 Method Not Allowed', false), node: seen('501 Not Implemented', true) },
  },
  {
    // RFC 9110 9.1: methods are case-sensitive; `get` is not GET and is never served as it.
    name: 'a lower-case method (get)',
    request: 'get /x HTTP/1.1\r\nHost: a\r\n\r\n',
    expected: { 'uws v20.30': DROPPED, 'uws later': seen('405 Method Not Allowed', false), node: seen('501 Not Implemented', true) },
  },
];

class Echo extends RequestHandler {
  get() {
    this.write({ query: this.request.query, id: this.pathArgs[0] ?? null, args: this.request.arguments });
  }
}

const closes: number[] = [];
@WebSocket('/close-codes')
class CloseCodes extends WebSocketHandler {
  override onClose() {
    closes.push(this.closeCode ?? -1);
  }
}

/** Closes a client connection with `code`; resolves with the code the server's close frame echoed (1005: none). */
function closeWith(port: number, code: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = new WsClient(`ws://127.0.0.1:${port}/close-codes`);
    client.on('open', () => client.close(code, 'bye'));
    client.on('close', (echoed) => resolve(echoed));
    client.on('error', reject);
  });
}

describe(`transports: where they differ (${generation()})`, function () {
  this.timeout(20_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({ handlers: [['/x', Echo], ['/items/:id', Echo], CloseCodes] }));
  });
  after(() => server.close());

  for (const { name, request, expected } of REQUESTS) {
    it(`${name}: ${JSON.stringify(expected[generation()])}`, async () => {
      const { data, closedByServer } = await rawExchange(server.port, request, 1000);
      const status = statusLines(data);
      expect(status.length).to.be.at.most(1);
      expect({ status: status[0] ?? null, closed: closedByServer }).to.deep.equal(expected[generation()]);
    });
  }

  it('reads an absent query as empty and path parameters by position (getQuery/getParameter may say undefined after v20.30)', async () => {
    expect((await server.fetch('/x')).json()).to.deep.equal({ query: '', id: null, args: {} });
    expect((await server.fetch('/x?')).json()).to.deep.equal({ query: '', id: null, args: {} });
    expect((await server.fetch('/items/7?a=1&a=2')).json()).to.deep.equal({ query: 'a=1&a=2', id: '7', args: { a: ['1', '2'] } });
  });

  it('takes the close codes RFC 6455 7.4 allows on the Node transport; uWS refuses 1012-1014 and 3000-3999 on every build', async () => {
    const codes = [1000, 1001, 1008, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
    const refused = (code: number) => generation() !== 'node' && ((code >= 1012 && code <= 1014) || (code >= 3000 && code <= 3999));
    closes.length = 0;
    const echoed: number[] = [];
    for (const code of codes) echoed.push(await closeWith(server.port, code));
    // A refused code fails the connection: no close frame comes back (1005), onClose sees 1006.
    expect(echoed).to.deep.equal(codes.map((code) => (refused(code) ? 1005 : code)));
    const deadline = Date.now() + 10_000;
    while (closes.length < codes.length && Date.now() < deadline) await sleep(0.01);
    expect(closes).to.deep.equal(codes.map((code) => (refused(code) ? 1006 : code)));
  });
});
