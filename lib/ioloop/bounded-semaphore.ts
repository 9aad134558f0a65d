import { Semaphore } from './semaphore';
import { InvalidStateError } from '../common/errors';

/**
 * A Semaphore that refuses to be released above its initial value, as Tornado's
 * `locks.BoundedSemaphore`: a semaphore guards a resource of fixed size, so an extra release is
 * a bug worth an error.
 *
 * @example
 * ```ts
 * const pool = new BoundedSemaphore(3);
 * const hold = await pool.acquire();
 * hold.release();
 * pool.release(); // throws: released too many times
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  private readonly initialValue: number;

  /** `value` is both the initial counter and its ceiling. */
  constructor(value = 1) {
    super(value);
    this.initialValue = value;
  }

  /** As Semaphore's, but throws if the counter is already at its initial value. */
  override release(): void {
    if (this.value >= this.initialValue) {
      throw new InvalidStateError(
        `${this.displayName} released too many times: its value is already ${this.initialValue}, the initial value; call release() once per acquire()`,
      );
    }
    super.release();
  }
}
