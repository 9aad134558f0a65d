import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { TestServer } from '../../lib/testing';
import { makeApp } from '../../samples/hello/app';

const run = promisify(execFile);
const sample = (name: string) => path.join(__dirname, '..', '..', 'samples', name, 'app.js');

describe('samples/ioloop, samples/httpclient, samples/coroutine', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(makeApp());
  });
  after(() => server.close());

  it('ioloop: runs callLater and a PeriodicCallback, then stops the loop', async () => {
    const { stdout } = await run(process.execPath, [sample('ioloop')]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).to.equal('callLater: 50 ms later');
    expect(lines.filter((line) => line.startsWith('tick '))).to.have.length.within(2, 4);
    expect(lines.slice(-2)).to.deep.equal(['stopping the loop', 'loop stopped']);
  });

  it('httpclient: fetches inside runSync and prints the body, or the error', async () => {
    expect((await run(process.execPath, [sample('httpclient'), server.url('/')])).stdout).to.equal('Hello, Tornado!\n');
    expect((await run(process.execPath, [sample('httpclient'), server.url('/missing')])).stdout).to.equal('Error: HTTP 404: Not Found\n');
  });

  it('coroutine: a generator yielding fetches, and an array of them', async () => {
    const { stdout } = await run(process.execPath, [sample('coroutine'), server.url('/')]);
    expect(stdout).to.equal('Hello, Tornado!\nsizes: [ 15, 15 ]\n');
  });
});
