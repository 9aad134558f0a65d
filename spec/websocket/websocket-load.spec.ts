import { expect } from 'chai';
import net from 'node:net';
import { Application, HTTPClientError, WebSocket, WebSocketHandler, websocketConnect, type WebSocketClientConnection } from '../../lib';
import { TestServer } from '../../lib/testing';
import { waitFor } from '../helpers/raw-http';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CHUNK = Buffer.alloc(64 * 1024, 120);

@WebSocket('/topic')
class TopicSocket extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    const [verb, topic, text] = String(message).split(' ');
    if (verb === 'sub') this.subscribe(topic);
    if (verb === 'unsub') this.unsubscribe(topic);
    if (verb === 'pub') this.publish(topic, text);
    void this.writeMessage(`done ${verb}`);
  }
}

const flood = { sent: 0, result: '' };

@WebSocket('/flood-close', { maxBackpressure: 1024 * 1024 })
class FloodClose extends WebSocketHandler {
  override open() {
    flood.sent = 0;
    // A producer that does not wait: the backpressure limit must stop it.
    for (let i = 0; i < 2000 && !this.closed; i++) {
      this.writeMessage(CHUNK, true).then(() => flood.sent++, (error) => (flood.result = error.constructor.name));
    }
  }
}

@WebSocket('/flood-drop', { maxBackpressure: 1024 * 1024, backpressure: 'drop' })
class FloodDrop extends WebSocketHandler {
  override open() {
    for (let i = 0; i < 2000; i++) void this.writeMessage(CHUNK, true);
    void this.writeMessage('last', false).then(() => (flood.result = `dropped ${this.droppedMessages}`));
  }
}

const paced = { written: 0, done: false };

@WebSocket('/paced')
class Paced extends WebSocketHandler {
  override async open() {
    paced.written = 0;
    paced.done = false;
    for (let i = 0; i < 400; i++) {
      await this.writeMessage(CHUNK, true);
      paced.written++;
    }
    paced.done = true;
  }
}

@WebSocket('/stay')
class Stay extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    void this.writeMessage(message, Buffer.isBuffer(message));
  }
}

/** Opens a raw TCP connection, sends a handshake, and returns the socket, paused (a client that stops reading). */
function rawUpgrade(port: number, path: string): Promise<net.Socket & { firstBytes: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      socket.once('data', (chunk) => {
        socket.pause();
        resolve(Object.assign(socket, { firstBytes: chunk.length }));
      });
    });
    socket.on('error', () => undefined);
  });
}

