import { WaiterQueue } from './waiter-queue';

/**
 * Lets tasks wait until another task notifies them, as Tornado's `locks.Condition`: like
 * `threading.Condition`, with no underlying lock. Waiters wake in the order they started waiting,
 * always on a later microtask, never inside `notify()`.
 *
 * @example
 * ```ts
 * const condition = new Condition();
 * const waiting = condition.wait(); // resolves true when notified
 * condition.notify();
 * await waiting;
 * ```
 */
export class Condition {
  private readonly waiters = new WaiterQueue<boolean>();

  /**
   * Waits for `notify()`. Resolves `true` when notified, or `false` once `timeout` seconds have
   * passed (`undefined`: wait forever). A waiter that timed out never takes a later notify.
   */
  wait(timeout?: number): Promise<boolean> {
    return this.waiters.add(timeout, (waiter) => waiter.resolve(false)).promise;
  }

  /** Wakes the `n` longest-waiting waiters (fewer if fewer are waiting). */
  notify(n = 1): void {
    for (let woken = 0; woken < n; woken++) {
      const waiter = this.waiters.shift();
      if (!waiter) return;
      waiter.resolve(true);
    }
  }

  /** Wakes every waiter. */
  notifyAll(): void {
    this.notify(this.waiters.size);
  }

  /** `Condition waiters[2]`, as Tornado's repr. */
  toString(): string {
    return this.waiters.size ? `Condition waiters[${this.waiters.size}]` : 'Condition';
  }
}
