import { expect } from 'chai';
import { closeSync, mkdtempSync, openSync, rmSync, ftruncateSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openFilesOf, rssOf, startChildServer, type ChildServer } from '../helpers/child-server';
import { waitFor } from '../helpers/raw-http';

const GB = 1024 * 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('StaticFileHandler with a 1 GB file', function () {
  this.timeout(60_000);
  let folder: string;
  let server: ChildServer;

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'typhoon-large-'));
    const fd = openSync(path.join(folder, 'huge.bin'), 'w');
    ftruncateSync(fd, GB); // sparse: no disk space, reads give zeros
    closeSync(fd);
    server = await startChildServer(path.join(__dirname, '..', 'fixtures', 'static-server.js'), [folder]);
  });
  after(async () => {
    await server?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('streams it to a slow reader with flat server memory (well under 100 MB growth)', async () => {
    const pid = server.child.pid!;
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
    const socket = net.connect(server.port, '127.0.0.1');
    let received = 0;
    let head = '';
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk) => {
        if (head.length < 600) head += chunk.subarray(0, 600).toString('latin1');
        received += chunk.length;
        if (received >= GB) resolve();
      });
      socket.on('error', reject);
    });
    socket.write('GET /static/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    await waitFor(() => openFilesOf(pid).some((file) => file.endsWith('huge.bin')), 10_000, 'the file to be open');
    // Not reading at all: the server must not read the file ahead. A busy machine gives it less
    // time to try, so this check can only get weaker, never fail.
    await sleep(1500);
    const whileStalled = rssOf(pid);
    // Then read in bursts with pauses: a slow client.
    const pacer = setInterval(() => (socket.isPaused() ? socket.resume() : socket.pause()), 20);
    socket.resume();
    await done;
    clearInterval(pacer);
    clearInterval(sampler);
    socket.destroy();
    expect(head).to.match(/^HTTP\/1\.1 200 OK/);
    expect(head).to.contain(`Content-Length: ${GB}`);
    expect(received).to.be.at.least(GB);
    expect(whileStalled - baseline, 'growth while the client does not read').to.be.lessThan(100 * 1024 * 1024);
    expect(peak - baseline, 'peak growth while streaming').to.be.lessThan(100 * 1024 * 1024);
  });

  it('releases the file at once when the download is aborted', async () => {
    const pid = server.child.pid!;
    const socket = net.connect(server.port, '127.0.0.1');
    socket.write('GET /static/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => socket.once('data', resolve));
    await waitFor(() => openFilesOf(pid).some((file) => file.endsWith('huge.bin')), 10_000, 'the file to be open');
    socket.destroy();
    await waitFor(() => !openFilesOf(pid).some((file) => file.endsWith('huge.bin')), 10_000, 'the file to be closed');
    const check = await fetch(`http://127.0.0.1:${server.port}/static/missing`);
    expect(check.status).to.equal(404);
  });
});
