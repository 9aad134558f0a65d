import { expect } from 'chai';
import { WebSocket as WsClient } from 'ws';
import { Application, ConfigurationError, RequestHandler, sleep, WebSocket, WebSocketHandler } from '../../lib';
import { clientErrorStatus } from '../../lib/transport/node-client-error';
import { nodeHasReusePort } from '../../lib/transport/node-server';
import { RouteTable } from '../../lib/transport/route-table';
import { TestServer } from '../../lib/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeCertificate } from '../helpers/certificate';
import { openFilesOf } from '../helpers/child-server';
import { rawExchange, statusLines, waitFor } from '../helpers/raw-http';

class Version extends RequestHandler {
  get() {
    this.write(`version=${this.request.version}`);
  }
}

class Wait extends RequestHandler {
  async get(ms: string) {
    await sleep(Number(ms) / 1000);
    this.write(`waited ${ms}`);
  }
}

const closes: Array<[number | null, string | null]> = [];

@WebSocket('/close-codes')
class CloseCodes extends WebSocketHandler {
  override onClose() {
    closes.push([this.closeCode, this.closeReason]);
  }
}

/** Opens a ws client, closes it with `code`, and resolves with the code the server echoed. */
function closeWith(port: number, code: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = new WsClient(`ws://127.0.0.1:${port}/close-codes`);
    client.on('open', () => client.close(code, `bye ${code}`));
    client.on('close', (echoed) => resolve(echoed));
    client.on('error', reject);
  });
}

describe('the Node transport', function () {
  this.timeout(20_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({ transport: 'node', handlers: [['/version', Version], ['/wait/:ms', Wait], CloseCodes] }));
  });
  after(() => server.close());

  it('answers HTTP/1.0 requests, with a length and a closed connection, and says the version', async () => {
    const { data, closedByServer } = await rawExchange(server.port, 'GET /version HTTP/1.0\r\n\r\n', 10_000);
    expect(statusLines(data)).to.deep.equal(['HTTP/1.1 200 OK']);
    expect(data).to.match(/\r\nContent-Length: 16\r\n/).and.match(/\r\n\r\nversion=HTTP\/1\.0$/);
    expect(closedByServer).to.equal(true);
  });

  it('answers pipelined requests in order, also when an earlier one awaits longer', async () => {
    const pipelined = ['/wait/150', '/wait/0', '/version', '/wait/30'].map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
    const { data } = await rawExchange(server.port, pipelined, 600);
    const bodies = data.split(/HTTP\/1\.1 200 OK\r\n/).slice(1).map((response) => response.slice(response.indexOf('\r\n\r\n') + 4));
    expect(bodies).to.deep.equal(['waited 150', 'waited 0', 'version=HTTP/1.1', 'waited 30']);
  });

  it('accepts every close code RFC 6455 7.4 lets a client send (1012-1014, 3000-4999)', async () => {
    closes.length = 0;
    for (const code of [1000, 1012, 1013, 1014, 3000, 4999]) expect(await closeWith(server.port, code)).to.equal(code);
    const deadline = Date.now() + 10_000;
    while (closes.length < 6 && Date.now() < deadline) await sleep(0.01);
    expect(closes).to.deep.equal([1000, 1012, 1013, 1014, 3000, 4999].map((code) => [code, `bye ${code}`]));
  });

  it('serves a GET asking to upgrade to another protocol (h2c) as HTTP, and refuses one with a body instead of hanging', async () => {
    const h2c = await rawExchange(server.port, 'GET /version HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n', 1000);
    expect(statusLines(h2c.data)).to.deep.equal(['HTTP/1.1 200 OK']);
    expect(h2c.data).to.match(/version=HTTP\/1\.1$/);
    const withBody = await rawExchange(server.port, 'POST /version HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\nhello', 10_000);
    expect(statusLines(withBody.data)).to.deep.equal(['HTTP/1.1 400 Bad Request']);
    expect(withBody.closedByServer).to.equal(true);
  });

  it('says when workers cannot share a port on this Node.js', async function () {
    if (nodeHasReusePort()) {
      process.stdout.write(`      [skipped: Node.js ${process.versions.node} has listen()'s reusePort; the workers specs cover it]\n`);
      this.skip();
    }
    const app = new Application({ transport: 'node', handlers: [['/version', Version]] });
    let error: unknown;
    await app.listen(0, '127.0.0.1', { workers: 2 }).catch((e) => (error = e));
    expect(error).to.be.instanceOf(ConfigurationError);
    expect((error as Error).message).to.contain('reusePort').and.contain('22.12');
  });
});

/** A raw connection that collects what the server sends. */
function connect(port: number): { socket: net.Socket; received: () => string; closed: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, received: () => data, closed };
}

const HANDSHAKE = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

let prepareStarted = 0;
let connectionClosed = 0;