describe('WebSocket topics, backpressure and load', function () {
  this.timeout(60_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({ handlers: [TopicSocket, FloodClose, FloodDrop, Paced, Stay] }));
  });
  after(() => server.close());

  it('delivers publish() to subscribers except the sender, app.publish() to all, and stops after unsubscribe', async () => {
    const [a, b, c] = await Promise.all([server.websocket('/topic'), server.websocket('/topic'), server.websocket('/topic')]);
    for (const conn of [a, b]) {
      await conn.writeMessage('sub news');
      expect(await conn.readMessage()).to.equal('done sub');
    }
    await a.writeMessage('pub news hello');
    expect(await a.readMessage()).to.equal('done pub');
    expect(await b.readMessage()).to.equal('hello');
    expect(server.app.publish('news', 'from app')).to.equal(true);
    expect(await a.readMessage()).to.equal('from app');
    expect(await b.readMessage()).to.equal('from app');
    await b.writeMessage('unsub news');
    expect(await b.readMessage()).to.equal('done unsub');
    server.app.publish('news', { json: true });
    expect(await a.readMessage()).to.equal('{"json":true}');
    await c.writeMessage('sub other');
    expect(await c.readMessage()).to.equal('done sub');
    server.app.publish('other', 'for c');
    // b and a got nothing more; c got only its topic.
    expect(await c.readMessage()).to.equal('for c');
    // Anything sent to b before its answer to this comes first.
    await b.writeMessage('fence');
    expect(await b.readMessage()).to.equal('done fence');
    for (const conn of [a, b, c]) await conn.close();
    expect(await b.readMessage()).to.equal(null);
  });

  it('broadcasts one topic message to 1,000 connected clients', async () => {
    const clients: WebSocketClientConnection[] = [];
    for (let i = 0; i < 1000; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => server.websocket('/topic')))));
    }
    await Promise.all(clients.map(async (conn) => {
      await conn.writeMessage('sub all');
      expect(await conn.readMessage()).to.equal('done sub');
    }));
    server.app.publish('all', 'to everyone');
    const received = await Promise.all(clients.map((conn) => conn.readMessage()));
    expect(received.filter((message) => message === 'to everyone')).to.have.length(1000);
    await Promise.all(clients.map((conn) => conn.close()));
  });

  it('closes a client that stops reading once its backpressure passes the limit', async () => {
    flood.result = '';
    const socket = await rawUpgrade(server.port, '/flood-close');
    await waitFor(() => flood.result !== '', 10_000, 'the flood to stop');
    expect(flood.result).to.equal('WebSocketClosedError');
    expect(flood.sent).to.be.lessThan(200);
    socket.destroy();
    const check = await server.websocket('/stay');
    await check.writeMessage('alive');
    expect(await check.readMessage()).to.equal('alive');
    await check.close();
  });

  it("drops a non-reading client's messages instead when configured, keeping it open", async () => {
    flood.result = '';
    const socket = await rawUpgrade(server.port, '/flood-drop');
    await waitFor(() => flood.result !== '', 10_000, 'the last write');
    const dropped = Number(flood.result.split(' ')[1]);
    expect(dropped).to.be.greaterThan(1000);
    expect(socket.destroyed).to.equal(false);
    socket.destroy();
  });

  it('paces a producer that awaits writeMessage() to a slow reader', async () => {
    const socket = await rawUpgrade(server.port, '/paced');
    // A chance to write ahead of the reader; a busy machine can only make this check weaker.
    await sleep(1000);
    const whileStalled = paced.written;
    expect(whileStalled).to.be.lessThan(200);
    let bytes = socket.firstBytes;
    socket.on('data', (chunk) => (bytes += chunk.length));
    socket.resume();
    await waitFor(() => paced.done, 10_000, 'the producer to finish');
    expect(paced.written).to.equal(400);
    await waitFor(() => bytes >= 400 * CHUNK.length, 10_000, 'every byte to arrive');
    socket.destroy();
  });

  it('stays healthy through abrupt disconnects in a loop', async () => {
    for (let i = 0; i < 200; i++) {
      if (i % 2) {
        const conn = await server.websocket('/stay');
        void conn.writeMessage('x'.repeat(1000)).catch(() => undefined);
        conn.terminate();
      } else {
        const socket = await rawUpgrade(server.port, '/stay');
        socket.write(Buffer.from([0x81, 0x85, 1, 2, 3])); // half a frame, then gone
        socket.destroy();
      }
    }
    // Time for the dropped connections to unwind; a busy machine can only make this check weaker.
    await sleep(100);
    const check = await server.websocket('/stay');
    await check.writeMessage('still alive');
    expect(await check.readMessage()).to.equal('still alive');
    await check.close();
    expect((await server.fetch('/stay')).status).to.equal(426);
  });
});

describe('websocketConnect', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(new Application({ handlers: [Stay] }));
  });
  after(() => server.close());

  it('writes and reads, returns null once closed, and reports close code and reason', async () => {
    const conn = await websocketConnect(server.url('/stay', 'ws'));
    await conn.writeMessage('one');
    await conn.writeMessage(Buffer.from('two'), true);
    expect(await conn.readMessage()).to.equal('one');
    expect(await conn.readMessage()).to.deep.equal(Buffer.from('two'));
    await conn.close(4001, 'done here');
    expect([conn.closeCode, conn.closeReason]).to.deep.equal([4001, 'done here']);
    expect(await conn.readMessage()).to.equal(null);
    expect(await conn.writeMessage('after').catch((error) => error.name)).to.equal('WebSocketClosedError');
  });

  it('fails with HTTPClientError 599 when the handshake does not come in time', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    const error = await websocketConnect(`ws://127.0.0.1:${port}/`, { connectTimeout: 0.3 }).catch((e) => e);
    expect(error).to.be.instanceOf(HTTPClientError).and.include({ code: 599 });
    expect(Date.now() - started).to.be.lessThan(3000);
    silent.close();
    const refused = await websocketConnect('ws://127.0.0.1:1/').catch((e) => e);
    expect(refused).to.be.instanceOf(HTTPClientError).and.include({ code: 599 });
  });

  it('sends pings every pingInterval', async () => {
    let pings = 0;
    @WebSocket('/count-pings')
    class CountPings extends WebSocketHandler {
      override onPing() {
        pings++;
      }
    }
    const own = await TestServer.start(new Application({ handlers: [CountPings] }));
    const conn = await own.websocket('/count-pings', { pingInterval: 0.05 });
    await waitFor(() => pings >= 3, 10_000, 'three pings');
    await conn.close();
    await own.close();
  });
});
