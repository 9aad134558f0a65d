import { expect } from 'chai';
import {
  Application, ConfigurationError, HTTPClientError, HTTPError, injectable, RequestHandler, WebSocket,
  WebSocketClosedError, WebSocketHandler, websocketConnect,
} from '../../lib';
import { TestServer } from '../../lib/testing';
import { SOCKET } from '../../lib/websocket/websocket-handler';
import { rawRequest, statusLines, waitFor } from '../helpers/raw-http';
import { captureLogs } from '../helpers/logs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const events: string[] = [];

@injectable()
class Greeting {
  text = 'welcome';
}

@WebSocket('/rooms/:room/:user', { name: 'room' })
class RoomSocket extends WebSocketHandler {
  constructor(private greeting: Greeting) {
    super();
  }
  override async open(room: string, user: string) {
    await sleep(20);
    await this.writeMessage({ hello: `${user}@${room}`, greeting: this.greeting.text, kwargs: this.pathKwargs });
  }
  override async onMessage(message: string | Buffer) {
    await sleep(5);
    // this.request was copied at upgrade time and is still usable after awaits.
    await this.writeMessage({
      echo: typeof message === 'string' ? message : [...message], binary: Buffer.isBuffer(message),
      cookie: this.getCookie('who', 'none'), ip: this.request.remoteIp, header: this.request.headers.get('x-test') ?? null,
      query: this.getArgument('q', null),
    });
  }
}

@WebSocket(/^\/regex\/(\d+)$/)
class RegexSocket extends WebSocketHandler {
  override open(id: string) {
    void this.writeMessage(`regex ${id}`);
  }
}

@WebSocket('/ordered')
class OrderedSocket extends WebSocketHandler {
  override async open() {
    events.push('open-start');
    await sleep(100);
    events.push('open-end');
  }
  override async onMessage(message: string | Buffer) {
    events.push(`start ${message}`);
    await sleep(Math.random() * 10);
    events.push(`end ${message}`);
    await this.writeMessage(String(message));
  }
}

@WebSocket('/guarded')
class GuardedSocket extends WebSocketHandler {
  override prepare() {
    if (this.getArgument('token', '') !== 'secret') throw new HTTPError(401, 'no token');
  }
  override open() {
    void this.writeMessage(`user ${this.currentUser}`);
  }
  override getCurrentUser() {
    return 'ann';
  }
}

@WebSocket('/fails')
class FailingSocket extends WebSocketHandler {
  override open() {
    if (this.getArgument('when', '') === 'open') throw new Error('open failed');
  }
  override onMessage(message: string | Buffer) {
    if (message === 'boom') throw new Error('message failed');
    void this.writeMessage(`ok ${message}`);
  }
}

let lastClosed: { code: number | null; reason: string | null; writeError?: unknown } | null = null;

