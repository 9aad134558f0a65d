import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Application, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { specTransport } from '../helpers/requirements';

const MB = 1024 * 1024;
const SIZE = 48 * MB;

/** A response written in 1 MiB chunks, each awaited with flush() (backpressure through the transport's drain). */
class Chunks extends RequestHandler {
  async get() {
    const chunk = Buffer.alloc(MB, 0x61);
    for (let i = 0; i < SIZE / MB; i++) {
      this.write(chunk);
      await this.flush();
    }
  }
}

/**
 * Reads `path` on a raw connection: 8 MiB, then nothing for `pauseMs` (the server's socket
 * fills and it waits), then the rest. Resolves with the body bytes received when the response
 * is complete or the server closed the connection.
 */
function burstRead(port: number, target: string, pauseMs: number): Promise<{ body: number; cut: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`));
    let received = 0;
    let paused = false;
    let headEnd = -1;
    let head = '';
    const finish = (cut: boolean) => {
      socket.destroy();
      resolve({ body: received - (headEnd < 0 ? 0 : headEnd), cut });
    };
    socket.on('data', (chunk) => {
      if (headEnd < 0) {
        head += chunk.toString('latin1', 0, Math.min(chunk.length, 2048));
        const at = head.indexOf('\r\n\r\n');
        if (at >= 0) headEnd = at + 4;
      }
      received += chunk.length;
      // Chunked framing adds a few bytes per chunk; a complete body ends with the last chunk.
      if (head.includes('Content-Length') ? received - headEnd >= SIZE : chunk.toString('latin1', Math.max(0, chunk.length - 5)) === '0\r\n\r\n') return finish(false);
      if (!paused && received > 8 * MB) {
        paused = true;
        socket.pause();
        setTimeout(() => socket.resume(), pauseMs);
      }
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}

describe('slow readers: a response is not cut while its client still reads', function () {
  this.timeout(60_000);
  let folder: string;
  let server: TestServer;
  /**
   * Longer than the idle timer uWS arms when a write finds the socket full (10 s by default,
   * 8-12 s as uSockets counts in 4 s ticks): before the fix, uWS cut the response while the
   * client paused. The Node transport never cut it.
   */
  const pauseMs = specTransport() === 'node' ? 2000 : 13_000;

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'typhoon-slow-reader-'));
    writeFileSync(path.join(folder, 'big.bin'), Buffer.alloc(SIZE, 0x62));
    server = await TestServer.start(new Application({ handlers: [['/chunks', Chunks]], staticPath: folder }));
  });
  after(async () => {
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it(`delivers a 48 MiB static file and a 48 MiB flushed response whole to clients that stop reading for ${pauseMs / 1000} s`, async () => {
    const [file, chunks] = await Promise.all([burstRead(server.port, '/static/big.bin', pauseMs), burstRead(server.port, '/chunks', pauseMs)]);
    expect(file).to.deep.equal({ body: SIZE, cut: false });
    expect(chunks.cut).to.equal(false);
    expect(chunks.body).to.be.greaterThan(SIZE);
  });
});
