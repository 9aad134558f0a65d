import { InvalidStateError, TimeoutError } from '../common/errors';
import { appLog } from '../common/log';
import type { ExecutorTask } from './executor-task';
import { ThreadPoolExecutor, type ExecutorShutdownOptions, type ThreadPoolExecutorOptions } from './thread-pool-executor';

/**
 * What `callLater`/`callAt`/`addTimeout` return; give it to `removeTimeout`.
 *
 * @example
 * ```ts
 * const loop = IOLoop.current();
 * const handle = loop.callLater(30, () => console.log('too late'));
 * loop.removeTimeout(handle);
 * ```
 */
export class TimeoutHandle {
  /** Made by `callLater`/`callAt`: when it fires (ms since the epoch) and its Node timer. */
  constructor(readonly deadline: number, readonly timer: NodeJS.Timeout) {}
}

/** Options of {@link IOLoop.runSync}. */
export interface RunSyncOptions {
  /** Seconds before `runSync` rejects with TimeoutError (the work itself is not cancelled). */
  timeout?: number;
}

type Callback<A extends unknown[]> = (...args: A) => unknown;

/**
 * Tornado's IOLoop as a thin layer over Node's event loop (which already is one): timers in
 * seconds on a monotonic clock, callbacks whose errors are logged instead of crashing the
 * process, and `start()`/`stop()` to keep a program alive. One per thread.
 *
 * @example
 * ```ts
 * const loop = IOLoop.current();
 * loop.callLater(1.5, () => console.log('a second and a half later'));
 * const answer = await loop.runSync(async () => 42, { timeout: 5 });
 * // CPU work on a worker thread: an export of tasks.js, called with 'a few words'
 * const words = await loop.runInExecutor<number>({ module: new URL('./tasks.js', import.meta.url).href, name: 'wordCount' }, 'a few words');
 * ```
 */
export class IOLoop {
  private static instance: IOLoop | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private stopped: (() => void) | undefined;
  private executor: ThreadPoolExecutor | undefined;
  /** The default executor was made here (not given to `setDefaultExecutor`): replacing it shuts it. */
  private executorIsOwn = false;
  /** Sizes for the next default executor: those of the last one shut down. */
  private executorOptions: ThreadPoolExecutorOptions = {};

  private constructor() {}

  /** This thread's IOLoop (module state is per worker thread, so one per thread). */
  static current(): IOLoop {
    return (IOLoop.instance ??= new IOLoop());
  }

  /** Monotonic seconds (not wall-clock time): the clock deadlines are measured on. */
  time(): number {
    return performance.now() / 1000;
  }

  /** Runs `fn(...args)` after `delay` seconds. */
  callLater<A extends unknown[]>(delay: number, fn: Callback<A>, ...args: A): TimeoutHandle {
    return this.callAt(this.time() + delay, fn, ...args);
  }

  /** Runs `fn(...args)` at `when` (on `time()`'s clock). */
  callAt<A extends unknown[]>(when: number, fn: Callback<A>, ...args: A): TimeoutHandle {
    const delayMs = Math.max(0, (when - this.time()) * 1000);
    return new TimeoutHandle(when, setTimeout(() => this.invoke(fn, args), delayMs));
  }

  /** Tornado's `add_timeout`: runs `fn` at the absolute `deadline` (seconds on `time()`'s clock). */
  addTimeout<A extends unknown[]>(deadline: number, fn: Callback<A>, ...args: A): TimeoutHandle {
    return this.callAt(deadline, fn, ...args);
  }

  /** Cancels a pending timeout (no effect if it already ran). */
  removeTimeout(handle: TimeoutHandle): void {
    clearTimeout(handle.timer);
  }

  /** Runs `fn(...args)` on the next loop iteration. */
  addCallback<A extends unknown[]>(fn: Callback<A>, ...args: A): void {
    setImmediate(() => this.invoke(fn, args));
  }

  /** Runs a (possibly async) function in the background; its errors are logged, never thrown. */
  spawnCallback<A extends unknown[]>(fn: Callback<A>, ...args: A): void {
    this.addCallback(fn, ...args);
  }