@WebSocket('/closing')
class ClosingSocket extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    if (message === 'close-me') this.close(4000, 'as you wish');
    if (message === 'object') void this.writeMessage({ a: [1, 2] });
    if (message === 'undefined' || message === 'promise') {
      try {
        void this.writeMessage(message === 'promise' ? Promise.resolve('later') : (undefined as unknown as string));
      } catch (error) {
        void this.writeMessage(`${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    if (message === 'ping') this.ping('hi');
    if (message === 'lone surrogate') void this.writeMessage('a\ud800b');
    if (message === 'close with lone surrogate') this.close(4001, 'x\udc00');
  }
  override onPing(data: Buffer) {
    events.push(`ping ${data.toString()}`);
  }
  override onPong(data: Buffer) {
    events.push(`pong ${data.toString()}`);
  }
  override async onClose() {
    const writeError = await this.writeMessage('too late').catch((error) => error);
    lastClosed = { code: this.closeCode, reason: this.closeReason, writeError };
  }
}

@WebSocket('/protocols')
class ProtocolSocket extends WebSocketHandler {
  override selectSubprotocol(protocols: string[]) {
    return protocols.includes('chat.v2') ? 'chat.v2' : null;
  }
  override open() {
    void this.writeMessage(`protocol ${this.selectedSubprotocol}`);
  }
}

@WebSocket('/any-origin')
class AnyOriginSocket extends WebSocketHandler {
  override checkOrigin(origin: string) {
    return origin === 'https://trusted.example';
  }
}

@WebSocket('/small', { maxMessageSize: 1000 })
class SmallSocket extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    void this.writeMessage(`got ${message.length}`);
  }
}

@WebSocket('/pinged', { pingInterval: 0.1, pingTimeout: 0.35 })
class PingedSocket extends WebSocketHandler {}

@WebSocket('/compressed', { compression: true })
class CompressedSocket extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    void this.writeMessage(String(message).repeat(100));
  }
}

class PlainHandler extends RequestHandler {
  get() {
    this.write('plain');
  }
}

describe('WebSocketHandler', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(
      new Application({
        handlers: [RoomSocket, RegexSocket, OrderedSocket, GuardedSocket, FailingSocket, ClosingSocket, ProtocolSocket, AnyOriginSocket, SmallSocket, PingedSocket, CompressedSocket, ['/plain', PlainHandler]],
      }),
    );
  });
  after(() => server.close());
  const logs = captureLogs('warn');
  beforeEach(() => {
    events.length = 0;
  });

  it('routes :params to open(), injects services, and keeps this.request usable for the connection', async () => {
    const conn = await server.websocket('/rooms/lobby/ann?q=search', { headers: { Cookie: 'who=ann', 'X-Test': 'yes' } });
    expect(JSON.parse(String(await conn.readMessage()))).to.deep.equal({ hello: 'ann@lobby', greeting: 'welcome', kwargs: { room: 'lobby', user: 'ann' } });
    await conn.writeMessage('text');
    expect(JSON.parse(String(await conn.readMessage()))).to.deep.equal({ echo: 'text', binary: false, cookie: 'ann', ip: '127.0.0.1', header: 'yes', query: 'search' });
    await conn.writeMessage(Buffer.from([0, 255, 7]), true);
    expect(JSON.parse(String(await conn.readMessage()))).to.deep.include({ echo: [0, 255, 7], binary: true });
    expect(server.app.reverseUrl('room', 'a', 'b')).to.equal('/rooms/a/b');
    await conn.close();
  });

  it('keeps each connection its own request data while connections share equal header values', async () => {
    // Equal values of common headers (Host...) are kept once for all connections; others per connection.
    const open = (user: string, test: string) =>
      server.websocket(`/rooms/lobby/${user}?q=${user}`, { headers: { Cookie: `who=${user}`, 'X-Test': test } });
    const [ann, bob, cat] = await Promise.all([open('ann', 'same'), open('bob', 'same'), open('cat', 'other')]);
    for (const conn of [ann, bob, cat]) await conn.readMessage();
    const echo = async (conn: typeof ann) => {
      await conn.writeMessage('hi');
      const { cookie, header, query } = JSON.parse(String(await conn.readMessage()));
      return [cookie, header, query];
    };
    expect(await echo(cat)).to.deep.equal(['cat', 'other', 'cat']);
    expect(await echo(ann)).to.deep.equal(['ann', 'same', 'ann']);
    expect(await echo(bob)).to.deep.equal(['bob', 'same', 'bob']);
    await Promise.all([ann.close(), bob.close(), cat.close()]);
  });

  it('routes RegExp patterns with groups as open() arguments', async () => {
    const conn = await server.websocket('/regex/42');
    expect(await conn.readMessage()).to.equal('regex 42');
    await conn.close();
    const missing = await server.websocket('/regex/nope').catch((error) => error);
    expect(missing).to.be.instanceOf(HTTPClientError).and.include({ code: 404 });
  });

  it('answers a plain GET on a WebSocket route with 426, and an upgrade to an unknown path with 404', async () => {
    const plain = await server.fetch('/ordered');
    expect([plain.status, plain.headers.get('upgrade')]).to.deep.equal([426, 'websocket']);
    expect(plain.text).to.contain('Can "Upgrade" only to "WebSocket"');
    const unknown = await server.websocket('/nowhere').catch((error) => error);
    expect(unknown).to.be.instanceOf(HTTPClientError).and.include({ code: 404 });
  });

  it('refuses handshakes without Upgrade: websocket or Connection: Upgrade (400) or of another version (426)', async () => {
    const handshake = (headers: string) => rawRequest(server.port, `GET /ordered HTTP/1.1\r\nHost: localhost\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`);
    const upgrade = 'Upgrade: websocket\r\n';
    const connection = 'Connection: keep-alive, Upgrade\r\n';
    const version = 'Sec-WebSocket-Version: 13\r\n';
    expect(statusLines(await handshake(connection + version))).to.deep.equal(['HTTP/1.1 400 Can "Upgrade" only to "WebSocket"']);
    expect(statusLines(await handshake('Upgrade: h2c\r\n' + connection + version))).to.deep.equal(['HTTP/1.1 400 Can "Upgrade" only to "WebSocket"']);
    expect(statusLines(await handshake(upgrade + 'Connection: close\r\n' + version))).to.deep.equal(['HTTP/1.1 400 "Connection" must be "Upgrade"']);
    for (const other of ['Sec-WebSocket-Version: 8\r\n', '']) {
      const answer = await handshake(upgrade + connection + other);
      expect(statusLines(answer)).to.deep.equal(['HTTP/1.1 426 Upgrade Required']);
      expect(answer).to.match(/\r\nSec-WebSocket-Version: 13\r\n/i).and.match(/\r\nUpgrade: websocket\r\n/i);
    }
    expect(events).to.deep.equal([]);
    const accepted = await handshake('Upgrade: WebSocket\r\n' + connection + version);
    expect(statusLines(accepted)).to.deep.equal(['HTTP/1.1 101 Switching Protocols']);
    expect(accepted).to.match(/\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
  });

  it('holds messages until open() completes, and handles them one at a time in order', async () => {
    const conn = await server.websocket('/ordered');
    for (let i = 0; i < 20; i++) void conn.writeMessage(`m${i}`);
    const replies: unknown[] = [];
    for (let i = 0; i < 20; i++) replies.push(await conn.readMessage());
    expect(replies).to.deep.equal(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(events.slice(0, 3)).to.deep.equal(['open-start', 'open-end', 'start m0']);
    const expected = ['open-start', 'open-end', ...Array.from({ length: 20 }, (_, i) => [`start m${i}`, `end m${i}`]).flat()];
    expect(events).to.deep.equal(expected);
    await conn.close();
  });

  it('lets prepare() refuse the upgrade with an HTTPError, and runs getCurrentUser before it', async () => {
    const refused = await server.websocket('/guarded').catch((error) => error);
    expect(refused).to.be.instanceOf(HTTPClientError).and.include({ code: 401 });
    const conn = await server.websocket('/guarded?token=secret');
    expect(await conn.readMessage()).to.equal('user ann');
    await conn.close();
  });

  it('closes only the failing connection (1011) when open() or onMessage() throws, and logs it', async () => {
    const healthy = await server.websocket('/fails');
    const failsOnOpen = await server.websocket('/fails?when=open');
    expect(await failsOnOpen.readMessage()).to.equal(null);
    expect(failsOnOpen.closeCode).to.equal(1011);
    const failsOnMessage = await server.websocket('/fails');
    await failsOnMessage.writeMessage('boom');
    expect(await failsOnMessage.readMessage()).to.equal(null);
    expect(failsOnMessage.closeCode).to.equal(1011);
    await healthy.writeMessage('still there');
    expect(await healthy.readMessage()).to.equal('ok still there');
    expect(logs.records.filter((record) => record.level === 'error').map((record) => String(record.error))).to.deep.equal(['Error: open failed', 'Error: message failed']);
    await healthy.close();
  });

  it('reports the client close code and reason to onClose(); writeMessage then rejects', async () => {
    lastClosed = null;
    const conn = await server.websocket('/closing');
    await conn.close(4321, 'client leaving');
    await waitFor(() => lastClosed !== null);
    expect(lastClosed!.code).to.equal(4321);
    expect(lastClosed!.reason).to.equal('client leaving');
    expect(lastClosed!.writeError).to.be.instanceOf(WebSocketClosedError);
  });

  it('closes from the server with a code and reason; validates both', async () => {
    lastClosed = null;
    const conn = await server.websocket('/closing');
    await conn.writeMessage('close-me');
    expect(await conn.readMessage()).to.equal(null);
    expect([conn.closeCode, conn.closeReason]).to.deep.equal([4000, 'as you wish']);
    await waitFor(() => lastClosed !== null);
    const handler = new ClosingSocket();
    expect(() => handler.close(1005)).to.throw(/Invalid WebSocket close code 1005/);
    expect(() => handler.close(1000, 'x'.repeat(124))).to.throw(/at most 123/);
    expect(() => handler.ping('x'.repeat(126))).to.throw(/125 bytes/);
  });

  it('sends a string with a lone surrogate as valid UTF-8 (U+FFFD), in messages and close reasons', async () => {
    const conn = await server.websocket('/closing');
    await conn.writeMessage('lone surrogate');
    expect(await conn.readMessage()).to.equal('a\ufffdb');
    await conn.writeMessage('close with lone surrogate');
    expect(await conn.readMessage()).to.equal(null);
    expect([conn.closeCode, conn.closeReason]).to.deep.equal([4001, 'x\ufffd']);
  });

  it('sends objects as JSON text', async () => {
    const conn = await server.websocket('/closing');
    await conn.writeMessage('object');
    expect(await conn.readMessage()).to.equal('{"a":[1,2]}');
    // Nothing has no JSON text: a clear error naming the handler, not an empty message.
    await conn.writeMessage('undefined');
    expect(await conn.readMessage()).to.match(/^TypeError: ClosingSocket\.writeMessage\(\) was given undefined, which has no JSON text; a response or message is a string, a Buffer/);
    // A promise somebody forgot to await is refused too, not sent as {}.
    await conn.writeMessage('promise');
    expect(await conn.readMessage()).to.match(/^TypeError: ClosingSocket\.writeMessage\(\) was given a Promise: await it/);
    await conn.close();
  });

  it('calls onPing for client pings and onPong for answers to server pings', async () => {
    const conn = await server.websocket('/closing');
    conn.ping('from-client');
    await conn.writeMessage('ping');
    await waitFor(() => events.includes('ping from-client') && events.includes('pong hi'), 10_000, 'ping and pong');
    await conn.close();
  });

  it('negotiates subprotocols with selectSubprotocol()', async () => {
    const v2 = await server.websocket('/protocols', { subprotocols: ['chat.v1', 'chat.v2'] });
    expect(v2.selectedSubprotocol).to.equal('chat.v2');
    expect(await v2.readMessage()).to.equal('protocol chat.v2');
    const none = await server.websocket('/protocols', { subprotocols: ['other'] }).catch((error) => error);
    // The client offered protocols and the server chose none: the ws client refuses such handshakes.
    if (none instanceof Error) expect(none.message).to.match(/subprotocol/i);
    else expect(none.selectedSubprotocol).to.equal(null);
    await v2.close();
  });

  it('checks Origin: same host or none passes, another host gets 403, checkOrigin() can allow it', async () => {
    const same = await server.websocket('/closing', { headers: { Origin: `http://127.0.0.1:${server.port}` } });
    await same.close();
    const cross = await server.websocket('/closing', { headers: { Origin: 'https://evil.example' } }).catch((error) => error);
    expect(cross).to.be.instanceOf(HTTPClientError).and.include({ code: 403 });
    const trusted = await server.websocket('/any-origin', { headers: { Origin: 'https://trusted.example' } });
    await trusted.close();
    expect(await server.websocket('/any-origin', { headers: { Origin: 'https://evil.example' } }).catch((error) => error.code)).to.equal(403);
  });

  it('closes with 1009 when a message is over maxMessageSize', async () => {
    const conn = await server.websocket('/small');
    await conn.writeMessage('x'.repeat(1000));
    expect(await conn.readMessage()).to.equal('got 1000');
    await conn.writeMessage('x'.repeat(1001));
    expect(await conn.readMessage()).to.equal(null);
    expect(conn.closeCode).to.equal(1009);
  });

  it('pings on websocketPingInterval and closes 1000 "ping timed out" without pongs', async () => {
    const answering = await server.websocket('/pinged');
    const silent = await server.websocket('/pinged', { autoPong: false });
    expect(await silent.readMessage()).to.equal(null);
    expect([silent.closeCode, silent.closeReason]).to.deep.equal([1000, 'ping timed out']);
    expect(answering.open).to.equal(true);
    await answering.close();
  });

  it('closes with 1008 when the messages waiting for a busy open() pass maxQueuedBytes, and delivers them in order below it', async () => {
    const received: number[] = [];
    let releaseOpen!: () => void;
    const held = new Promise<void>((resolve) => (releaseOpen = resolve));
    @WebSocket('/queued', { maxMessageSize: 1000, maxQueuedBytes: 4000 })
    class Queued extends WebSocketHandler {
      override async open() {
        // ?hold=1: busy until the test says so, however late the messages arrive.
        await (this.getArgument('hold', null) ? held : sleep(200));
      }
      override async onMessage(message: string | Buffer) {
        received.push(message.length);
        await sleep(10);
        await this.writeMessage(`got ${message.length}`);
      }
    }
    const own = await TestServer.start(new Application({ handlers: [Queued] }));
    try {
      const within = await own.websocket('/queued');
      for (let i = 0; i < 4; i++) void within.writeMessage('x'.repeat(1000 - i));
      for (let i = 0; i < 4; i++) expect(await within.readMessage()).to.equal(`got ${1000 - i}`);
      expect(received).to.deep.equal([1000, 999, 998, 997]);
      // The bytes are released as messages are handled: behind a busy onMessage, the same amount
      // again still fits. A leading U+FEFF is the sender's text and arrives (3 bytes, 1 character).
      for (let i = 0; i < 3; i++) void within.writeMessage(Buffer.alloc(1000));
      void within.writeMessage(`\ufeff${'z'.repeat(996)}`);
      for (let i = 0; i < 3; i++) expect(await within.readMessage()).to.equal('got 1000');
      expect(await within.readMessage()).to.equal('got 997');
      await within.close();
      received.length = 0;
      const over = await own.websocket('/queued?hold=1');
      for (let i = 0; i < 5; i++) void over.writeMessage('y'.repeat(1000));
      expect(await over.readMessage()).to.equal(null);
      expect([over.closeCode, over.closeReason]).to.deep.equal([1008, 'Too many unprocessed messages']);
      expect(received).to.deep.equal([]);
    } finally {
      releaseOpen();
      await own.close();
    }
  });

  it('compresses with permessage-deflate only when both sides offer it', async () => {
    const deflating = await websocketConnect(server.url('/compressed', 'ws'), { compression: true });
    await deflating.writeMessage('abc');
    expect(await deflating.readMessage()).to.equal('abc'.repeat(100));
    expect((deflating as unknown as { socket: { extensions: string } }).socket.extensions).to.contain('permessage-deflate');
    await deflating.close();
    const plain = await server.websocket('/compressed');
    expect((plain as unknown as { socket: { extensions: string } }).socket.extensions).to.equal('');
    await plain.close();
  });

  it('refuses out-of-range options before they reach uWS', () => {
    const make = (options: object) => {
      @WebSocket('/x', options)
      class Bad extends WebSocketHandler {}
      return () => new Application({ handlers: [Bad] });
    };
    expect(make({ idleTimeout: 5 })).to.throw(ConfigurationError, "WebSocket route '/x': idleTimeout must be 0 (off) or an integer from 8 to 960 seconds, got 5");
    expect(make({ idleTimeout: 961 })).to.throw(ConfigurationError, /idleTimeout/);
    expect(make({ maxMessageSize: 2048, maxQueuedBytes: 1024 })).to.throw(ConfigurationError, /maxQueuedBytes must be an integer of at least maxMessageSize \(2048\), got 1024/);
    expect(make({ maxMessageSize: 0 })).to.throw(ConfigurationError, /maxMessageSize/);
    expect(make({ maxBackpressure: 10 })).to.throw(ConfigurationError, /maxBackpressure/);
    expect(make({ backpressure: 'queue' })).to.throw(ConfigurationError, /backpressure must be/);
    expect(make({ compression: 'max' })).to.throw(ConfigurationError, /compression/);
    expect(make({ pingInterval: -1 })).to.throw(ConfigurationError, /pingInterval/);
    expect(make({ idleTimeout: 0 })).to.not.throw();
  });

  it('closes open WebSockets with 1001 when the application closes', async () => {
    const app = new Application({ handlers: [['/ws', ClosingSocket]] });
    const own = await TestServer.start(app);
    const conn = await own.websocket('/ws');
    await app.close();
    expect(await conn.readMessage()).to.equal(null);
    expect([conn.closeCode, conn.closeReason]).to.deep.equal([1001, 'Server shutting down']);
    await own.close();
  });

  it('refuses (503) a handshake whose prepare() was still running when the application closed', async () => {
    const opened: string[] = [];
    let closing: Promise<void> | null = null;
    @WebSocket('/slow-prepare')
    class SlowPrepare extends WebSocketHandler {
      override async prepare() {
        // The application starts closing while this handshake is in prepare().
        setImmediate(() => (closing = app.close()));
        await sleep(50);
      }
      override open() {
        opened.push('open');
      }
    }
    const app = new Application({ handlers: [SlowPrepare] });
    const own = await TestServer.start(app);
    const attempt = await own.websocket('/slow-prepare').catch((error) => error);
    await closing;
    expect(attempt).to.be.instanceOf(HTTPClientError).and.include({ code: 503 });
    expect(opened).to.deep.equal([]);
    await own.close();
  });
});

