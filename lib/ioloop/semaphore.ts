import { TimeoutError } from '../common/errors';
import { invalidArgument } from '../common/invalid-argument';
import { createReleaser, type Releaser } from './releaser';
import { timeoutMs, WaiterQueue } from './waiter-queue';

/**
 * A counter of `release()` calls minus `acquire()` calls plus an initial value, as Tornado's
 * `locks.Semaphore`: `acquire()` waits while the counter is 0. Waiters are served in order, and a
 * release hands the slot straight to the longest waiter, so no newcomer can jump the line.
 *
 * @example
 * ```ts
 * const slots = new Semaphore(2); // two downloads at a time
 * const body = await slots.runExclusive(() => fetch('https://example.com/').then((r) => r.text()));
 * ```
 */
export class Semaphore {
  private counter: number;
  private readonly waiters = new WaiterQueue<Releaser>();

  /** `value` is the initial counter: how many holders may run at once. */
  constructor(value = 1) {
    if (!Number.isInteger(value) || value < 0) {
      throw invalidArgument(RangeError, `Semaphore initial value must be an integer >= 0, got ${value}`);
    }
    this.counter = value;
  }

  /** The counter: how many `acquire()` calls would succeed right now. */
  get value(): number {
    return this.counter;
  }

  /**
   * Takes one from the counter, waiting for a `release()` while it is 0. Resolves to a Releaser
   * (`await using` works); rejects with TimeoutError after `timeout` seconds (`undefined`:
   * wait forever), and then the counter is untouched.
   */
  acquire(timeout?: number): Promise<Releaser> {
    timeoutMs(timeout); // refuse a bad timeout even when there is no need to wait
    if (this.counter > 0) {
      this.counter--;
      return Promise.resolve(this.releaser());
    }
    const timedOut = () => new TimeoutError(`${this.displayName}.acquire() timed out after ${timeout} s`);
    return this.waiters.add(timeout, (waiter) => waiter.reject(timedOut())).promise;
  }

  /** Adds one to the counter, or hands it straight to the longest waiter. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next.resolve(this.releaser());
    else this.counter++;
  }

  /** Acquires, runs `fn`, and releases however `fn` ends. Resolves to what `fn` returns. */
  async runExclusive<R>(fn: () => R | PromiseLike<R>, timeout?: number): Promise<R> {
    const hold = await this.acquire(timeout);
    try {
      return await fn();
    } finally {
      hold.release();
    }
  }

  /** `Semaphore [unlocked,value:1]` or `Semaphore [locked,waiters:2]`, as Tornado's repr. */
  toString(): string {
    const state = this.counter === 0 ? 'locked' : `unlocked,value:${this.counter}`;
    const waiters = this.waiters.size ? `,waiters:${this.waiters.size}` : '';
    return `${this.displayName} [${state}${waiters}]`;
  }

  /** The name errors and toString() use: the class name, or what a wrapper presents (`Lock`). */
  protected get displayName(): string {
    return this.constructor.name;
  }

  private releaser(): Releaser {
    return createReleaser(() => this.release());
  }
}
