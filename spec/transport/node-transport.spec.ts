import { expect } from 'chai';
import { WebSocket as WsClient } from 'ws';
import { Application, ConfigurationError, RequestHandler, sleep, WebSocket, WebSocketHandler } from '../../lib';
import { nodeHasReusePort } from '../../lib/transport/node-server';
import { RouteTable } from '../../lib/transport/route-table';
import { TestServer } from '../../lib/testing';
import { rawExchange, statusLines } from '../helpers/raw-http';

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
    const { data, closedByServer } = await rawExchange(server.port, 'GET /version HTTP/1.0\r\n\r\n', 1000);
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
    const withBody = await rawExchange(server.port, 'POST /version HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\nhello', 1000);
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
