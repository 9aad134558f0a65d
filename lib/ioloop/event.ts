import { TimeoutError } from '../common/errors';
import { timeoutMs, WaiterQueue } from './waiter-queue';

/**
 * Blocks tasks until its flag is set, as Tornado's `locks.Event` (like `threading.Event`).
 * Once set, `wait()` resolves at once until `clear()` is called.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * setTimeout(() => ready.set(), 10);
 * await ready.wait(1); // TimeoutError if not set within a second
 * ```
 */
export class Event {
  private flag = false;
  private readonly waiters = new WaiterQueue<void>();

  /** Whether the flag is set. */
  isSet(): boolean {
    return this.flag;
  }

  /** Sets the flag and wakes every waiter; `wait()` no longer blocks. */
  set(): void {
    if (this.flag) return;
    this.flag = true;
    for (const waiter of this.waiters.drain()) waiter.resolve();
  }

  /** Clears the flag: later `wait()` calls block until `set()`. Current waiters keep waiting. */
  clear(): void {
    this.flag = false;
  }

  /**
   * Resolves once the flag is set. Rejects with TimeoutError after `timeout` seconds
   * (`undefined`: wait forever).
   */
  wait(timeout?: number): Promise<void> {
    timeoutMs(timeout); // refuse a bad timeout even when there is no need to wait
    if (this.flag) return Promise.resolve();
    const timedOut = () => new TimeoutError(`Event.wait() timed out after ${timeout} s`);
    return this.waiters.add(timeout, (waiter) => waiter.reject(timedOut())).promise;
  }

  /** `Event set` or `Event clear`, as Tornado's repr. */
  toString(): string {
    return `Event ${this.flag ? 'set' : 'clear'}`;
  }
}
