import { invalidArgument } from '../common/invalid-argument';

/**
 * The FIFO line of blocked calls behind every lock and queue: `Condition.wait`,
 * `Semaphore.acquire`, `Queue.get`/`put`... Internal to lib/ioloop.
 */

/** setTimeout fires at once (with a warning) past 2^31-1 ms, so longer timeouts are refused. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Checks a relative timeout in seconds (`undefined` = wait forever) and returns it in
 * milliseconds. Throws a RangeError naming the bad value.
 */
export function timeoutMs(timeout: number | undefined): number | undefined {
  if (timeout === undefined) return undefined;
  const ms = timeout * 1000;
  if (typeof timeout !== 'number' || !(ms >= 0) || ms > MAX_TIMEOUT_MS) {
    throw invalidArgument(RangeError, `timeout must be a number of seconds from 0 to ${MAX_TIMEOUT_MS / 1000} (or undefined to wait forever), got ${String(timeout)}`);
  }
  return ms;
}

/** One blocked call: a promise settled once, plus `data` it carries (a queued item, say). */
export class Waiter<T, D = void> {
  readonly promise: Promise<T>;
  private settlers!: { resolve: (value: T) => void; reject: (error: Error) => void };
  private timer?: NodeJS.Timeout;

  constructor(readonly data: D) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.settlers = { resolve, reject };
    });
  }

  /** Fulfils the promise and clears the timer, so nothing keeps the process alive. */
  resolve(value: T): void {
    clearTimeout(this.timer);
    this.settlers.resolve(value);
  }

  /** Rejects the promise and clears the timer. */
  reject(error: Error): void {
    clearTimeout(this.timer);
    this.settlers.reject(error);
  }

  /** Calls `onTimeout` after `ms` milliseconds unless settled first. */
  startTimer(ms: number, onTimeout: () => void): void {
    this.timer = setTimeout(onTimeout, ms);
  }
}

/**
 * Waiters in arrival order. A Set keeps insertion order and deletes in O(1), so a waiter that
 * times out leaves the line at once and can never take a later notify, release or item
 * (Tornado skips such waiters lazily and sweeps them every 100 timeouts instead).
 */
export class WaiterQueue<T, D = void> {
  private readonly waiters = new Set<Waiter<T, D>>();

  /** Number of waiters still blocked. */
  get size(): number {
    return this.waiters.size;
  }

  /**
   * Queues a waiter. After `timeout` seconds it leaves the line and `onTimeout` settles it
   * (resolve `false`, reject with TimeoutError...).
   */
  add(timeout: number | undefined, onTimeout: (waiter: Waiter<T, D>) => void, data: D): Waiter<T, D> {
    const ms = timeoutMs(timeout);
    const waiter = new Waiter<T, D>(data);
    this.waiters.add(waiter);
    if (ms !== undefined) {
      waiter.startTimer(ms, () => {
        this.waiters.delete(waiter);
        onTimeout(waiter);
      });
    }
    return waiter;
  }

  /** Takes the longest-waiting waiter out of the line; the caller settles it. */
  shift(): Waiter<T, D> | undefined {
    const first = this.waiters.values().next();
    if (first.done) return undefined;
    this.waiters.delete(first.value);
    return first.value;
  }

  /** Takes every waiter out of the line, oldest first. */
  drain(): Waiter<T, D>[] {
    const all = [...this.waiters];
    this.waiters.clear();
    return all;
  }
}
