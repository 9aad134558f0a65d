import { BoundedSemaphore } from './bounded-semaphore';
import type { Releaser } from './releaser';
import { InvalidStateError } from '../common/errors';

/** The BoundedSemaphore(1) behind a Lock, named so its timeouts and toString() say "Lock". */
class LockSemaphore extends BoundedSemaphore {
  protected override get displayName(): string {
    return 'Lock';
  }
}

/**
 * A lock for async tasks, as Tornado's `locks.Lock`: `acquire()` locks it, or waits (in arrival
 * order) until the holder calls `release()`. Releasing an unlocked lock throws.
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * await lock.runExclusive(async () => {
 *   // only one task at a time runs here, even across awaits
 * });
 * ```
 */
export class Lock {
  private readonly block = new LockSemaphore(1);

  /**
   * Locks, waiting while another task holds the lock. Resolves to a Releaser (`await using`
   * works); rejects with TimeoutError after `timeout` seconds (`undefined`: wait forever).
   */
  acquire(timeout?: number): Promise<Releaser> {
    return this.block.acquire(timeout);
  }

  /** Unlocks; the longest waiter, if any, gets the lock. Throws if the lock is not held. */
  release(): void {
    if (this.block.value > 0) {
      throw new InvalidStateError('Lock.release() called on an unlocked lock; release only a lock you acquired');
    }
    this.block.release();
  }

  /** Acquires, runs `fn`, and releases however `fn` ends. Resolves to what `fn` returns. */
  runExclusive<R>(fn: () => R | PromiseLike<R>, timeout?: number): Promise<R> {
    return this.block.runExclusive(fn, timeout);
  }

  /** `Lock [unlocked,value:1]` or `Lock [locked,waiters:2]`, as Tornado's repr. */
  toString(): string {
    return this.block.toString();
  }
}
