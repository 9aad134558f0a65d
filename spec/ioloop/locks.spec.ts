// Mirrors Tornado's tornado/test/locks_test.py, with relative timeouts in seconds.
import { expect } from 'chai';
import { TimeoutError, TyphoonError } from '../../lib/common/errors';
import { BoundedSemaphore, Condition, Event, Lock, Semaphore } from '../../lib/ioloop/locks';
import { activeTimers, rejectionOf, settle, track, waitFor } from '../helpers/promises';

const sleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));
/** Runs `fn` after `ms` milliseconds; resolves once it has run (to await the event, not a guessed delay). */
const later = (ms: number, fn: () => void) => new Promise<void>((resolve) => setTimeout(() => (fn(), resolve()), ms));
/** Live timers after a turn: mocha starts its own test timer once the test function returns. */
const timerBaseline = async () => (await settle(), activeTimers());

/** A promise and its resolve function (Promise.withResolvers is Node 22+). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function expectTimeout(error: unknown, what: string): void {
  expect(error).to.be.instanceOf(TimeoutError).and.instanceOf(TyphoonError);
  expect((error as TimeoutError).code).to.equal('TYPHOON_ERR_TIMEOUT');
  expect((error as Error).message).to.contain(what);
}

describe('ioloop/locks', () => {
  describe('Condition', () => {
    let history: unknown[];
    beforeEach(() => (history = []));

    /** Records `key` when the wait is notified, 'timeout' when it times out. */
    function record(wait: Promise<boolean>, key: unknown): void {
      void wait.then((notified) => history.push(notified ? key : 'timeout'));
    }

    it('shows its waiters in toString()', () => {
      const condition = new Condition();
      expect(String(condition)).to.equal('Condition');
      void condition.wait();
      expect(String(condition)).to.equal('Condition waiters[1]');
    });

    it('resolves wait() with true on notify()', async () => {
      const condition = new Condition();
      setTimeout(() => condition.notify(), 10);
      expect(await condition.wait()).to.equal(true);
    });

    it('wakes waiters on a later microtask, one per notify(1), in order', async () => {
      const condition = new Condition();
      record(condition.wait(), 'wait1');
      record(condition.wait(), 'wait2');
      condition.notify(1);
      expect(history).to.deep.equal([]);
      await settle();
      expect(history).to.deep.equal(['wait1']);
      condition.notify(1);
      await settle();
      expect(history).to.deep.equal(['wait1', 'wait2']);
    });

    it('wakes n waiters in order with notify(n)', async () => {
      const condition = new Condition();
      for (let i = 0; i < 6; i++) record(condition.wait(), i);
      condition.notify(3);
      await settle();
      expect(history).to.deep.equal([0, 1, 2]);
      condition.notify(1);
      await settle();
      expect(history).to.deep.equal([0, 1, 2, 3]);
      condition.notify(2);
      await settle();
      expect(history).to.deep.equal([0, 1, 2, 3, 4, 5]);
    });

    it('wakes every current waiter with notifyAll(), not later ones', async () => {
      const condition = new Condition();
      for (let i = 0; i < 4; i++) record(condition.wait(), i);
      condition.notifyAll();
      record(condition.wait(), 'late');
      await settle();
      expect(history).to.deep.equal([0, 1, 2, 3]);
      expect(String(condition)).to.equal('Condition waiters[1]');
    });

    it('does not remember a notify() nobody waited for', async () => {
      const condition = new Condition();
      condition.notify();
      expect(await condition.wait(0.01)).to.equal(false);
    });

    it('resolves wait() with false on timeout; a later notify() is too late', async () => {
      const condition = new Condition();
      const wait = track(condition.wait(0.01));
      await later(20, () => condition.notify());
      await settle();
      expect(wait).to.deep.equal({ state: 'fulfilled', value: false });
    });

    it('resolves wait() with true when notified before the timeout', async () => {
      const condition = new Condition();
      const notified = later(10, () => condition.notify());
      const wait = track(condition.wait(0.05));
      await notified;
      await settle();
      expect(wait).to.deep.equal({ state: 'fulfilled', value: true });
    });

    it('does not count a timed-out waiter against notify(n)', async () => {
      const condition = new Condition();
      record(condition.wait(), 0);
      record(condition.wait(0.01), 1);
      record(condition.wait(), 2);
      record(condition.wait(), 3);
      await waitFor(() => history.length > 0, 5000, 'the timeout');
      expect(history).to.deep.equal(['timeout']);
      condition.notify(2);
      await settle();
      expect(history).to.deep.equal(['timeout', 0, 2]);
      condition.notify();
      await settle();
      expect(history).to.deep.equal(['timeout', 0, 2, 3]);
    });

    it('skips timed-out waiters in notifyAll()', async () => {
      const condition = new Condition();
      record(condition.wait(), 0);
      record(condition.wait(0.01), 1);
      record(condition.wait(), 2);
      await waitFor(() => history.length > 0, 5000, 'the timeout');
      expect(history).to.deep.equal(['timeout']);
      condition.notifyAll();
      await settle();
      expect(history).to.deep.equal(['timeout', 0, 2]);
    });

    it('drops timed-out waiters at once, so a notify() reaches the one still waiting', async () => {
      const condition = new Condition();
      const timedOut = Array.from({ length: 101 }, () => track(condition.wait(0.01)));
      const last = track(condition.wait());
      expect(String(condition)).to.equal('Condition waiters[102]');
      await waitFor(() => timedOut.every((wait) => wait.state !== 'pending'), 5000, 'the timeouts');
      expect(String(condition)).to.equal('Condition waiters[1]');
      expect(timedOut.every((wait) => wait.state === 'fulfilled' && wait.value === false)).to.equal(true);
      expect(last.state).to.equal('pending');
      condition.notify();
      await settle();
      expect(last).to.deep.equal({ state: 'fulfilled', value: true });
    });

    it('clears the timer of a notified waiter', async () => {
      const condition = new Condition();
      const before = await timerBaseline();
      const wait = condition.wait(10);
      expect(activeTimers()).to.equal(before + 1);
      condition.notify();
      expect(await wait).to.equal(true);
      expect(activeTimers()).to.equal(before);
    });

    it('refuses a negative or non-numeric timeout', () => {
      const condition = new Condition();
      expect(() => condition.wait(-1)).to.throw(RangeError, /timeout must be a number of seconds/);
      expect(() => condition.wait(Number.NaN)).to.throw(RangeError, /got NaN/);
    });
  });

  describe('Event', () => {
    it('shows its flag in toString()', () => {
      const event = new Event();
      expect(String(event)).to.equal('Event clear');
      event.set();
      expect(String(event)).to.equal('Event set');
    });

    it('wakes waiters on set(); clear() makes later waits block', async () => {
      const event = new Event();
      const wait0 = track(event.wait());
      event.set();
      const wait1 = track(event.wait());
      event.clear();
      const wait2 = track(event.wait());
      await settle();
      expect([wait0.state, wait1.state, wait2.state]).to.deep.equal(['fulfilled', 'fulfilled', 'pending']);
      event.set();
      await settle();
      expect(wait2.state).to.equal('fulfilled');
    });

    it('rejects wait() with TimeoutError, then works normally', async () => {
      const event = new Event();
      expectTimeout(await rejectionOf(event.wait(0.01)), 'Event.wait() timed out after 0.01 s');
      setTimeout(() => event.set(), 10);
      await event.wait(1);
      expect(event.isSet()).to.equal(true);
    });

    it('stays set after several set() calls, and clear after clear()', () => {
      const event = new Event();
      expect(event.isSet()).to.equal(false);
      event.set();
      event.set();
      expect(event.isSet()).to.equal(true);
      event.clear();
      expect(event.isSet()).to.equal(false);
    });

    it('keeps a waiter that started before clear() waiting for the next set()', async () => {
      const event = new Event();
      const wait0 = track(event.wait());
      event.clear();
      const wait1 = track(event.wait());
      await settle();
      expect([wait0.state, wait1.state]).to.deep.equal(['pending', 'pending']);
      event.set();
      await settle();
      expect([wait0.state, wait1.state]).to.deep.equal(['fulfilled', 'fulfilled']);
    });

    it('clears the timer of a waiter woken by set()', async () => {
      const event = new Event();
      const before = await timerBaseline();
      const wait = event.wait(10);
      event.set();
      await wait;
      expect(activeTimers()).to.equal(before);
    });
  });

  describe('Semaphore', () => {
    it('refuses a negative or fractional initial value', () => {
      expect(() => new Semaphore(-1)).to.throw(RangeError, 'Semaphore initial value must be an integer >= 0, got -1');
      expect(() => new Semaphore(1.5)).to.throw(RangeError, /got 1\.5/);
      expect(new Semaphore(0).value).to.equal(0);
      expect(new Semaphore().value).to.equal(1);
    });

    it('shows its counter and waiters in toString()', () => {
      const semaphore = new Semaphore();
      expect(String(semaphore)).to.equal('Semaphore [unlocked,value:1]');
      void semaphore.acquire();
      expect(String(semaphore)).to.equal('Semaphore [locked]');
      void semaphore.acquire();
      expect(String(semaphore)).to.equal('Semaphore [locked,waiters:1]');
    });

    it('blocks acquire() at 0 and serves waiters one release() each, in order', async () => {
      const semaphore = new Semaphore();
      const first = track(semaphore.acquire());
      const second = track(semaphore.acquire());
      const third = track(semaphore.acquire());
      await settle();
      expect([first.state, second.state, third.state]).to.deep.equal(['fulfilled', 'pending', 'pending']);
      semaphore.release();
      await settle();
      expect([second.state, third.state]).to.deep.equal(['fulfilled', 'pending']);
      expect(semaphore.value).to.equal(0);
      semaphore.release();
      await settle();
      expect(third.state).to.equal('fulfilled');
      semaphore.release();
      expect(semaphore.value).to.equal(1);
      expect(track(semaphore.acquire()).state).to.equal('pending'); // settles on a later microtask...
      expect(semaphore.value).to.equal(0); // ...but took the slot at once
    });

    it('rejects acquire() with TimeoutError; a later release() goes to the counter', async () => {
      const semaphore = new Semaphore(2);
      await semaphore.acquire();
      await semaphore.acquire();
      const late = semaphore.acquire(0.01);
      const released = later(20, () => semaphore.release());
      expectTimeout(await rejectionOf(late), 'Semaphore.acquire() timed out after 0.01 s');
      await released;
      expect(semaphore.value).to.equal(1);
      await semaphore.acquire();
      const next = track(semaphore.acquire());
      await settle();
      expect(next.state).to.equal('pending');
      semaphore.release();
      await settle();
      expect(next.state).to.equal('fulfilled');
    });

    it('resolves acquire() when released before the timeout', async () => {
      const semaphore = new Semaphore(1);
      await semaphore.acquire();
      const released = later(10, () => semaphore.release());
      const acquire = track(semaphore.acquire(0.05));
      await released;
      await settle();
      expect(acquire.state).to.equal('fulfilled');
      expect(semaphore.value).to.equal(0);
    });

    it('counts release() without acquire() up, unbounded', async () => {
      const semaphore = new Semaphore();
      semaphore.release();
      semaphore.release();
      expect(semaphore.value).to.equal(3);
      const acquires = Array.from({ length: 4 }, () => track(semaphore.acquire()));
      await settle();
      expect(acquires.map((acquire) => acquire.state)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled', 'pending']);
    });

    it('drops timed-out waiters at once, so a release() reaches the one still waiting', async () => {
      const semaphore = new Semaphore(0);
      const timedOut = Array.from({ length: 101 }, () => track(semaphore.acquire(0.01)));
      const last = track(semaphore.acquire());
      expect(String(semaphore)).to.equal('Semaphore [locked,waiters:102]');
      await waitFor(() => timedOut.every((acquire) => acquire.state !== 'pending'), 5000, 'the timeouts');
      expect(String(semaphore)).to.equal('Semaphore [locked,waiters:1]');
      expect(timedOut.every((acquire) => acquire.state === 'rejected' && acquire.error instanceof TimeoutError)).to.equal(true);
      semaphore.release();
      await settle();
      expect(last.state).to.equal('fulfilled');
      expect(semaphore.value).to.equal(0);
    });

    it('lets two workers run at once; the third starts when the first releases', async () => {
      const semaphore = new Semaphore(2);
      const history: string[] = [];
      const resources = [0, 1, 2].map(deferred);
      const worker = async (id: number) => {
        await using _hold = await semaphore.acquire();
        history.push(`${id} working`);
        await resources[id].promise;
        history.push(`${id} done`);
      };
      const workers = Promise.all([0, 1, 2].map(worker));
      await settle();
      expect(history).to.deep.equal(['0 working', '1 working']);
      resources[0].resolve();
      await settle();
      expect(history).to.deep.equal(['0 working', '1 working', '0 done', '2 working']);
      resources[1].resolve();
      resources[2].resolve();
      await workers;
      expect(history.slice(4)).to.deep.equal(['1 done', '2 done']);
      expect(semaphore.value).to.equal(2);
    });

    it('clears the timer of a waiter served by release()', async () => {
      const semaphore = new Semaphore(0);
      const before = await timerBaseline();
      const acquire = semaphore.acquire(10);
      semaphore.release();
      await acquire;
      expect(activeTimers()).to.equal(before);
    });
  });

  describe('Releaser and runExclusive', () => {
    it('releases at the end of an `await using` block', async () => {
      const semaphore = new Semaphore();
      {
        await using hold = await semaphore.acquire();
        expect(hold.release).to.be.a('function');
        expect(semaphore.value).to.equal(0);
      }
      expect(semaphore.value).to.equal(1);
    });

    it('releases at the end of a `using` block that threw', async () => {
      const semaphore = new Semaphore();
      const hold = await semaphore.acquire();
      expect(() => {
        using _hold = hold;
        throw new RangeError('boom');
      }).to.throw(RangeError, 'boom');
      expect(semaphore.value).to.equal(1);
    });

    it('releases once, however many times release() or dispose runs', async () => {
      const semaphore = new Semaphore();
      {
        await using hold = await semaphore.acquire();
        hold.release();
        hold.release();
      }
      expect(semaphore.value).to.equal(1);
    });

    it('leaves the counter alone when acquire() times out', async () => {
      const semaphore = new Semaphore(0);
      expectTimeout(await rejectionOf(semaphore.acquire(0.01)), 'timed out');
      expect(semaphore.value).to.equal(0);
    });

    it('serves contending `await using` blocks one after the other', async () => {
      const semaphore = new Semaphore();
      const history: string[] = [];
      const task = async (id: number) => {
        await using _hold = await semaphore.acquire();
        history.push(`acquired ${id}`);
        await sleep(0.01);
        history.push(`release ${id}`);
      };
      await Promise.all([task(0), task(1)]);
      expect(history).to.deep.equal(['acquired 0', 'release 0', 'acquired 1', 'release 1']);
    });

    it('runExclusive() resolves to what fn returns, then releases', async () => {
      const semaphore = new Semaphore();
      const result = await semaphore.runExclusive(async () => {
        expect(semaphore.value).to.equal(0);
        await settle();
        return 42;
      });
      expect(result).to.equal(42);
      expect(semaphore.value).to.equal(1);
    });

    it('runExclusive() releases when fn throws, and rejects with that error', async () => {
      const semaphore = new Semaphore();
      const error = await rejectionOf(
        semaphore.runExclusive(() => {
          throw new RangeError('inside');
        }),
      );
      expect(error).to.be.instanceOf(RangeError).with.property('message', 'inside');
      expect(semaphore.value).to.equal(1);
    });

    it('runExclusive() times out without running fn', async () => {
      const semaphore = new Semaphore(0);
      let ran = false;
      const error = await rejectionOf(semaphore.runExclusive(() => (ran = true), 0.01));
      expectTimeout(error, 'Semaphore.acquire() timed out');
      expect(ran).to.equal(false);
      expect(semaphore.value).to.equal(0);
    });
  });

  describe('BoundedSemaphore', () => {
    it('throws when released above its initial value', async () => {
      const semaphore = new BoundedSemaphore();
      expect(() => semaphore.release()).to.throw(Error, 'BoundedSemaphore released too many times');
      await semaphore.acquire();
      const waiting = track(semaphore.acquire());
      await settle();
      expect(waiting.state).to.equal('pending');
      semaphore.release();
      await settle();
      expect(waiting.state).to.equal('fulfilled');
      semaphore.release();
      expect(semaphore.value).to.equal(1);
      expect(() => semaphore.release()).to.throw(Error, /value is already 1, the initial value/);
      expect(semaphore.value).to.equal(1);
    });

    it('allows releases up to a larger initial value', async () => {
      const semaphore = new BoundedSemaphore(2);
      await semaphore.acquire();
      await semaphore.acquire();
      semaphore.release();
      semaphore.release();
      expect(semaphore.value).to.equal(2);
      expect(() => semaphore.release()).to.throw(/released too many times/);
      expect(String(semaphore)).to.equal('BoundedSemaphore [unlocked,value:2]');
    });
  });

  describe('Lock', () => {
    it('shows whether it is locked in toString()', () => {
      const lock = new Lock();
      expect(String(lock)).to.equal('Lock [unlocked,value:1]');
      void lock.acquire();
      expect(String(lock)).to.equal('Lock [locked]');
      void lock.acquire();
      expect(String(lock)).to.equal('Lock [locked,waiters:1]');
    });

    it('blocks a second acquire() until release()', async () => {
      const lock = new Lock();
      const first = track(lock.acquire());
      const second = track(lock.acquire());
      await settle();
      expect([first.state, second.state]).to.deep.equal(['fulfilled', 'pending']);
      lock.release();
      await settle();
      expect(second.state).to.equal('fulfilled');
    });

    it('hands the lock to waiters in arrival order', async () => {
      const lock = new Lock();
      await lock.acquire();
      const history: number[] = [];
      const task = async (id: number) => {
        await using _hold = await lock.acquire();
        history.push(id);
      };
      const tasks = [0, 1, 2, 3, 4].map(task);
      await settle();
      expect(history).to.deep.equal([]);
      lock.release();
      await Promise.all(tasks);
      expect(history).to.deep.equal([0, 1, 2, 3, 4]);
    });

    it('rejects acquire() with TimeoutError and stays locked', async () => {
      const lock = new Lock();
      await lock.acquire();
      expectTimeout(await rejectionOf(lock.acquire(0.01)), 'Lock.acquire() timed out after 0.01 s');
      const next = track(lock.acquire());
      await settle();
      expect(next.state).to.equal('pending');
    });

    it('does not give the lock to a waiter that timed out', async () => {
      const lock = new Lock();
      await lock.acquire();
      const timedOut = track(lock.acquire(0.01));
      const patient = track(lock.acquire());
      await waitFor(() => timedOut.state !== 'pending', 5000, 'the timeout');
      lock.release();
      await settle();
      expect(timedOut.state).to.equal('rejected');
      expect(patient.state).to.equal('fulfilled');
    });

    it('throws when releasing an unlocked lock', async () => {
      const lock = new Lock();
      expect(() => lock.release()).to.throw(Error, 'Lock.release() called on an unlocked lock');
      await lock.acquire();
      lock.release();
      expect(() => lock.release()).to.throw(Error, /unlocked lock/);
    });

    it('keeps critical sections with awaits inside from interleaving', async () => {
      const run = async (lock: Lock | undefined) => {
        let counter = 0;
        const history: string[] = [];
        const increment = async (id: number) => {
          history.push(`enter ${id}`);
          const seen = counter;
          await sleep(0.001);
          await settle();
          counter = seen + 1;
          history.push(`exit ${id}`);
        };
        const ids = Array.from({ length: 10 }, (_, id) => id);
        await Promise.all(ids.map((id) => (lock ? lock.runExclusive(() => increment(id)) : increment(id))));
        return { counter, history };
      };
      const unlocked = await run(undefined);
      expect(unlocked.counter, 'without a lock, updates are lost').to.be.lessThan(10);

      const locked = await run(new Lock());
      expect(locked.counter).to.equal(10);
      expect(locked.history).to.deep.equal(Array.from({ length: 10 }, (_, id) => [`enter ${id}`, `exit ${id}`]).flat());
    });

    it('runExclusive() releases when fn throws', async () => {
      const lock = new Lock();
      const error = await rejectionOf(lock.runExclusive(async () => Promise.reject(new TypeError('bad'))));
      expect(error).to.be.instanceOf(TypeError).with.property('message', 'bad');
      expect(String(lock)).to.equal('Lock [unlocked,value:1]');
      expect(await lock.runExclusive(() => 'again')).to.equal('again');
    });

    it('refuses a bad timeout even when the lock is free', () => {
      const lock = new Lock();
      expect(() => lock.acquire(-0.5)).to.throw(RangeError, /got -0\.5/);
      expect(() => lock.acquire(3e6)).to.throw(RangeError, /from 0 to 2147483\.647/);
      expect(String(lock)).to.equal('Lock [unlocked,value:1]');
    });

    it('clears the timer of a waiter that got the lock', async () => {
      const lock = new Lock();
      await lock.acquire();
      const before = await timerBaseline();
      const acquire = lock.acquire(10);
      expect(activeTimers()).to.equal(before + 1);
      lock.release();
      (await acquire).release();
      expect(activeTimers()).to.equal(before);
    });
  });
});