describe('WebSocket RegExp routes sharing one native registration', () => {
  it('keep their own compression and backpressure limit', async () => {
    let flood: { buffered: number; dropped: number } | null = null;
    @WebSocket(/^\/tight$/, { maxBackpressure: 64 * 1024, backpressure: 'drop', compression: false })
    class Tight extends WebSocketHandler {
      override onMessage() {
        const chunk = Buffer.alloc(32 * 1024, 1);
        // 96 MiB: more than any kernel's socket buffers take, so uWS's must fill too.
        for (let i = 0; i < 3072; i++) void this.writeMessage(chunk, true);
        flood = { buffered: this[SOCKET]!.bufferedAmount(), dropped: this.droppedMessages };
      }
    }
    @WebSocket(/^\/loose$/, { maxBackpressure: 16 * 1024 * 1024, compression: true })
    class Loose extends WebSocketHandler {}
    const server = await TestServer.start(new Application({ handlers: [Tight, Loose] }));
    const extensions = (conn: unknown) => (conn as { socket: { extensions: string } }).socket.extensions;
    try {
      const loose = await websocketConnect(server.url('/loose', 'ws'), { compression: true });
      expect(extensions(loose)).to.contain('permessage-deflate');
      await loose.close();
      // A client that reads one message and then stops: the kernel's buffers fill, then uWS's.
      const tight = await websocketConnect(server.url('/tight', 'ws'), { compression: true, maxQueuedMessages: 1 });
      expect(extensions(tight)).to.equal('');
      await tight.writeMessage('flood');
      await waitFor(() => flood !== null);
      expect(flood!.dropped).to.be.greaterThan(0);
      expect(flood!.buffered).to.be.at.most(64 * 1024 + 32 * 1024);
      await tight.close();
    } finally {
      await server.close();
    }
  });
});

