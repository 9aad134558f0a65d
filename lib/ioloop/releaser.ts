// Node 20 defines both symbols; the Symbol.for fallbacks match the usual polyfills elsewhere.
const DISPOSE: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose);
const ASYNC_DISPOSE: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose);

/**
 * What `Lock.acquire()` and `Semaphore.acquire()` resolve to: gives the hold back once, by hand
 * or at the end of a `using`/`await using` block (Tornado's `with (yield lock.acquire()):`).
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * {
 *   await using hold = await lock.acquire();
 *   // ...critical section...
 * } // released here, even if the block threw
 * ```
 */
export interface Releaser extends Disposable, AsyncDisposable {
  /** Gives the hold back. Only the first call counts, so a later dispose is harmless. */
  release(): void;
}

/** A Releaser that calls `release` at most once. */
export function createReleaser(release: () => void): Releaser {
  let held = true;
  const releaseOnce = (): void => {
    if (!held) return;
    held = false;
    release();
  };
  return {
    release: releaseOnce,
    [DISPOSE]: releaseOnce,
    [ASYNC_DISPOSE]: async () => releaseOnce(),
  };
}
