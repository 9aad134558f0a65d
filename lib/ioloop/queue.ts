import { Deque } from './deque';
import type { ItemStore } from './item-store';
import { InvalidStateError, QueueEmpty, QueueFull, TimeoutError } from '../common/errors';
import { invalidArgument } from '../common/invalid-argument';
import { timeoutMs, WaiterQueue } from './waiter-queue';

/**
 * Coordinates producer and consumer tasks, as Tornado's `queues.Queue`: `get()` waits while the
 * queue is empty, `put()` while it holds `maxsize` items (0: never full). Blocked getters and
 * putters are served in arrival order. `join()` waits until every item put has been marked done
 * with `taskDone()`. `for await (const item of queue)` takes items forever.
 *
 * @example
 * ```ts
 * const queue = new Queue<number>(2);
 * void (async () => {
 *   for await (const item of queue) {
 *     try { console.log('working on', item); } finally { queue.taskDone(); }
 *   }
 * })();
 * for (let item = 0; item < 5; item++) await queue.put(item); // waits while 2 are queued
 * await queue.join(); // all five processed
 * ```
 */
export class Queue<T> implements AsyncIterable<T> {
  /** Number of items allowed in the queue; 0 means unbounded. */
  readonly maxsize: number;
  /** The items and their order; subclasses swap in another store (Tornado's `_init`). */
  protected items: ItemStore<T> = new Deque<T>();
  private readonly getters = new WaiterQueue<T>();
  private readonly putters = new WaiterQueue<void, T>(); // each holds the item it waits to put
  private readonly joiners = new WaiterQueue<void>();
  private unfinishedTasks = 0;

  /** `maxsize` (default 0, unbounded) is how many items `put()` accepts before it waits. */
  constructor(maxsize = 0) {
    if (!Number.isInteger(maxsize) || maxsize < 0) {
      throw invalidArgument(RangeError, `Queue maxsize must be an integer >= 0 (0 for unbounded), got ${maxsize}`);
    }
    this.maxsize = maxsize;
  }

  /** Number of items in the queue. */
  qsize(): number {
    return this.items.size;
  }

  /** Whether the queue holds no item. */
  empty(): boolean {
    return this.items.size === 0;
  }

  /** Whether the queue holds `maxsize` items; never true for an unbounded queue. */
  full(): boolean {
    return this.maxsize > 0 && this.items.size >= this.maxsize;
  }

  /**
   * Puts an item, waiting while the queue is full. Rejects with TimeoutError after `timeout`
   * seconds (`undefined`: wait forever); the item is then not put.
   */
  put(item: T, timeout?: number): Promise<void> {
    timeoutMs(timeout); // refuse a bad timeout even when there is no need to wait
    if (!this.full()) {
      this.putNowait(item);
      return Promise.resolve();
    }
    const timedOut = () => new TimeoutError(`${this.constructor.name}.put() timed out after ${timeout} s`);
    return this.putters.add(timeout, (putter) => putter.reject(timedOut()), item).promise;
  }

  /** Puts an item without waiting; throws QueueFull if the queue is full. */
  putNowait(item: T): void {
    const getter = this.getters.shift();
    if (getter) {
      // Getters wait only on an empty queue: the item goes in and straight out to the getter.
      this.store(item);
      getter.resolve(this.items.take());
    } else if (this.full()) {
      throw new QueueFull(`${this.constructor.name} is full (maxsize ${this.maxsize}); await put() to wait for room`);
    } else {
      this.store(item);
    }
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty. Rejects with
   * TimeoutError after `timeout` seconds (`undefined`: wait forever).
   */
  get(timeout?: number): Promise<T> {
    timeoutMs(timeout);
    if (!this.empty()) return Promise.resolve(this.getNowait());
    const timedOut = () => new TimeoutError(`${this.constructor.name}.get() timed out after ${timeout} s`);
    return this.getters.add(timeout, (getter) => getter.reject(timedOut())).promise;
  }

  /** Removes and returns the next item without waiting; throws QueueEmpty if there is none. */
  getNowait(): T {
    if (this.empty()) throw new QueueEmpty(`${this.constructor.name} is empty; await get() to wait for an item`);
    const putter = this.putters.shift();
    if (putter) {
      // Putters wait only on a full queue: the longest one's item takes the freed place.
      this.store(putter.data);
      putter.resolve();
    }
    return this.items.take();
  }

  /**
   * Marks one item taken with `get()` as processed; `join()` resolves once every item put has
   * been marked. Throws if called more times than items were put.
   */
  taskDone(): void {
    if (this.unfinishedTasks <= 0) {
      throw new InvalidStateError(`${this.constructor.name}.taskDone() called more times than items were put; call it once per item taken`);
    }
    this.unfinishedTasks--;
    if (this.unfinishedTasks === 0) for (const joiner of this.joiners.drain()) joiner.resolve();
  }

  /**
   * Resolves once every item put has been marked with `taskDone()` (at once if none is
   * pending). Rejects with TimeoutError after `timeout` seconds (`undefined`: wait forever).
   */
  join(timeout?: number): Promise<void> {
    timeoutMs(timeout);
    if (this.unfinishedTasks === 0) return Promise.resolve();
    const timedOut = () => new TimeoutError(`${this.constructor.name}.join() timed out after ${timeout} s`);
    return this.joiners.add(timeout, (joiner) => joiner.reject(timedOut())).promise;
  }

  /** Takes items forever, each as `await get()` would; mark each done with `taskDone()`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, never, undefined> {
    for (;;) yield await this.get();
  }

  /** `Queue maxsize=1 size=1 getters[0] putters[1] tasks=2`, as Tornado's repr. */
  toString(): string {
    const parts = [`maxsize=${this.maxsize}`];
    if (this.items.size) parts.push(`size=${this.items.size}`);
    if (this.getters.size) parts.push(`getters[${this.getters.size}]`);
    if (this.putters.size) parts.push(`putters[${this.putters.size}]`);
    if (this.unfinishedTasks) parts.push(`tasks=${this.unfinishedTasks}`);
    return `${this.constructor.name} ${parts.join(' ')}`;
  }

  private store(item: T): void {
    this.unfinishedTasks++;
    this.items.push(item);
  }
}
