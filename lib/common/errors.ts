/**
 * Typhoon's typed errors. Every error carries a stable `code` in Typhoon's own `TYPHOON_ERR_`
 * namespace (Node's are bare `ERR_`; fastify's `FST_ERR_`), listed in {@link TyphoonErrorCode},
 * documented in docs/errors.md and checked by spec/common/errors.spec.ts, so callers can branch on it
 * without parsing messages.
 */

/**
 * Every string code a Typhoon error carries: `switch ((error as TyphoonError<TyphoonErrorCode>).code)`
 * is checked for exhaustiveness against it. `HTTPClientError` alone has a numeric `code` (the HTTP
 * status, as Tornado's) and carries `TYPHOON_ERR_HTTP_CLIENT` as `errorCode`.
 */
export type TyphoonErrorCode =
  | 'TYPHOON_ERR_HTTP'
  | 'TYPHOON_ERR_MISSING_ARGUMENT'
  | 'TYPHOON_ERR_VALIDATION'
  | 'TYPHOON_ERR_FINISH'
  | 'TYPHOON_ERR_STREAM_CLOSED'
  | 'TYPHOON_ERR_WEBSOCKET_CLOSED'
  | 'TYPHOON_ERR_TIMEOUT'
  | 'TYPHOON_ERR_CONFIGURATION'
  | 'TYPHOON_ERR_UNSAFE_VALUE'
  | 'TYPHOON_ERR_RESPONSE_STATE'
  | 'TYPHOON_ERR_TEMPLATE'
  | 'TYPHOON_ERR_QUEUE_EMPTY'
  | 'TYPHOON_ERR_QUEUE_FULL'
  | 'TYPHOON_ERR_INVALID_STATE'
  | 'TYPHOON_ERR_INVALID_ARGUMENT'
  | 'TYPHOON_ERR_BODY_SOURCE_ENDED'
  | 'TYPHOON_ERR_HTTP_CLIENT';

/**
 * Base class of every error Typhoon throws on purpose. Each of Typhoon's classes narrows `code`
 * to its own member of {@link TyphoonErrorCode} (`HTTPError`'s is `'TYPHOON_ERR_HTTP'`); a
 * subclass of your own takes any string (`class PaymentError extends TyphoonError<'PAYMENT_DECLINED'>`).
 *
 * @example
 * ```ts
 * try {
 *   new Application({ maxBodySize: -1 });
 * } catch (error) {
 *   if (error instanceof TyphoonError) console.log(error.code); // 'TYPHOON_ERR_CONFIGURATION'
 * }
 * ```
 */
export class TyphoonError<Code extends string | number = string> extends Error {
  /** Stable machine-readable code, e.g. `TYPHOON_ERR_HTTP` (a number only on HTTPClientError, as in Tornado). */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The HTTP client went away while the handler was still writing (e.g. in `flush()`).
 *
 * @example
 * ```ts
 * class Ticker extends RequestHandler {
 *   async get() {
 *     try {
 *       for (;;) {
 *         this.write(`${Date.now()}\n`);
 *         await this.flush();
 *         await sleep(1);
 *       }
 *     } catch (error) {
 *       if (!(error instanceof StreamClosedError)) throw error; // the client left: stop quietly
 *     }
 *   }
 * }
 * ```
 */
export class StreamClosedError extends TyphoonError<'TYPHOON_ERR_STREAM_CLOSED'> {
  constructor(message = 'Stream is closed') {
    super('TYPHOON_ERR_STREAM_CLOSED', message);
  }
}

/**
 * A message was written to a WebSocket that is already closed.
 *
 * @example
 * ```ts
 * class Feed extends WebSocketHandler {
 *   override async open() {
 *     try {
 *       await this.writeMessage({ hello: true });
 *     } catch (error) {
 *       if (error instanceof WebSocketClosedError) return; // gone before the greeting
 *       throw error;
 *     }
 *   }
 * }
 * ```
 */
export class WebSocketClosedError extends TyphoonError<'TYPHOON_ERR_WEBSOCKET_CLOSED'> {
  constructor(message = 'WebSocket is closed') {
    super('TYPHOON_ERR_WEBSOCKET_CLOSED', message);
  }
}

/**
 * An operation did not complete in time (`withTimeout`, `runSync`, locks and queues).
 *
 * @example
 * ```ts
 * try {
 *   await withTimeout(2, new Promise(() => undefined));
 * } catch (error) {
 *   if (error instanceof TimeoutError) console.log('gave up after 2 s');
 * }
 * ```
 */
export class TimeoutError extends TyphoonError<'TYPHOON_ERR_TIMEOUT'> {
  constructor(message = 'Timeout') {
    super('TYPHOON_ERR_TIMEOUT', message);
  }
}

/**
 * Settings, routes or options that cannot work. Thrown at start-up, before anything listens,
 * with a message naming the offending value and how to fix it.
 *
 * @example
 * ```ts
 * try {
 *   new Application({ staticUrlPrefix: 'static' });
 * } catch (error) {
 *   if (error instanceof ConfigurationError) console.error(error.message); // "... must start and end with '/'"
 * }
 * ```
 */
export class ConfigurationError extends TyphoonError<'TYPHOON_ERR_CONFIGURATION'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TYPHOON_ERR_CONFIGURATION', message, options);
  }
}