@WebSocket('/slow-prepare')
class SlowPrepare extends WebSocketHandler {
  override async prepare() {
    prepareStarted++;
    await sleep(0.5);
  }
  override onConnectionClose() {
    connectionClosed++;
  }
}

@WebSocket('/echo')
class Echo extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    return this.writeMessage(message);
  }
}

class Posted extends RequestHandler {
  post() {
    this.write(`posted ${this.request.body.length}`);
  }
}

describe('the Node transport under hostile clients', function () {
  this.timeout(30_000);
  let dir: string;
  let server: TestServer;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'typhoon-node-hostile-'));
    writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    server = await TestServer.start(new Application({
      transport: 'node', staticPath: dir, idleConnectionTimeout: 2,
      handlers: [['/version', Version], ['/wait/:ms', Wait], ['/things/:id', Version], ['/post', Posted], SlowPrepare, Echo],
    }));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a WebSocket handshake pipelined behind a request in order, and lives on', async () => {
    const client = connect(server.port);
    client.socket.write(`GET /wait/100 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n${HANDSHAKE}\r\n`);
    await waitFor(() => client.received().includes('101 Switching Protocols'), 10_000, 'the 101');
    expect(statusLines(client.received())).to.deep.equal(['HTTP/1.1 200 OK', 'HTTP/1.1 101 Switching Protocols']);
    expect(client.received().indexOf('waited 100')).to.be.lessThan(client.received().indexOf('101 Switching'));
    client.socket.destroy();
    expect((await server.fetch('/version')).status).to.equal(200);
  });

  it('answers a handshake node did not take for an upgrade ("Connection: Upgrade<TAB>") instead of hanging', async () => {
    const { data, closedByServer } = await rawExchange(server.port, `GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\t\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, 3000);
    // Node 20's parser does not take it for an upgrade (400 and close); newer ones do (101).
    const [status] = statusLines(data);
    expect(status).to.match(/^HTTP\/1\.1 (101|400) /);
    if (!status.includes(' 101 ')) expect(closedByServer).to.equal(true);
  });

  it('lets the response ahead of a malformed pipelined request finish whole, then closes', async () => {
    const client = connect(server.port);
    client.socket.write('GET /wait/200 HTTP/1.1\r\nHost: x\r\n\r\nPOST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab');
    await client.closed;
    expect(statusLines(client.received())).to.deep.equal(['HTTP/1.1 200 OK']);
    expect(client.received()).to.match(/waited 200$/);
  });

  it('runs at most a few pipelined requests of one connection at once, however many it sends', async () => {
    const client = connect(server.port);
    client.socket.pause(); // reads nothing
    const requests = 'GET /wait/300 HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100);
    client.socket.write(requests);
    // A chance to start too many; a busy machine can only make this check weaker.
    await sleep(0.8);
    const open = openFilesOf(process.pid).filter((file) => file.endsWith('big.bin')).length;
    expect(open).to.be.lessThan(10);
    client.socket.destroy();
    await waitFor(() => openFilesOf(process.pid).filter((file) => file.endsWith('big.bin')).length === 0, 10_000, 'the files to close');
  });

  it('answers a request line that is not one 400 (RFC 9112 §3), and a well-formed one with a method nobody implements 501', async () => {
    const answer = async (request: string) => statusLines((await rawExchange(server.port, request, 10_000)).data);
    expect(await answer('asdf\r\n\r\n')).to.deep.equal(['HTTP/1.1 400 Bad Request']);
    expect(await answer('G@T /version HTTP/1.1\r\nHost: a\r\n\r\n')).to.deep.equal(['HTTP/1.1 400 Bad Request']);
    expect(await answer('FOO\r\n\r\n')).to.deep.equal(['HTTP/1.1 400 Bad Request']);
    expect(await answer('FOO /version HTTP/1.1\r\nHost: a\r\n\r\n')).to.deep.equal(['HTTP/1.1 501 Not Implemented']);
    expect(await answer('get /version HTTP/1.1\r\nHost: a\r\n\r\n')).to.deep.equal(['HTTP/1.1 501 Not Implemented']);
    // The line llhttp stopped in is judged, not the packet's first (a request pipelined behind another).
    const packet = (second: string) => Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n\r\n${second}`, 'latin1');
    const failed = (second: string) => Object.assign(new Error('parse'), { code: 'HPE_INVALID_METHOD', rawPacket: packet(second), bytesParsed: 29 });
    expect(clientErrorStatus(failed('asdf\r\n\r\n'))).to.deep.equal([400, 'Bad Request']);
    expect(clientErrorStatus(failed('FOO /x HTTP/1.1\r\n\r\n'))).to.deep.equal([501, 'Not Implemented']);
  });

  it('gives a parameter no empty segment, as uWS: /things/ is 404', async () => {
    expect((await server.fetch('/things/')).status).to.equal(404);
    expect((await server.fetch('/things/7')).status).to.equal(200);
  });

  it('sees every header line, however many, so the body behind 2,000 of them is read', async () => {
    const filler = Array.from({ length: 2100 }, (_, i) => `X-F${i}: 1\r\n`).join('');
    const { data } = await rawExchange(server.port, `POST /post HTTP/1.1\r\nHost: x\r\n${filler}Content-Length: 5\r\n\r\nhello`, 1000);
    expect(data).to.match(/posted 5$/);
  });

  it('closes a connection that does not complete a request head within idleConnectionTimeout', async () => {
    const client = connect(server.port);
    client.socket.write('GET /version HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    await client.closed;
    expect((Date.now() - started) / 1000).to.be.lessThan(15);
  });

  it('tells a handler in an async prepare() that its client went away (FIN)', async () => {
    prepareStarted = 0;
    connectionClosed = 0;
    const client = connect(server.port);
    client.socket.write(`GET /slow-prepare HTTP/1.1\r\nHost: 127.0.0.1\r\n${HANDSHAKE}\r\n`);
    await waitFor(() => prepareStarted === 1, 5000, 'prepare() to start');
    client.socket.end();
    await waitFor(() => connectionClosed === 1, 5000, 'onConnectionClose');
  });

  it('lets every client that is still uploading read its 413: the connection closes lingering, not with a reset', async () => {
    const small = await TestServer.start(new Application({ transport: 'node', maxBodySize: 1 << 20, handlers: [['/post', Posted]] }));
    try {
      const upload = () => new Promise<string>((resolve) => {
        const client = connect(small.port);
        client.socket.write(`POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 << 20}\r\n\r\n`);
        const chunk = Buffer.alloc(64 * 1024, 65);
        let sent = 0;
        const pump = () => {
          while (sent < 2 << 20 && !client.socket.destroyed) {
            sent += chunk.length;
            if (!client.socket.write(chunk)) return void client.socket.once('drain', pump);
          }
        };
        pump();
        void client.closed.then(() => resolve(client.received()));
      });
      const answers = await Promise.all(Array.from({ length: 10 }, upload));
      expect(answers.map((answer) => statusLines(answer)[0])).to.deep.equal(Array(10).fill('HTTP/1.1 413 Payload Too Large'));
    } finally {
      await small.close();
    }
  });

  it('refuses TLS files it cannot use with a ConfigurationError', async () => {
    const { keyFile, certFile, folder } = makeCertificate('right');
    try {
      const app = new Application({ transport: 'node', ssl: { keyFile, certFile, passphrase: 'wrong' }, handlers: [['/version', Version]] });
      let error: unknown;
      await app.listen(0, '127.0.0.1').catch((e) => (error = e));
      expect(error).to.be.instanceOf(ConfigurationError);
      expect((error as Error).message).to.contain('passphrase');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('RouteTable (uWS pattern matching without uWS)', () => {
  const table = new RouteTable<string>();
  for (const [pattern, name] of [
    ['/', 'root'], ['/items/:id', 'item'], ['/items/new', 'new item'], ['/items/:id/parts/:part', 'part'],
    ['/files/*', 'files'], ['/files/special', 'special file'], ['/*', 'anything'], ['/items/:id', 'registered twice'],
  ]) table.add(pattern, name);

  it('prefers a literal segment to a parameter, and a parameter to a wildcard, backtracking when a branch fails', () => {
    expect(table.match('/')).to.deep.equal({ value: 'root', params: [] });
    expect(table.match('/items/new')).to.deep.equal({ value: 'new item', params: [] });
    expect(table.match('/items/42')).to.deep.equal({ value: 'item', params: ['42'] });
    expect(table.match('/items/42/parts/7')).to.deep.equal({ value: 'part', params: ['42', '7'] });
    expect(table.match('/items/new/parts/7')).to.deep.equal({ value: 'part', params: ['new', '7'] });
    expect(table.match('/files/special')).to.deep.equal({ value: 'special file', params: [] });
    expect(table.match('/files/a/b%20c')).to.deep.equal({ value: 'files', params: [] });
    expect(table.match('/files/')).to.deep.equal({ value: 'files', params: [] });
    expect(table.match('/items/42/other')).to.deep.equal({ value: 'anything', params: [] });
    expect(table.match('/files')).to.deep.equal({ value: 'anything', params: [] });
    expect(table.match('/items/')).to.deep.equal({ value: 'anything', params: [] });
    expect(table.size).to.equal(8);
  });

  it('matches nothing without a catch-all', () => {
    const plain = new RouteTable<number>();
    plain.add('/a/:b', 1);
    expect(plain.match('/a')).to.equal(null);
    expect(plain.match('/a/b/c')).to.equal(null);
    expect(plain.match('/a/x')).to.deep.equal({ value: 1, params: ['x'] });
  });
});
