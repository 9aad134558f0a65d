import { expect } from 'chai';
import net from 'node:net';
import { Application, RequestHandler, streamRequestBody } from '../../lib';
import { TestServer } from '../../lib/testing';
import { rawExchange, rawRequest, statusLines, waitFor } from '../helpers/raw-http';

class EchoSize extends RequestHandler {
  post() {
    this.write({ size: this.request.body.length, head: this.request.body.subarray(0, 5).toString() });
  }
  put() {
    this.write({ size: this.request.body.length });
  }
}

const streamEvents: string[] = [];

@streamRequestBody
class Streamer extends RequestHandler {
  received = 0;
  chunks = 0;
  override prepare() {
    streamEvents.push(`prepare body=${this.request.body.length}`);
  }
  async dataReceived(chunk: Buffer) {
    this.received += chunk.length;
    this.chunks++;
    // A slow consumer: the transport must pause the client instead of buffering.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  put() {
    streamEvents.push(`put ${this.received}`);
    this.write({ received: this.received, chunked: this.chunks > 1 });
  }
}

@streamRequestBody
class StreamerRejecting extends RequestHandler {
  override prepare() {
    this.setStatus(401);
    return this.finish('no');
  }
  dataReceived() {}
  put() {}
}

describe('request bodies', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(
      new Application({ maxBodySize: 1024 * 1024, handlers: [['/echo', EchoSize], ['/stream', Streamer], ['/stream-reject', StreamerRejecting]] }),
    );
  });
  after(() => server.close());

  it('reads Content-Length and chunked bodies whole', async () => {
    expect((await server.fetch('/echo', { method: 'POST', body: Buffer.alloc(300_000, 65) })).json()).to.deep.equal({ size: 300_000, head: 'AAAAA' });
    const raw = await rawRequest(server.port, 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    expect(raw).to.contain('{"size":11,"head":"hello"}');
  });

  it('answers 413 at once when Content-Length is over maxBodySize, with Connection: close', async () => {
    // The connection is not cut under the client: uWS reads on and discards the body until the
    // client closes (or its idle time passes); the Node transport closes lingering.
    const { data } = await rawExchange(server.port, `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\nabc`, 1000);
    expect(statusLines(data)).to.deep.equal(['HTTP/1.1 413 Payload Too Large']);
    expect(data.toLowerCase()).to.contain('connection: close');
  });

  it('answers 413 when a chunked body grows over maxBodySize', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.on('error', () => undefined);
    socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(64 * 1024, 66);
    for (let i = 0; i < 20 && !socket.destroyed; i++) {
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write('\r\n');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    socket.destroy();
    expect(statusLines(received)).to.deep.equal(['HTTP/1.1 413 Payload Too Large']);
  });

  it('keeps serving after a 413', async () => {
    expect((await server.fetch('/echo', { method: 'PUT', body: 'fine' })).json()).to.deep.equal({ size: 4 });
  });

  it('streams bodies to dataReceived() after prepare(), with flow control', async () => {
    streamEvents.length = 0;
    const response = await server.fetch('/stream', { method: 'PUT', body: Buffer.alloc(900_000, 1) });
    expect(response.json()).to.deep.equal({ received: 900_000, chunked: true });
    expect(streamEvents).to.deep.equal(['prepare body=0', 'put 900000']);
  });

  it('applies maxBodySize to streamed bodies too', async () => {
    const response = await server.fetch('/stream', { method: 'PUT', headers: { 'Transfer-Encoding': 'chunked' }, body: Buffer.alloc(1_100_000, 1) }).catch((error) => error);
    if (response instanceof Error) expect(response.message).to.match(/socket hang up|ECONNRESET|EPIPE/);
    else expect(response.status).to.equal(413);
  });

  it('lets prepare() refuse a streamed upload before the body is read', async () => {
    const response = await server.fetch('/stream-reject', { method: 'PUT', body: Buffer.alloc(10_000) });
    expect([response.status, response.text]).to.deep.equal([401, 'no']);
  });

  it('survives clients that vanish mid-upload, in a loop', async () => {
    for (let i = 0; i < 50; i++) {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.on('connect', resolve));
      socket.write(`POST /${i % 2 ? 'echo' : 'stream'} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n`);
      socket.write(Buffer.alloc(5000));
      socket.destroy();
    }
    await waitFor(() => true);
    expect((await server.fetch('/echo', { method: 'POST', body: 'alive' })).json()).to.deep.equal({ size: 5, head: 'alive' });
  });
});