describe('WebSocket idleTimeout', function () {
  this.timeout(30_000);

  it('closes a connection that stays silent (no pongs either) past idleTimeout, however much the server sends it', async () => {
    @WebSocket('/idle', { idleTimeout: 8 })
    class IdleSocket extends WebSocketHandler {
      private ticker: NodeJS.Timeout | undefined;
      override open() {
        this.ticker = setInterval(() => void this.writeMessage('tick'), 500);
      }
      override onClose() {
        clearInterval(this.ticker);
      }
    }
    const server = await TestServer.start(new Application({ handlers: [IdleSocket] }));
    try {
      const silent = await server.websocket('/idle', { autoPong: false });
      const started = Date.now();
      let ticks = 0;
      while ((await silent.readMessage()) !== null) ticks++;
      expect(ticks).to.be.greaterThan(4);
      const seconds = (Date.now() - started) / 1000;
      expect(seconds).to.be.greaterThan(4);
      expect(silent.closeCode).to.not.equal(null);
    } finally {
      await server.close();
    }
  });
});

describe('WebSocketHandler after the upgrade', () => {
  it('refuses HTTP output methods with a clear error, and keeps this.request usable', async () => {
    let outcome: Record<string, string> = {};
    @WebSocket('/sealed')
    class Sealed extends WebSocketHandler {
      override onMessage() {
        const attempt = (fn: () => unknown) => {
          try {
            fn();
            return 'accepted';
          } catch (error) {
            return (error as Error).message;
          }
        };
        outcome = {
          write: attempt(() => this.write('x')),
          header: attempt(() => this.setHeader('X', 'y')),
          status: String(this.getStatus()),
          path: this.request.path,
        };
        void this.writeMessage('done');
      }
    }
    const server = await TestServer.start(new Application({ handlers: [Sealed] }));
    try {
      const conn = await server.websocket('/sealed');
      await conn.writeMessage('go');
      expect(await conn.readMessage()).to.equal('done');
      expect(outcome).to.deep.equal({
        write: 'The connection was upgraded to a WebSocket: use writeMessage(), not the HTTP response',
        header: 'The connection was upgraded to a WebSocket: use writeMessage(), not the HTTP response',
        status: '101',
        path: '/sealed',
      });
    } finally {
      await server.close();
    }
  });
});