  /** Calls `callback(promise)` once the promise settles (Tornado's `add_future`). */
  addFuture<T>(promise: Promise<T>, callback: (settled: Promise<T>) => unknown): void {
    const run = () => this.invoke(callback, [promise]);
    promise.then(run, run);
  }

  /**
   * Runs `fn` and resolves with its result, keeping the process alive meanwhile; rejects
   * with TimeoutError after `timeout` seconds.
   */
  async runSync<T>(fn: () => T | PromiseLike<T>, options: RunSyncOptions = {}): Promise<T> {
    const work = Promise.resolve().then(fn);
    if (options.timeout === undefined) return work;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`Operation timed out after ${options.timeout} seconds`)), options.timeout! * 1000);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs CPU-bound `fn(...args)` on a worker thread of the default executor (Tornado's
   * `run_in_executor(None, fn, *args)`), so the event loop keeps serving meanwhile: a
   * handler that awaits it can still be answered 503 by `handlerTimeout`. `fn` is a function
   * exported from a CommonJS module (found in `require.cache`) or an {@link ExecutorTask};
   * its arguments and result are copied between threads (structured clone). The default
   * executor is a {@link ThreadPoolExecutor} of `availableParallelism() - 1` threads (at least
   * 1), made on the first call; size it with `setDefaultExecutor`.
   *
   * @returns its result; rejects with what `fn` threw (name, message, stack, `code`) or with
   *   a `DataCloneError` for an argument or result that cannot be copied
   * @throws InvalidArgumentError when `fn` is a closure, an inline arrow, a method or a function
   *   of the entry script (no thread can load it): the message says how to fix it
   */
  runInExecutor<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>>;
  runInExecutor<R = unknown>(task: ExecutorTask, ...args: unknown[]): Promise<R>;
  runInExecutor(fn: ((...args: never[]) => unknown) | ExecutorTask, ...args: unknown[]): Promise<unknown> {
    if (!this.executor) {
      this.executor = new ThreadPoolExecutor(this.executorOptions);
      this.executorIsOwn = true;
    }
    return this.executor.submit(fn as ExecutorTask, ...args);
  }

  /** Tornado's `set_default_executor`: the executor `runInExecutor` uses (the one the loop made is shut down). */
  setDefaultExecutor(executor: ThreadPoolExecutor): void {
    if (this.executorIsOwn) void this.executor?.shutdown();
    this.executor = executor;
    this.executorIsOwn = false;
  }

  /**
   * Shuts the default executor down (asyncio's `shutdown_default_executor`): calls already
   * made get `timeout` seconds to finish, then its threads stop. `Application.close()` calls
   * it. A later `runInExecutor` makes a new default executor of the same size.
   */
  async shutdownDefaultExecutor(options: ExecutorShutdownOptions = {}): Promise<void> {
    const executor = this.executor;
    if (!executor) return;
    this.executor = undefined;
    this.executorOptions = { maxWorkers: executor.maxWorkers, idleTimeout: executor.idleTimeout };
    await executor.shutdown(options);
  }

  /** Keeps the process running until `stop()`; resolves then. */
  start(): Promise<void> {
    if (this.stopped) throw new InvalidStateError('IOLoop is already running: start() it once, and stop() it before starting it again');
    this.keepAlive = setInterval(() => undefined, 2 ** 30);
    return new Promise((resolve) => (this.stopped = resolve));
  }

  /** Lets `start()` return (pending callbacks still run, as in Node). */
  stop(): void {
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
    const resolve = this.stopped;
    this.stopped = undefined;
    resolve?.();
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.stopped !== undefined;
  }

  private invoke<A extends unknown[]>(fn: Callback<A>, args: A): void {
    try {
      const result = fn(...args);
      if (result instanceof Promise) result.catch((error) => appLog.error(`Exception in callback ${describe(fn)}`, error));
    } catch (error) {
      appLog.error(`Exception in callback ${describe(fn)}`, error);
    }
  }
}

function describe(fn: (...args: never[]) => unknown): string {
  return fn.name ? `${fn.name}()` : '<anonymous>';
}