/**
 * A value that would corrupt the HTTP stream if sent: a header, cookie or reason phrase with
 * CR, LF or other control characters. Thrown at the call that tried to set it.
 *
 * @example
 * ```ts
 * class Echo extends RequestHandler {
 *   get() {
 *     // A value from the client with CR/LF in it throws UnsafeValueError here instead of splitting the response.
 *     this.setHeader('X-Echo', this.getArgument('v'));
 *   }
 * }
 * ```
 */
export class UnsafeValueError extends TyphoonError<'TYPHOON_ERR_UNSAFE_VALUE'> {
  constructor(message: string) {
    super('TYPHOON_ERR_UNSAFE_VALUE', message);
  }
}

/**
 * A handler method was used in a state where it cannot work, e.g. `write()` after `finish()`.
 *
 * @example
 * ```ts
 * class Twice extends RequestHandler {
 *   async get() {
 *     await this.finish('done');
 *     this.write('more'); // ResponseStateError: the response is complete
 *   }
 * }
 * ```
 */
export class ResponseStateError extends TyphoonError<'TYPHOON_ERR_RESPONSE_STATE'> {
  constructor(message: string) {
    super('TYPHOON_ERR_RESPONSE_STATE', message);
  }
}

/**
 * A template is missing or does not compile; the message names the file and line.
 *
 * @example
 * ```ts
 * class Page extends RequestHandler {
 *   async get() {
 *     await this.render('missing.html', {}); // TemplateError naming the file: a 500 page
 *   }
 * }
 * ```
 */
export class TemplateError extends TyphoonError<'TYPHOON_ERR_TEMPLATE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TYPHOON_ERR_TEMPLATE', message, options);
  }
}

/**
 * `Queue.getNowait()` found no item, as Tornado's `queues.QueueEmpty`.
 *
 * @example
 * ```ts
 * const queue = new Queue<string>();
 * try {
 *   queue.getNowait();
 * } catch (error) {
 *   if (error instanceof QueueEmpty) console.log('nothing waiting');
 * }
 * ```
 */
export class QueueEmpty extends TyphoonError<'TYPHOON_ERR_QUEUE_EMPTY'> {
  constructor(message = 'Queue is empty; await get() to wait for an item') {
    super('TYPHOON_ERR_QUEUE_EMPTY', message);
  }
}

/**
 * `Queue.putNowait()` found the queue at its maxsize, as Tornado's `queues.QueueFull`.
 *
 * @example
 * ```ts
 * const queue = new Queue<string>(1);
 * queue.putNowait('a');
 * try {
 *   queue.putNowait('b');
 * } catch (error) {
 *   if (error instanceof QueueFull) console.log('full');
 * }
 * ```
 */
export class QueueFull extends TyphoonError<'TYPHOON_ERR_QUEUE_FULL'> {
  constructor(message = 'Queue is full; await put() to wait for room') {
    super('TYPHOON_ERR_QUEUE_FULL', message);
  }
}

/**
 * An operation was called on an object in a state that cannot do it: releasing a lock nobody
 * holds, `taskDone()` more often than items were taken, starting a running `IOLoop`, fetching
 * through a closed `AsyncHTTPClient` (Tornado raises `RuntimeError`/`ValueError` for these).
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * try {
 *   lock.release();
 * } catch (error) {
 *   if (error instanceof InvalidStateError) console.log(error.message); // says to release only what you acquired
 * }
 * ```
 */
export class InvalidStateError extends TyphoonError<'TYPHOON_ERR_INVALID_STATE'> {
  constructor(message = 'invalid state') {
    super('TYPHOON_ERR_INVALID_STATE', message);
  }
}

/**
 * A value given to Typhoon (or returned to it by your code) that it cannot use: a subprotocol
 * the client did not offer returned by `selectSubprotocol()` (the handshake fails with 500), a
 * starter folder that is not empty (Tornado raises `ValueError` for such values). A URL with a
 * scheme other than http/https reaches `AsyncHTTPClient.fetch()` callers as `HTTPClientError`
 * 599 with this error as its `cause`, as Tornado's client reports it.
 *
 * @example
 * ```ts
 * class Chat extends WebSocketHandler {
 *   // Return one of `offered`, or null: any other name is an InvalidArgumentError.
 *   override selectSubprotocol(offered: string[]): string | null {
 *     return offered.includes('chat.v2') ? 'chat.v2' : null;
 *   }
 * }
 * ```
 */
export class InvalidArgumentError extends TyphoonError<'TYPHOON_ERR_INVALID_ARGUMENT'> {
  constructor(message = 'invalid argument') {
    super('TYPHOON_ERR_INVALID_ARGUMENT', message);
  }
}
