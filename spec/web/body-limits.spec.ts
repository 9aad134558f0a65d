import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import { Application, HTTPError, RequestHandler, streamRequestBody, type ApplicationSettings } from '../../lib';
import { TestServer } from '../../lib/testing';
import { waitFor } from '../helpers/promises';
import { rawExchange, statusLines } from '../helpers/raw-http';
import { specTransport } from '../helpers/requirements';

/** A gate the test opens: requests to /hold wait on it with their body held. */
let gate: { open: () => void; promise: Promise<void> };
const resetGate = () => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  gate = { open, promise };
};
const events: string[] = [];

class Hold extends RequestHandler {
  async post() {
    events.push('hold entered');
    await gate.promise;
    this.write({ held: this.request.body.length });
  }
}

class Echo extends RequestHandler {
  post() {
    events.push(`echo entered (gate ${gateOpened ? 'open' : 'shut'})`);
    this.write({ size: this.request.body.length });
  }
}
let gateOpened = false;

/** Opens a connection and sends a request head plus the first `sent` bytes of a `length`-byte body. */
function startUpload(port: number, path: string, length: number, sent: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`);
      if (sent) socket.write(Buffer.alloc(sent, 97));
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** What a socket receives until the server closes it, or until a whole error page (`</html>`) came. */
function readAll(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('</html>')) resolve(data);
    });
    socket.on('close', () => resolve(data));
    socket.on('error', () => undefined);
  });
}

function appWith(settings: ApplicationSettings, seen: string[]): Application {
  const app = new Application({ ...settings, handlers: [['/hold', Hold], ['/echo', Echo]] });
  app.addHook('onRequest', (handler) => void seen.push(handler.request.uri));
  return app;
}

describe('request bodies: the budget across connections and the deadlines', () => {
  beforeEach(() => {
    events.length = 0;
    gateOpened = false;
    resetGate();
  });

  it('a body that does not fit maxBufferedBodySize waits, its client paused, until an earlier request ends', async () => {
    const seen: string[] = [];
    const server = await TestServer.start(appWith({ maxBodySize: 1000, maxBufferedBodySize: 1000 }, seen));
    try {
      const held = server.fetch('/hold', { method: 'POST', body: Buffer.alloc(1000, 97) });
      await waitFor(() => events.includes('hold entered'), 10_000, 'the first request to hold its body');
      // The first holds the whole budget: the second waits, paused, with what it sent first.
      const second = await startUpload(server.port, '/echo?second', 1000, 100);
      const answer = readAll(second);
      await waitFor(() => seen.includes('/echo?second'), 10_000, 'the second request to arrive');
      second.write(Buffer.alloc(900, 97));
      // A round trip after the rest was sent: without the budget, the second would have run by now.
      expect((await server.fetch('/fence')).status).to.equal(404);
      gateOpened = true;
      gate.open();
      expect((await held).json()).to.deep.equal({ held: 1000 });
      second.end();
      const raw = await answer;
      expect(raw).to.match(/^HTTP\/1\.1 200 /);
      expect(raw).to.contain('{"size":1000}');
      expect(events).to.deep.equal(['hold entered', 'echo entered (gate open)']);
    } finally {
      gate.open();
      await server.close();
    }
  });

  it('answers 503 with Retry-After to a body that found no room within requestTimeout, and serves the next one', async () => {
    const seen: string[] = [];
    const server = await TestServer.start(appWith({ maxBodySize: 1000, maxBufferedBodySize: 1000, requestTimeout: 1 }, seen));
    try {
      const held = server.fetch('/hold', { method: 'POST', body: Buffer.alloc(600, 97) });
      await waitFor(() => events.includes('hold entered'), 10_000, 'the first request to hold its body');
      const refused = await server.fetch('/echo', { method: 'POST', body: Buffer.alloc(500, 97) });
      expect(refused.status).to.equal(503);
      expect(refused.headers.get('retry-after')).to.equal('1');
      expect(events).to.deep.equal(['hold entered']);
      gate.open();
      expect((await held).status).to.equal(200);
      const next = await server.fetch('/echo', { method: 'POST', body: Buffer.alloc(1000, 97) });
      expect(next.json()).to.deep.equal({ size: 1000 });
    } finally {
      gate.open();
      await server.close();
    }
  });

  it('answers 408 with Connection: close to a body that stalls past requestTimeout', async () => {
    const server = await TestServer.start(appWith({ requestTimeout: 1 }, []));
    try {
      const socket = await startUpload(server.port, '/echo', 1000, 10);
      const raw = await readAll(socket);
      expect(raw).to.match(/^HTTP\/1\.1 408 /);
      expect(raw.toLowerCase()).to.contain('connection: close');
      expect(events).to.deep.equal([]);
    } finally {
      await server.close();
    }
  });

  it('answers 408 to a body whose client sends nothing for idleConnectionTimeout (node transport: the idle time is settable)', async () => {
    const server = await TestServer.start(appWith({ transport: 'node', idleConnectionTimeout: 1, requestTimeout: 60 }, []));
    try {
      const socket = await startUpload(server.port, '/echo', 1000, 10);
      const raw = await readAll(socket);
      expect(raw).to.match(/^HTTP\/1\.1 408 /);
      expect(events).to.deep.equal([]);
    } finally {
      await server.close();
    }
  });

  it('lets a body arrive slower than 16 KiB/s for longer than 10 s (uWS drops those by itself)', async function () {
    this.timeout(40_000);
    const server = await TestServer.start(appWith({}, []));
    try {
      const total = 64 * 1024;
      const socket = await startUpload(server.port, '/echo', total, 0);
      const answer = readAll(socket);
      // 4 KiB every 0.8 s (5 KiB/s): the body takes 12.8 s, past uWS's 10 s window (which
      // fires 8 to 12 s after it was armed, in uSockets' 4 s ticks).
      for (let sent = 0; sent < total && !socket.destroyed; sent += 4096) {
        socket.write(Buffer.alloc(4096, 97));
        await new Promise((resolve) => setTimeout(resolve, 800));
      }
      socket.end();
      const raw = await answer;
      expect(raw).to.match(/^HTTP\/1\.1 200 /);
      expect(raw).to.contain(`{"size":${total}}`);
    } finally {
      await server.close();
    }
  });

  it('every client of an upload refused with 413 reads the answer (a lingering close, not a reset)', async () => {
    const server = await TestServer.start(new Application({ maxBodySize: 1024 * 1024, handlers: [['/echo', Echo]] }));
    try {
      // Half say Connection: close (no agent), which uWS answers by closing as soon as the
      // response ends; half keep the connection alive.
      const upload = (_: unknown, i: number) =>
        new Promise<string>((resolve) => {
          const agent = i % 2 ? false : undefined;
          const request = http.request({ port: server.port, host: '127.0.0.1', path: '/echo', method: 'POST', agent, headers: { 'Content-Length': 2 * 1024 * 1024 } });
          request.on('response', (response) => {
            response.resume();
            response.on('end', () => resolve(String(response.statusCode)));
            response.on('error', (error) => resolve(`response ${(error as NodeJS.ErrnoException).code}`));
          });
          request.on('error', (error) => resolve((error as NodeJS.ErrnoException).code ?? error.message));
          request.end(Buffer.alloc(2 * 1024 * 1024, 97));
        });
      const outcomes = await Promise.all(Array.from({ length: 20 }, upload));
      expect(outcomes).to.deep.equal(Array(20).fill('413'));
      // A body refused midway (no Content-Length up front: chunked) is answered the same way,
      // with Connection: close, and nothing behind it is served.
      const chunk = `100000\r\n${'a'.repeat(0x100000)}\r\n`;
      const chunked = await rawExchange(server.port, `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}0\r\n\r\n`, 1000);
      expect(statusLines(chunked.data)).to.deep.equal(['HTTP/1.1 413 Payload Too Large']);
      expect(chunked.data.toLowerCase()).to.contain('connection: close');
    } finally {
      await server.close();
    }
  });
});

describe('request bodies: memory and connections after early answers', () => {
  it('allocates nothing for a declared body whose request was answered before its body was read', async () => {
    const app = new Application({ maxBodySize: 8 * 1024 * 1024, handlers: [['/echo', Echo]] });
    app.addHook('onRequest', (handler) => {
      if (handler.request.path === '/echo') throw new HTTPError(401, 'no token');
    });
    const server = await TestServer.start(app);
    const sockets: net.Socket[] = [];
    try {
      const before = process.memoryUsage().arrayBuffers;
      const answers = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const socket = await startUpload(server.port, '/echo', 8 * 1024 * 1024, 1);
          sockets.push(socket);
          const answer = readAll(socket);
          return (await answer).split('\r\n')[0];
        }),
      );
      expect(answers).to.deep.equal(Array(20).fill('HTTP/1.1 401 Unauthorized'));
      // 20 bodies declaring 8 MiB each once held 160 MiB until their connections closed.
      expect(process.memoryUsage().arrayBuffers - before).to.be.lessThan(40 * 1024 * 1024);
    } finally {
      for (const socket of sockets) socket.destroy();
      await server.close();
    }
  });

  it('serves the next request on a connection whose streamed body was refused in prepare()', async () => {
    @streamRequestBody
    class Refusing extends RequestHandler {
      override prepare() {
        return this.sendError(401);
      }
      dataReceived() {}
      post() {}
    }
    class Ping extends RequestHandler {
      get() {
        this.write('pong');
      }
    }
    const server = await TestServer.start(new Application({ handlers: [['/upload', Refusing], ['/ping', Ping]] }));
    try {
      const socket = await startUpload(server.port, '/upload', 100_000, 10);
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      await waitFor(() => data.includes('</html>'), 10_000, 'the 401');
      expect(statusLines(data)).to.deep.equal(['HTTP/1.1 401 Unauthorized']);
      // The rest of the body, then the next request on the same connection (uWS reads on; the
      // Node transport closes after the answer, as the 401 said: Connection: close).
      socket.write('a'.repeat(100_000 - 10));
      socket.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(() => data.includes('pong') || socket.destroyed || socket.readableEnded, 10_000, 'the next answer or the close');
      if (specTransport() === 'uws') expect(statusLines(data)).to.deep.equal(['HTTP/1.1 401 Unauthorized', 'HTTP/1.1 200 OK']);
      socket.destroy();
    } finally {
      await server.close();
    }
  });
});