/** Tornado's own tutorial form: a WebSocketHandler given as a tuple, no decorator. */
class TupleEcho extends WebSocketHandler {
  override async onMessage(message: string | Buffer) {
    await this.writeMessage(`You said: ${message}`);
  }
}

describe('WebSocket routes, however they are registered', () => {
  it("serves a WebSocketHandler given in Tornado's tuple form as a WebSocket route", async () => {
    const server = await TestServer.start(new Application({ handlers: [['/websocket', TupleEcho]] }));
    try {
      const socket = await server.websocket('/websocket');
      await socket.writeMessage('hi');
      expect(await socket.readMessage()).to.equal('You said: hi');
      const plain = await server.fetch('/websocket');
      expect(plain.status).to.equal(426);
    } finally {
      await server.close();
    }
  });

  it('refuses at start-up a class routed as the other kind', () => {
    class NotASocket extends RequestHandler {}
    WebSocket('/not-a-socket')(NotASocket);
    expect(() => new Application({ handlers: [NotASocket] })).to.throw(ConfigurationError, /NotASocket is routed with @WebSocket\('\/not-a-socket'\) but is not a WebSocketHandler/);
    class RoutedSocket extends WebSocketHandler {}
    const { Route } = require('../../lib') as typeof import('../../lib');
    Route('/routed-socket')(RoutedSocket);
    expect(() => new Application({ handlers: [RoutedSocket] })).to.throw(ConfigurationError, /RoutedSocket is routed with @Route\('\/routed-socket'\) but is a WebSocketHandler: use @WebSocket/);
  });
});

