import { TimeoutError } from '../common/errors';
import { invalidArgument } from '../common/invalid-argument';
import { appLog } from '../common/log';

/** Resolves after `seconds`. */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/**
 * Yields to the event loop for one iteration: `await moment` lets pending I/O and timers run
 * (a resolved promise would only yield to other microtasks).
 */
export const moment: PromiseLike<void> = {
  then<R1 = void, R2 = never>(resolve?: ((value: void) => R1 | PromiseLike<R1>) | null, reject?: ((reason: unknown) => R2 | PromiseLike<R2>) | null): PromiseLike<R1 | R2> {
    return new Promise<void>((done) => setImmediate(done)).then(resolve, reject);
  },
};

type Awaited2<T> = T extends PromiseLike<infer U> ? U : T;

/** Options of {@link multi} and {@link withTimeout}. */
export interface QuietOptions {
  /** Error classes not to log when they are not the one reported. */
  quietExceptions?: Array<new (...args: never[]) => Error>;
}

/**
 * Waits for many promises at once, as Tornado's `multi`: an array gives an array, a record
 * gives a record with the same keys. The first failure rejects; later failures are logged.
 */
export function multi<T extends readonly unknown[]>(children: T, options?: QuietOptions): Promise<{ -readonly [K in keyof T]: Awaited2<T[K]> }>;
export function multi<T extends Record<string, unknown>>(children: T, options?: QuietOptions): Promise<{ [K in keyof T]: Awaited2<T[K]> }>;
export async function multi(children: readonly unknown[] | Record<string, unknown>, options: QuietOptions = {}): Promise<unknown> {
  const keys = Array.isArray(children) ? null : Object.keys(children);
  const values = keys ? keys.map((key) => (children as Record<string, unknown>)[key]) : [...(children as unknown[])];
  const settled = await Promise.allSettled(values);
  const failures = settled.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failures.length) {
    for (const extra of failures.slice(1)) {
      if (!isQuiet(extra.reason, options)) appLog.error('Multiple exceptions in yield list', extra.reason);
    }
    throw failures[0].reason;
  }
  const results = settled.map((result) => (result as PromiseFulfilledResult<unknown>).value);
  if (!keys) return results;
  return Object.fromEntries(keys.map((key, index) => [key, results[index]]));
}

/**
 * Rejects with TimeoutError if `promise` has not settled after `seconds`. The wrapped work
 * is not cancelled; if it fails later, the error is logged (unless quiet).
 */
export function withTimeout<T>(seconds: number, promise: PromiseLike<T>, options: QuietOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new TimeoutError(`Timeout after ${seconds} seconds`));
    }, seconds * 1000);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        if (!timedOut) reject(error);
        else if (!isQuiet(error, options)) appLog.error('Exception in Future after timeout', error);
      },
    );
  });
}

function isQuiet(error: unknown, options: QuietOptions): boolean {
  return (options.quietExceptions ?? []).some((quiet) => error instanceof quiet);
}

type Yieldable = unknown;
type CoroutineFunction<T, A extends unknown[], R> = (this: T, ...args: A) => Generator<Yieldable, R, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- values sent back into a generator are whatever was yielded

/**
 * Turns a generator function that yields promises into an async function, as Tornado's
 * `@gen.coroutine`: `yield promise` waits for it and gives its value (or throws its error into
 * the generator), `yield [a, b]` / `yield { a, b }` waits for all (as {@link multi}), `yield
 * null` is {@link moment}; `return value` resolves the promise, an uncaught error rejects it.
 * Yielding anything else rejects with a `TypeError`, and so does a function that returns no
 * generator.
 *
 * The returned function keeps the generator function's parameters and its `this` type, and
 * returns `Promise<R>` where the generator returns `R`. That is how a method that callers
 * `await` is written: a property, `readonly load = coroutine(function* (this: Store, id: string)
 * { ... })`, typed `(this: Store, id: string) => Promise<Item>`, whose detached calls
 * (`const f = store.load; f(id)`) do not compile.
 *
 * `@coroutine` on a generator method does the same at run time, but a decorator cannot change
 * a method's type: callers still see `Generator<...>`, so `await obj.method()` does not type-check.
 * Use it where nothing awaits the method by name (a `RequestHandler`'s `get()`/`post()`, which
 * must sit on the prototype: Typhoon finds verb methods there, so a property `get` would
 * answer 405), or declare the signature callers see as an overload above it, with the
 * implementation typed `unknown` (`status` below).
 *
 * @example
 * ```ts
 * const fetchBoth = coroutine(function* (client: AsyncHTTPClient) {
 *   const [a, b] = yield [client.fetch(urlA), client.fetch(urlB)];
 *   return a.body.length + b.body.length;
 * });
 * const total: number = await fetchBoth(client);
 *
 * class Pages {
 *   constructor(private client: AsyncHTTPClient) {}
 *
 *   readonly size = coroutine(function* (this: Pages, url: string) {   // a method callers await
 *     const response: HTTPResponse = yield this.client.fetch(url);
 *     return response.body.length;
 *   });
 *
 *   status(url: string): Promise<number>;                               // what callers see
 *   @coroutine
 *   *status(url: string): unknown {                                    // on the prototype
 *     const response: HTTPResponse = yield this.client.fetch(url);
 *     return response.code;
 *   }
 * }
 * const pages = new Pages(client);
 * const [size, status]: number[] = await Promise.all([pages.size(urlA), pages.status(urlB)]);
 * ```
 */
export function coroutine<T, A extends unknown[], R>(fn: CoroutineFunction<T, A, R>): (this: T, ...args: A) => Promise<R>;
export function coroutine(target: object, key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
export function coroutine(...input: unknown[]): unknown {
  if (input.length === 3) {
    const descriptor = input[2] as PropertyDescriptor;
    descriptor.value = wrap(descriptor.value as CoroutineFunction<unknown, unknown[], unknown>);
    return descriptor;
  }
  return wrap(input[0] as CoroutineFunction<unknown, unknown[], unknown>);
}

function wrap<T, A extends unknown[], R>(fn: CoroutineFunction<T, A, R>): (this: T, ...args: A) => Promise<R> {
  return function (this: T, ...args: A): Promise<R> {
    const generator = fn.apply(this, args);
    if (typeof (generator as Partial<Generator> | undefined)?.next !== 'function') {
      return Promise.reject(invalidArgument(TypeError, `coroutine ${fn.name || '(anonymous)'} returned ${String(generator)}, not a generator: write it as function* or *method()`));
    }
    return new Promise<R>((resolve, reject) => {
      const step = (advance: () => IteratorResult<Yieldable, R>) => {
        let next: IteratorResult<Yieldable, R>;
        try {
          next = advance();
        } catch (error) {
          reject(error);
          return;
        }
        if (next.done) {
          resolve(next.value);
          return;
        }
        toPromise(next.value).then(
          (value) => step(() => generator.next(value)),
          (error) => step(() => generator.throw(error)),
        );
      };
      step(() => generator.next());
    });
  };
}

function toPromise(value: Yieldable): PromiseLike<unknown> {
  if (value === null || value === undefined) return moment;
  if (typeof (value as PromiseLike<unknown>).then === 'function') return value as PromiseLike<unknown>;
  if (Array.isArray(value)) return multi(value);
  if (typeof value === 'object') return multi(value as Record<string, unknown>);
  return Promise.reject(invalidArgument(TypeError, `coroutine yielded ${String(value)}: yield a promise, an array or object of promises, or null`));
}
