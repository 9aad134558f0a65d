import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Piscina } from 'piscina';
import { InvalidStateError } from '../common/errors';
import { invalidArgument } from '../common/invalid-argument';
import { appLog } from '../common/log';
import { receiveError, type ExecutorOutcome, type ExecutorRequest } from './executor-messages';
import { resolveTask, type ExecutorTask, type ResolvedTask } from './executor-task';

/** Options of {@link ThreadPoolExecutor}. */
export interface ThreadPoolExecutorOptions {
  /**
   * Most worker threads running at once; more calls wait in line. The default leaves one
   * core to the event loop, which must keep serving while the others compute (Tornado's
   * `cpu_count() * 5` suits Python threads that mostly wait on I/O, not JavaScript that computes).
   *
   * @defaultValue `availableParallelism() - 1`, at least 1
   */
  maxWorkers?: number;
  /**
   * Seconds an idle thread is kept for the next call before it exits (starting one takes
   * tens of milliseconds). Idle threads never keep the process alive.
   *
   * @defaultValue 30
   */
  idleTimeout?: number;
}

/** Options of {@link ThreadPoolExecutor.shutdown}. */
export interface ExecutorShutdownOptions {
  /** Seconds calls already submitted may take to finish; then their threads are stopped and they reject. Default 10. */
  timeout?: number;
}

type Submittable<A extends unknown[], R> = ((...args: A) => R) | ExecutorTask;

/**
 * A pool of worker threads for CPU-bound work, as Python's `concurrent.futures.ThreadPoolExecutor`
 * (on piscina): `submit(fn, ...args)` runs `fn` on a thread of the pool and resolves with its
 * result. Threads start on the first call (piscina is loaded then too), up to `maxWorkers`.
 * `IOLoop.runInExecutor` uses the loop's default one; make your own to give a kind of work
 * its own threads, or pass one to `IOLoop.setDefaultExecutor` to size the default.
 *
 * A worker thread shares no memory with the caller: `fn` must be a function a thread can load
 * by name (exported from a CommonJS module, or an {@link ExecutorTask}), and its arguments and
 * result are copied (structured clone: no functions, class instances arrive as plain objects).
 *
 * @example
 * ```ts
 * const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const task = { module: new URL('./tasks.js', import.meta.url).href, name: 'wordCount' };
 * const words = await executor.submit<number>(task, 'a few words');
 * await executor.shutdown();
 * ```
 */
export class ThreadPoolExecutor {
  /** Most threads running at once. */
  readonly maxWorkers: number;
  /** Seconds an idle thread is kept. */
  readonly idleTimeout: number;
  private pool: Piscina | undefined;
  private state: 'open' | 'shut' = 'open';
  /** Calls not settled yet, awaited by `shutdown()`. */
  private readonly pending = new Set<Promise<unknown>>();

  /** @throws RangeError (code `TYPHOON_ERR_INVALID_ARGUMENT`) for a `maxWorkers` that is not a positive integer, or a negative `idleTimeout` */
  constructor(options: ThreadPoolExecutorOptions = {}) {
    this.maxWorkers = options.maxWorkers ?? Math.max(1, availableParallelism() - 1);
    this.idleTimeout = options.idleTimeout ?? 30;
    if (!Number.isInteger(this.maxWorkers) || this.maxWorkers < 1) throw invalidArgument(RangeError, `ThreadPoolExecutor maxWorkers must be a positive integer, got ${options.maxWorkers}`);
    if (!(this.idleTimeout >= 0)) throw invalidArgument(RangeError, `ThreadPoolExecutor idleTimeout must be a number of seconds >= 0, got ${options.idleTimeout}`);
  }

  /**
   * Runs `fn(...args)` on a worker thread, as Python's `Executor.submit`.
   *
   * @returns its result (awaited there when it is a promise); rejects with the error `fn`
   *   threw (its name, message, stack and `code`), or with a `DataCloneError` naming the
   *   argument or result that cannot be copied between threads
   * @throws InvalidArgumentError when `fn` cannot be loaded by a thread (a closure, an inline
   *   arrow, a method, a function of the entry script): the message says how to fix it
   * @throws InvalidStateError after `shutdown()`
   */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>>;
  submit<R = unknown>(task: ExecutorTask, ...args: unknown[]): Promise<R>;
  submit<A extends unknown[], R>(fn: Submittable<A, R>, ...args: A): Promise<unknown> {
    if (this.state === 'shut') throw new InvalidStateError('ThreadPoolExecutor is shut down: make a new one (IOLoop.runInExecutor makes its own default again)');
    const task = resolveTask(fn);
    const call = this.run(task, args);
    this.pending.add(call);
    const forget = () => this.pending.delete(call);
    call.then(forget, forget);
    return call;
  }

  /**
   * Lets the calls already submitted finish (up to `timeout` seconds), then stops every
   * thread; later `submit()` calls throw. `Application.close()` does this to the default
   * executor. Safe to call twice.
   */
  async shutdown(options: ExecutorShutdownOptions = {}): Promise<void> {
    this.state = 'shut';
    const pool = this.pool;
    this.pool = undefined;
    if (!pool) return;
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, (options.timeout ?? 10) * 1000)));
    await Promise.race([Promise.allSettled([...this.pending]), timeUp]);
    clearTimeout(timer);
    await pool.destroy(); // stops the threads; what is still running rejects
  }

  private async run(task: ResolvedTask, args: unknown[]): Promise<unknown> {
    const request: ExecutorRequest = { module: task.module, name: task.name, args };
    let outcome: ExecutorOutcome;
    try {
      outcome = await this.threads().run(request);
    } catch (error) {
      throw this.state === 'shut' ? new InvalidStateError(`ThreadPoolExecutor was shut down before ${task.label} finished`) : poolError(error, task);
    }
    if ('error' in outcome) throw receiveError(outcome.error);
    return outcome.value;
  }

  /** The pool, made on the first call: apps that never use it never load piscina. */
  private threads(): Piscina {
    if (this.pool) return this.pool;
    const { Piscina } = require('piscina') as typeof import('piscina');
    this.pool = new Piscina({
      filename: path.join(__dirname, 'executor-worker.js'),
      name: 'runTask',
      minThreads: 0,
      maxThreads: this.maxWorkers,
      idleTimeout: this.idleTimeout * 1000,
    });
    // piscina reports a failed close through 'error'; an EventEmitter without a listener would throw it.
    this.pool.on('error', (error) => appLog.error('ThreadPoolExecutor: worker pool error', error));
    return this.pool;
  }
}

/** An error from the pool itself (not from `fn`), said in terms of the call. */
function poolError(error: unknown, task: ResolvedTask): unknown {
  if (error instanceof DOMException && error.name === 'DataCloneError') {
    return new DOMException(`The arguments of ${task.label} cannot be sent to a worker thread (arguments must be structured-cloneable): ${error.message}`, 'DataCloneError');
  }
  return error;
}
