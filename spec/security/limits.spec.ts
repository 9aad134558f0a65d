import { expect } from 'chai';
import net from 'node:net';
import { Application, ConfigurationError, RequestHandler, sleep, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { waitFor } from '../helpers/promises';
import { rawExchange, statusLines } from '../helpers/raw-http';
import { specTransport } from '../helpers/requirements';
import { uwsAvailability } from '../../lib/transport/uws';

let abortedBySignal = false;
let slowGetsEnded = 0;

class SlowHandler extends RequestHandler {
  async get() {
    abortedBySignal = false;
    this.signal.addEventListener('abort', () => (abortedBySignal = true));
    try {
      await sleep(Number(this.getArgument('s', '1')));
      this.write('too late?');
    } finally {
      slowGetsEnded++;
    }
  }
  post() {
    this.write(`got ${this.request.body.length}`);
  }
}

@WebSocket('/ws', { maxMessageSize: 100 })
class SmallSocket extends WebSocketHandler {}

describe('limits and timeouts', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({
      maxHeaderSize: 2048, maxBodySize: 1000, requestTimeout: 0.3, handlerTimeout: 0.3,
      handlers: [['/slow', SlowHandler], SmallSocket],
    }));
  });
  after(() => server.close());

  it('answers 431 for a request head over maxHeaderSize, and closes the connection', async () => {
    const { data, closedByServer } = await rawExchange(server.port, `GET /slow?s=0 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(3000)}\r\n\r\n`, 10_000);
    expect(statusLines(data)).to.deep.equal(['HTTP/1.1 431 Request Header Fields Too Large']);
    expect(closedByServer).to.equal(true);
    const { data: fine } = await rawExchange(server.port, `GET /slow?s=0 HTTP/1.1\r\nHost: x\r\nX-Small: ${'a'.repeat(1000)}\r\n\r\n`);
    expect(statusLines(fine)).to.deep.equal(['HTTP/1.1 200 OK']);
  });

  it('answers 413 for bodies over maxBodySize', async () => {
    expect((await server.fetch('/slow', { method: 'POST', body: Buffer.alloc(1001) })).status).to.equal(413);
    expect((await server.fetch('/slow', { method: 'POST', body: Buffer.alloc(1000) })).text).to.equal('got 1000');
  });

  it('answers 408 and closes when the body does not arrive within requestTimeout', async () => {
    const { data, closedByServer } = await rawExchange(server.port, 'POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nonly a little', 10_000);
    expect(statusLines(data)).to.deep.equal(['HTTP/1.1 408 Request Timeout']);
    expect(closedByServer).to.equal(true);
  });

  it('answers 503 when the handler takes longer than handlerTimeout, and aborts its signal', async () => {
    const ended = slowGetsEnded;
    const response = await server.fetch('/slow?s=0.8');
    expect([response.status, response.reason]).to.deep.equal([503, 'Handler Timeout']);
    expect(abortedBySignal).to.equal(true);
    await waitFor(() => slowGetsEnded > ended, 10_000, 'the timed-out handler to end');
    expect((await server.fetch('/slow?s=0')).text).to.equal('too late?');
  });

  it('closes WebSockets with 1009 over the payload limit', async () => {
    const conn = await server.websocket('/ws');
    await conn.writeMessage('x'.repeat(101));
    expect(await conn.readMessage()).to.equal(null);
    expect(conn.closeCode).to.equal(1009);
  });

  /** Seconds until the server closes a keep-alive connection left idle after one request. */
  async function idleSeconds(port: number): Promise<number> {
    const socket = net.connect(port, '127.0.0.1');
    socket.write('GET /slow?s=0 HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.resume(); // read the response, so the server's FIN is seen
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    return (Date.now() - started) / 1000;
  }

  /** Seconds until the server closes a connection that never sends a request. */
  async function silentSeconds(port: number): Promise<number> {
    const socket = net.connect(port, '127.0.0.1');
    socket.resume();
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    return (Date.now() - started) / 1000;
  }

  it('closes idle connections after idleConnectionTimeout (default 10 s; fixed on uWS v20.30, where other values are refused)', async () => {
    expect(await idleSeconds(server.port)).to.be.within(5, 25);
    const build = uwsAvailability().build;
    if (specTransport() === 'uws' && !build!.settableIdleTimeout) {
      expect(() => new Application({ idleConnectionTimeout: 30, handlers: [], transport: 'uws' })).to.throw(ConfigurationError, /10 seconds/);
      expect(() => new Application({ idleConnectionTimeout: 10, handlers: [], transport: 'uws' })).to.not.throw();
      return;
    }
    // Any other value is honoured: uWS builds that can set it count in 4-second ticks, so 1 s is up to 4 s there.
    const quick = await TestServer.start(new Application({ idleConnectionTimeout: 1, handlers: [['/slow', SlowHandler]] }));
    try {
      expect(await idleSeconds(quick.port)).to.be.within(0.5, 6);
      expect(await silentSeconds(quick.port)).to.be.within(0.5, 6);
    } finally {
      await quick.close();
    }
    expect(() => new Application({ idleConnectionTimeout: 0, handlers: [] })).to.throw(ConfigurationError, /idleConnectionTimeout/);
    if (specTransport() === 'uws') {
      expect(() => new Application({ idleConnectionTimeout: 961, handlers: [], transport: 'uws' })).to.throw(ConfigurationError, /960 seconds/);
    }
  });

  it('validates the limit settings', () => {
    const build = specTransport() === 'uws' ? uwsAvailability().build : undefined;
    if (build?.headLimit) {
      // Builds after v20.30 answer 431 themselves above the limit they loaded with.
      expect(() => new Application({ maxHeaderSize: build.headLimit! + 1, handlers: [], transport: 'uws' })).to.throw(ConfigurationError, /UWS_HTTP_MAX_HEADERS_SIZE=/);
      expect(() => new Application({ maxHeaderSize: build.headLimit!, handlers: [], transport: 'uws' })).to.not.throw();
    }
    expect(() => new Application({ requestTimeout: 0 })).to.throw(ConfigurationError, /requestTimeout/);
    expect(() => new Application({ handlerTimeout: -1 })).to.throw(ConfigurationError, /handlerTimeout/);
    expect(() => new Application({ maxHeaderSize: 0 })).to.throw(ConfigurationError, /maxHeaderSize/);
    expect(() => new Application({ ssl: { keyFile: '/nope/key.pem', certFile: '/nope/cert.pem' } })).to.throw(ConfigurationError, /cannot read/);
  });
});
