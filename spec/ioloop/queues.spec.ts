// Mirrors Tornado's tornado/test/queues_test.py, with relative timeouts in seconds.
import { expect } from 'chai';
import { TimeoutError, TyphoonError } from '../../lib/common/errors';
import { defaultCompare, LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull } from '../../lib/ioloop/queues';
import { activeTimers, rejectionOf, settle, track, waitFor } from '../helpers/promises';

const sleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

function expectTimeout(error: unknown, message: string): void {
  expect(error).to.be.instanceOf(TimeoutError);
  expect((error as TimeoutError).code).to.equal('TYPHOON_ERR_TIMEOUT');
  expect((error as Error).message).to.equal(message);
}

function drain<T>(queue: Queue<T>): T[] {
  const items: T[] = [];
  while (!queue.empty()) items.push(queue.getNowait());
  return items;
}

describe('ioloop/queues', () => {
  describe('Queue basics', () => {
    it('shows maxsize, size, getters, putters and tasks in toString()', () => {
      const queue = new Queue<null>(1);
      void queue.get();
      expect(String(queue)).to.equal('Queue maxsize=1 getters[1]');
      void queue.put(null); // goes to the getter
      void queue.put(null);
      void queue.put(null); // full: waits
      expect(String(queue)).to.equal('Queue maxsize=1 size=1 putters[1] tasks=2');
    });

    it('hands items out first in, first out', () => {
      const queue = new Queue<number>();
      for (const item of [1, 3, 2]) queue.putNowait(item);
      expect(drain(queue)).to.deep.equal([1, 3, 2]);
    });

    it('refuses a negative or fractional maxsize', () => {
      expect(() => new Queue(-1)).to.throw(RangeError, 'Queue maxsize must be an integer >= 0 (0 for unbounded), got -1');
      expect(() => new Queue(1.3)).to.throw(RangeError, /got 1\.3/);
      expect(new Queue().maxsize).to.equal(0);
    });

    it('blocks put() while full and unblocks it when get() makes room', async () => {
      const queue = new Queue<number>(2);
      expect([queue.empty(), queue.full(), queue.maxsize]).to.deep.equal([true, false, 2]);
      const put0 = track(queue.put(0));
      const put1 = track(queue.put(1));
      expect([queue.empty(), queue.full()]).to.deep.equal([false, true]);
      const put2 = track(queue.put(2));
      await settle();
      expect([put0.state, put1.state, put2.state]).to.deep.equal(['fulfilled', 'fulfilled', 'pending']);
      expect(await queue.get()).to.equal(0);
      await settle();
      expect(put2.state).to.equal('fulfilled');
      expect([queue.qsize(), queue.full()]).to.deep.equal([2, true]);
      expect(drain(queue)).to.deep.equal([1, 2]);
    });

    it('is never full when unbounded', () => {
      const queue = new Queue<number>();
      for (let item = 0; item < 1000; item++) queue.putNowait(item);
      expect([queue.qsize(), queue.full()]).to.deep.equal([1000, false]);
      expect(drain(queue)).to.deep.equal(Array.from({ length: 1000 }, (_, item) => item));
    });
  });

  describe('get', () => {
    it('resolves get() with a queued item', async () => {
      const queue = new Queue<number>();
      queue.putNowait(0);
      expect(await queue.get()).to.equal(0);
    });

    it('returns an item from getNowait(), or throws QueueEmpty', () => {
      const queue = new Queue<number>();
      queue.putNowait(0);
      expect(queue.getNowait()).to.equal(0);
      expect(() => queue.getNowait()).to.throw(QueueEmpty, 'Queue is empty; await get() to wait for an item');
      try {
        queue.getNowait();
      } catch (error) {
        expect(error).to.be.instanceOf(TyphoonError).with.property('code', 'TYPHOON_ERR_QUEUE_EMPTY');
        expect(error).to.have.property('name', 'QueueEmpty');
      }
    });

    it('lets the longest putter in when get() makes room', async () => {
      const queue = new Queue<number>(1);
      queue.putNowait(0);
      const put = track(queue.put(1));
      expect(await queue.get()).to.equal(0);
      await settle();
      expect(put).to.deep.equal({ state: 'fulfilled', value: undefined });
      expect(queue.getNowait()).to.equal(1);
    });

    it('waits in get() for items put later, in order', async () => {
      const queue = new Queue<number>();
      void queue.put(0);
      setTimeout(() => void queue.put(1), 10);
      setTimeout(() => void queue.put(2), 20);
      expect(await queue.get(1)).to.equal(0);
      expect(await queue.get(1)).to.equal(1);
      expect(await queue.get(1)).to.equal(2);
    });

    it('rejects get() with TimeoutError; the next getter gets the item', async () => {
      const queue = new Queue<number>();
      const timedOut = queue.get(0.01);
      const get = queue.get();
      expectTimeout(await rejectionOf(timedOut), 'Queue.get() timed out after 0.01 s');
      queue.putNowait(0);
      expect(await get).to.equal(0);
      expect(queue.qsize()).to.equal(0);
    });

    it('never puts the item of a putter that timed out', async () => {
      const queue = new Queue<number>(1);
      const putters = Array.from({ length: 10 }, (_, item) => track(queue.put(item, 0.01))); // 0 goes in
      const put = track(queue.put(10));
      expect(String(queue)).to.contain('putters[10]');
      await waitFor(() => putters.slice(1).every((putter) => putter.state !== 'pending'), 5000, 'the timeouts');
      expect(String(queue)).to.contain('putters[1]');
      expect(put.state).to.equal('pending');
      expect(await queue.get()).to.equal(0);
      expect(await queue.get()).to.equal(10);
      expect(putters[0].state).to.equal('fulfilled');
      expect(putters.slice(1).every((putter) => putter.error instanceof TimeoutError)).to.equal(true);
      expect(put.state).to.equal('fulfilled');
    });

    it('never gives an item to a getter that timed out', async () => {
      const queue = new Queue<number>();
      const getters = Array.from({ length: 10 }, () => track(queue.get(0.01)));
      const get = queue.get();
      expect(String(queue)).to.contain('getters[11]');
      await waitFor(() => getters.every((getter) => getter.state !== 'pending'), 5000, 'the timeouts');
      expect(String(queue)).to.contain('getters[1]');
      queue.putNowait(0);
      expect(await get).to.equal(0);
      expect(getters.every((getter) => getter.error instanceof TimeoutError)).to.equal(true);
    });

    it('clears the timer of a getter that got an item', async () => {
      const queue = new Queue<number>();
      const before = (await settle(), activeTimers()); // mocha starts its test timer after the first turn
      const get = queue.get(10);
      expect(activeTimers()).to.equal(before + 1);
      queue.putNowait(7);
      expect(await get).to.equal(7);
      expect(activeTimers()).to.equal(before);
    });
  });

  describe('put', () => {
    it('resolves put() at once when there is room', async () => {
      const queue = new Queue<number>();
      await queue.put(0);
      expect(queue.getNowait()).to.equal(0);
    });

    it('throws QueueFull from putNowait() on a full queue', () => {
      const queue = new Queue<number>(1);
      queue.putNowait(0);
      expect(() => queue.putNowait(1)).to.throw(QueueFull, 'Queue is full (maxsize 1); await put() to wait for room');
      expect(new QueueFull()).to.be.instanceOf(TyphoonError).with.property('code', 'TYPHOON_ERR_QUEUE_FULL');
      expect(drain(queue)).to.deep.equal([0]);
    });

    it('hands put() items to waiting getters in order', async () => {
      const queue = new Queue<number>();
      const get0 = queue.get();
      const get1 = queue.get();
      await queue.put(0);
      expect(await get0).to.equal(0);
      queue.putNowait(1);
      expect(await get1).to.equal(1);
      expect(queue.qsize()).to.equal(0);
    });

    it('waits in put() until getters make room, in order', async () => {
      const queue = new Queue<number>(1);
      queue.putNowait(0);
      const taken: number[] = [];
      setTimeout(() => void queue.get().then((item) => taken.push(item)), 10);
      setTimeout(() => void queue.get().then((item) => taken.push(item)), 20);
      const puts = [track(queue.put(1)), track(queue.put(2))];
      await settle();
      expect(puts.map((put) => put.state)).to.deep.equal(['pending', 'pending']);
      await waitFor(() => puts.every((put) => put.state !== 'pending'), 5000, 'both getters');
      expect(puts.map((put) => put.state)).to.deep.equal(['fulfilled', 'fulfilled']);
      expect(taken).to.deep.equal([0, 1]);
      expect(queue.getNowait()).to.equal(2);
    });

    it('rejects put() with TimeoutError; its item never enters', async () => {
      const queue = new Queue<number>(1);
      queue.putNowait(0);
      const timedOut = queue.put(1, 0.01);
      const put = queue.put(2);
      expectTimeout(await rejectionOf(timedOut), 'Queue.put() timed out after 0.01 s');
      expect(queue.getNowait()).to.equal(0);
      expect(await queue.get()).to.equal(2);
      await put;
      expect(queue.empty()).to.equal(true);
    });

    it('clears the timer of a putter that got in', async () => {
      const queue = new Queue<number>(1);
      queue.putNowait(0);
      const before = (await settle(), activeTimers());
      const put = queue.put(1, 10);
      expect(activeTimers()).to.equal(before + 1);
      queue.getNowait();
      await put;
      expect(activeTimers()).to.equal(before);
    });
  });

  describe('taskDone and join', () => {
    it('throws when taskDone() is called more times than items were put', () => {
      const queue = new Queue<number>();
      expect(() => queue.taskDone()).to.throw(Error, 'Queue.taskDone() called more times than items were put');
      queue.putNowait(0);
      queue.getNowait();
      queue.taskDone();
      expect(() => queue.taskDone()).to.throw(/called more times/);
    });

    it('resolves join() once every item is marked done by two workers', async () => {
      const queue = new Queue<number>();
      for (let item = 0; item < 100; item++) queue.putNowait(item);
      let sum = 0;
      const worker = async () => {
        for (;;) {
          sum += await queue.get();
          queue.taskDone();
          await sleep(Math.random() * 0.002);
        }
      };
      void worker();
      void worker();
      await queue.join();
      expect(sum).to.equal(4950);
      expect(queue.empty()).to.equal(true);
    });

    it('resolves join() at once on a queue with nothing pending', async () => {
      const queue = new Queue<number>();
      await queue.join();
      await queue.join(0.01);
      expect(queue.qsize()).to.equal(0);
    });

    it('waits in join() for taskDone(), not for get()', async () => {
      const queue = new Queue<number>();
      queue.putNowait(0);
      queue.putNowait(1);
      const join = track(queue.join());
      queue.getNowait();
      queue.getNowait();
      await settle();
      expect(join.state).to.equal('pending');
      queue.taskDone();
      await settle();
      expect(join.state).to.equal('pending');
      queue.taskDone();
      await settle();
      expect(join.state).to.equal('fulfilled');
    });

    it('rejects join() with TimeoutError while items are unfinished', async () => {
      const queue = new Queue<number>();
      void queue.put(0);
      expectTimeout(await rejectionOf(queue.join(0.01)), 'Queue.join() timed out after 0.01 s');
    });

    it('runs a producer and a consumer over a bounded queue, in order', async () => {
      const queue = new Queue<number>(3);
      const history: number[] = [];
      let largest = 0;
      const consumer = async () => {
        for (;;) {
          history.push(await queue.get());
          queue.taskDone();
        }
      };
      const producer = async () => {
        for (let item = 0; item < 10; item++) {
          await queue.put(item);
          largest = Math.max(largest, queue.qsize());
        }
      };
      void producer();
      void consumer();
      await queue.join();
      expect(history).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(largest).to.be.at.most(3);
    });

    it('serves `for await` consumers, with put() waiting on a full queue', async () => {
      const queue = new Queue<number>(2);
      const log: string[] = [];
      void (async () => {
        for await (const item of queue) {
          try {
            log.push(`work ${item}`);
            await sleep(0.002);
          } finally {
            queue.taskDone();
          }
        }
      })();
      const sizes: number[] = [];
      for (let item = 0; item < 5; item++) {
        await queue.put(item);
        log.push(`put ${item}`);
        sizes.push(queue.qsize());
      }
      await queue.join();
      log.push('done');
      expect(log.filter((entry) => entry.startsWith('work'))).to.deep.equal(['work 0', 'work 1', 'work 2', 'work 3', 'work 4']);
      expect(log.filter((entry) => entry.startsWith('put'))).to.deep.equal(['put 0', 'put 1', 'put 2', 'put 3', 'put 4']);
      expect(Math.max(...sizes)).to.equal(2);
      expect(log.indexOf('put 3')).to.be.greaterThan(log.indexOf('work 0')); // 3 waited for room
      expect(log.at(-1)).to.equal('done');
    });

    it('leaves the remaining items queued when a `for await` loop breaks', async () => {
      const queue = new Queue<string>();
      for (const item of ['a', 'b', 'c', 'd']) queue.putNowait(item);
      const taken: string[] = [];
      for await (const item of queue) {
        taken.push(item);
        if (taken.length === 2) break;
      }
      expect(taken).to.deep.equal(['a', 'b']);
      expect(drain(queue)).to.deep.equal(['c', 'd']);
    });
  });

  describe('PriorityQueue', () => {
    it('hands out the lowest number first', () => {
      const queue = new PriorityQueue<number>();
      for (const item of [3, 1, 10, 2, 0, 2]) queue.putNowait(item);
      expect(drain(queue)).to.deep.equal([0, 1, 2, 2, 3, 10]);
    });

    it('orders [priority, value] tuples by priority, then value', () => {
      const queue = new PriorityQueue<[number, string]>();
      for (const item of [[1, 'medium'], [0, 'high'], [10, 'low'], [9, 'lower'], [1, 'another']] as [number, string][]) {
        queue.putNowait(item);
      }
      expect(drain(queue)).to.deep.equal([
        [0, 'high'],
        [1, 'another'],
        [1, 'medium'],
        [9, 'lower'],
        [10, 'low'],
      ]);
    });

    it('orders strings, and anything else by a given comparator', () => {
      const words = new PriorityQueue<string>();
      for (const word of ['pear', 'apple', 'fig']) words.putNowait(word);
      expect(drain(words)).to.deep.equal(['apple', 'fig', 'pear']);
      const highestFirst = new PriorityQueue<{ rank: number }>(0, (a, b) => b.rank - a.rank);
      for (const rank of [2, 7, 5]) highestFirst.putNowait({ rank });
      expect(drain(highestFirst).map((item) => item.rank)).to.deep.equal([7, 5, 2]);
    });

    it('sorts many random items like Array#sort', () => {
      const items = Array.from({ length: 500 }, () => Math.floor(Math.random() * 100));
      const queue = new PriorityQueue<number>();
      for (const item of items) queue.putNowait(item);
      expect(drain(queue)).to.deep.equal([...items].sort((a, b) => a - b));
    });

    it('compares like Python: tuples element-wise, shorter prefix first', () => {
      expect(defaultCompare([10, 'a'], [9, 'z'])).to.be.greaterThan(0);
      expect(defaultCompare([1, 'a'], [1, 'b'])).to.be.lessThan(0);
      expect(defaultCompare([1], [1, 'a'])).to.be.lessThan(0);
      expect(defaultCompare('b', 'a')).to.equal(1);
      expect(defaultCompare(2, 2)).to.equal(0);
    });

    it('lets a waiting putter in before handing out the lowest, as Tornado', async () => {
      const queue = new PriorityQueue<number>(2);
      queue.putNowait(5);
      queue.putNowait(3);
      const put = track(queue.put(1));
      expect(queue.getNowait()).to.equal(1);
      await settle();
      expect(put.state).to.equal('fulfilled');
      expect(drain(queue)).to.deep.equal([3, 5]);
      expect(String(queue)).to.equal('PriorityQueue maxsize=2 tasks=3');
    });
  });

  describe('LifoQueue', () => {
    it('hands out the most recent item first', () => {
      const queue = new LifoQueue<number>();
      for (const item of [3, 2, 1]) queue.putNowait(item);
      expect(drain(queue)).to.deep.equal([1, 2, 3]);
    });

    it('blocks put() when full; a waiting putter gets in before get() takes the newest', async () => {
      const queue = new LifoQueue<number>(2);
      queue.putNowait(1);
      queue.putNowait(2);
      expect(() => queue.putNowait(3)).to.throw(QueueFull, 'LifoQueue is full (maxsize 2)');
      const put = track(queue.put(3));
      expect(await queue.get()).to.equal(3);
      await settle();
      expect(put.state).to.equal('fulfilled');
      expect(drain(queue)).to.deep.equal([2, 1]);
    });
  });
});