describe('WebSocket handshakes and shutdown, on every transport', function () {
  this.timeout(20_000);

  it('refuses a key that is not the base64 of 16 bytes, or a malformed subprotocol list, before prepare() runs', async () => {
    let prepared = 0;
    @WebSocket('/checked')
    class Checked extends WebSocketHandler {
      override prepare() {
        prepared++;
      }
    }
    const server = await TestServer.start(new Application({ handlers: [Checked] }));
    try {
      const handshake = (key: string, extra = '') => rawRequest(server.port, `GET /checked HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`, 500);
      expect(statusLines(await handshake('!!!!!!!!!!!!!!!!!!!!!!!!'))).to.deep.equal(['HTTP/1.1 400 Invalid Sec-WebSocket-Key']);
      expect(statusLines(await handshake('dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: a b\r\n'))).to.deep.equal(['HTTP/1.1 400 Invalid Sec-WebSocket-Protocol']);
      expect(statusLines(await handshake('dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: chat, chat\r\n'))).to.deep.equal(['HTTP/1.1 400 Invalid Sec-WebSocket-Protocol']);
      const noHost = await rawRequest(server.port, `GET /checked HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, 500);
      // uWS answers nothing to an HTTP/1.1 request without Host (docs/transports.md); node's parser 400s it; never a 101.
      expect(statusLines(noHost).filter((line) => line.includes('101'))).to.deep.equal([]);
      expect(prepared).to.equal(0);
      expect(statusLines(await handshake('dGhlIHNhbXBsZSBub25jZQ=='))).to.deep.equal(['HTTP/1.1 101 Switching Protocols']);
      expect(prepared).to.equal(1);
    } finally {
      await server.close();
    }
  });

  it('resolves writeMessage() of a large message on a compressed connection', async () => {
    @WebSocket('/deflate', { compression: true })
    class Deflating extends WebSocketHandler {
      override async onMessage() {
        await this.writeMessage('x'.repeat(200_000));
        await this.writeMessage('written');
      }
    }
    const server = await TestServer.start(new Application({ handlers: [Deflating] }));
    try {
      const socket = await server.websocket('/deflate', { compression: true });
      await socket.writeMessage('go');
      expect(((await socket.readMessage()) as string).length).to.equal(200_000);
      expect(await socket.readMessage()).to.equal('written');
    } finally {
      await server.close();
    }
  });

  it('cuts, at close(), a connection whose client never answers the close frame', async () => {
    @WebSocket('/mute')
    class Mute extends WebSocketHandler {}
    const app = new Application({ handlers: [Mute] });
    const listening = await app.listen(0, '127.0.0.1');
    const net = await import('node:net');
    const socket = net.connect(listening.port, '127.0.0.1');
    socket.write('GET /mute HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    await waitFor(() => received.includes('101 Switching Protocols'), 5000, 'the 101');
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await app.close({ timeout: 1 });
    // The client never sends its close frame; the server must not wait for it (ws would for 30 s).
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the connection outlived close() by 5 s')), 5000))]);
  });
});

describe('a peer that leaves while the handler writes', () => {
  const logs = captureLogs('debug');

  it('is not logged as an error: writeMessage rejecting after the close ends onMessage quietly', async () => {
    let rejected = false;
    @WebSocket('/leaving')
    class Leaving extends WebSocketHandler {
      override async onMessage() {
        await waitFor(() => this.closed, 10_000, 'the peer to leave');
        try {
          await this.writeMessage('too late');
        } catch (error) {
          rejected = error instanceof WebSocketClosedError;
          throw error; // as an unguarded handler would
        }
      }
    }
    const server = await TestServer.start(new Application({ handlers: [Leaving] }));
    try {
      const socket = await server.websocket('/leaving');
      await socket.writeMessage('hello');
      socket.terminate();
      await waitFor(() => rejected, 10_000, 'writeMessage to reject');
      // The rejection ended onMessage: the handler logged it (at debug, or as an error).
      await waitFor(() => logs.records.some((record) => record.message.includes('Leaving (/leaving)')), 10_000, 'the log line');
      expect(logs.records.filter((record) => record.level === 'error')).to.deep.equal([]);
    } finally {
      await server.close();
    }
  });
});

describe('what an open WebSocket keeps', () => {
  it('keeps no headers object when no code read the headers, and still reads a Connection header sent on two lines', async () => {
    const kept: unknown[] = [];
    @WebSocket('/lean')
    class LeanSocket extends WebSocketHandler {
      override open() {
        // The handshake checks (Upgrade, Connection...) must not have built request.headers.
        kept.push((this.request as unknown as { headerMap?: unknown }).headerMap);
        void this.writeMessage('opened');
      }
    }
    const server = await TestServer.start(new Application({ handlers: [LeanSocket] }));
    try {
      const raw = await rawRequest(server.port, 'GET /lean HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n', 500);
      expect(raw.split('\r\n')[0]).to.equal('HTTP/1.1 101 Switching Protocols');
      await waitFor(() => kept.length === 1, 10_000, 'open()');
      expect(kept[0]).to.equal(undefined);
    } finally {
      await server.close();
    }
  });
});
