import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { IOLoop, PeriodicCallback, sleep, TimeoutError } from '../../lib';
import { waitFor } from '../helpers/raw-http';
import { captureLogs } from '../helpers/logs';

const run = promisify(execFile);

describe('IOLoop', () => {
  const loop = IOLoop.current();
  const logs = captureLogs('error');

  it('is one instance per thread', () => {
    expect(IOLoop.current()).to.equal(loop);
  });

  it('keeps monotonic time in seconds', async () => {
    const start = loop.time();
    await sleep(0.05);
    const elapsed = loop.time() - start;
    expect(elapsed).to.be.at.least(0.04).and.lessThan(5);
  });

  it('runs callLater, callAt and addTimeout callbacks in deadline order, with arguments', async () => {
    const order: string[] = [];
    loop.callLater(0.06, (name: string) => order.push(name), 'later');
    loop.callAt(loop.time() + 0.02, (name: string) => order.push(name), 'at');
    loop.addTimeout(loop.time() + 0.04, () => order.push('timeout'));
    loop.addCallback((a: number, b: number) => order.push(`callback ${a + b}`), 1, 2);
    await waitFor(() => order.length === 4);
    expect(order).to.deep.equal(['callback 3', 'at', 'timeout', 'later']);
  });

  it('cancels with removeTimeout', async () => {
    let ran = false;
    const handle = loop.callLater(0.02, () => (ran = true));
    loop.removeTimeout(handle);
    await sleep(0.05); // ends after the 0.02 s timer would have run (deadline order), however busy the machine
    expect(ran).to.equal(false);
  });

  it('logs errors of callbacks and spawned async functions instead of crashing', async () => {
    loop.addCallback(() => {
      throw new Error('sync failure');
    });
    loop.spawnCallback(async function failing() {
      await sleep(0.01);
      throw new Error('async failure');
    });
    await waitFor(() => logs.records.length === 2);
    expect(logs.records.map((record) => String(record.error)).sort()).to.deep.equal(['Error: async failure', 'Error: sync failure']);
    expect(logs.records.some((record) => record.message.includes('failing()'))).to.equal(true);
  });

  it('runSync resolves with the result, passes errors through, and times out with TimeoutError', async () => {
    expect(await loop.runSync(() => 7)).to.equal(7);
    expect(await loop.runSync(async () => {
      await sleep(0.01);
      return 'done';
    }, { timeout: 1 })).to.equal('done');
    const failed = await loop.runSync(async () => {
      throw new Error('inner');
    }).catch((error) => error.message);
    expect(failed).to.equal('inner');
    const timedOut = await loop.runSync(() => sleep(1), { timeout: 0.05 }).catch((error) => error);
    expect(timedOut).to.be.instanceOf(TimeoutError);
    expect(timedOut.message).to.contain('0.05 seconds');
  });

  it('calls addFuture callbacks when the promise settles', async () => {
    const seen: string[] = [];
    loop.addFuture(Promise.resolve(1), async (settled) => seen.push(`ok ${await settled}`));
    loop.addFuture(Promise.reject(new Error('x')), (settled) => settled.catch((error: Error) => seen.push(`failed ${error.message}`)));
    await waitFor(() => seen.length === 2);
    expect(seen.sort()).to.deep.equal(['failed x', 'ok 1']);
  });

  it('start() keeps a process alive until stop()', async () => {
    const script = `
      const { IOLoop } = require('typhoon');
      const loop = IOLoop.current();
      loop.callLater(0.2, () => { console.log('stopping'); loop.stop(); });
      loop.start().then(() => console.log('stopped'));
    `;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..', '..', '..') });
    expect(stdout).to.equal('stopping\nstopped\n');
  });
});

describe('PeriodicCallback', () => {
  it('calls on schedule and stops', async () => {
    const calls: number[] = [];
    const callback = new PeriodicCallback(() => calls.push(IOLoop.current().time()), 20);
    expect(callback.isRunning()).to.equal(false);
    callback.start();
    expect(callback.isRunning()).to.equal(true);
    await waitFor(() => calls.length >= 4, 10_000);
    callback.stop();
    const count = calls.length;
    await sleep(0.06); // a chance for a call after stop(); a busy machine can only make this check weaker
    expect(calls.length).to.equal(count);
    expect(callback.isRunning()).to.equal(false);
  });

  it('never overlaps an async callback with itself, and skips whole periods after an overrun', async () => {
    let running = 0;
    let maxRunning = 0;
    const starts: number[] = [];
    const loop = IOLoop.current();
    const origin = loop.time();
    const callback = new PeriodicCallback(async () => {
      starts.push(loop.time() - origin);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(starts.length === 1 ? 0.075 : 0.001); // the first call overruns 3.75 periods
      running--;
    }, 20);
    callback.start();
    await waitFor(() => starts.length >= 3, 10_000);
    callback.stop();
    expect(maxRunning).to.equal(1);
    expect(starts[1] - starts[0]).to.be.at.least(0.07);
  });

  it('schedules the next call on the original grid after an overrun (whole periods skipped)', () => {
    const callback = new PeriodicCallback(() => undefined, 20);
    const internals = callback as unknown as { nextTimeout: number; updateNext(now: number): void };
    internals.nextTimeout = 1;
    internals.updateNext(1.075); // a call that started at 1.0 ran until 1.075
    expect(internals.nextTimeout).to.be.closeTo(1.08, 1e-9);
    internals.updateNext(1.0801); // on time: exactly one period later
    expect(internals.nextTimeout).to.be.closeTo(1.1, 1e-9);
    internals.updateNext(1.05); // clock behind the schedule: still advances one period
    expect(internals.nextTimeout).to.be.closeTo(1.12, 1e-9);
  });

  it('varies periods with jitter and validates arguments', () => {
    expect(() => new PeriodicCallback(() => undefined, 0)).to.throw(RangeError, /positive number of milliseconds/);
    expect(() => new PeriodicCallback(() => undefined, 10, 2)).to.throw(RangeError, /jitter/);
    const jittered = new PeriodicCallback(() => undefined, 1000, 0.5);
    const deadlines: number[] = [];
    const internals = jittered as unknown as { nextTimeout: number; updateNext(now: number): void };
    for (let i = 0; i < 50; i++) {
      internals.nextTimeout = 0;
      internals.updateNext(-1);
      deadlines.push(internals.nextTimeout);
    }
    expect(Math.min(...deadlines)).to.be.at.least(0.75);
    expect(Math.max(...deadlines)).to.be.at.most(1.25);
    expect(new Set(deadlines).size).to.be.greaterThan(10);
  });
});
