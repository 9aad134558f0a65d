import { ResponseStateError, StreamClosedError } from '../common/errors';
import { HTTPError } from '../common/http-errors';
import { invalidArgument } from '../common/invalid-argument';
import { appLog, genLog, isLogEnabled } from '../common/log';
import { requestIdFor, type HandlerLog } from '../common/pino-logging';
import type { PullSource, ServerExchange } from '../transport/types';
import type { Application } from './application';
import { decorateCors } from './cors';
import { autoEtag } from './etag';
import { ENDED, type EventStream } from './event-stream';
import { HEADER, type HTTPServerRequest } from './http-server-request';
import { describe, SENDABLE, type ResponseChunk } from './json-text';
import { transformFor } from './output-transform';
import type { RequestHandler } from './request-handler';
import { ResponseOutput, type Compression } from './response-output';
import type { RawXsrfToken } from './xsrf';

/**
 * The one key to a handler's internals (as fastify keeps its own behind `lib/symbols.js`):
 * `handler[INTERNALS]` is the {@link HandlerInternals} of its request. A symbol, so no subclass
 * can collide with it, and `@internal`, so it is not in the published typings.
 */
export const INTERNALS = Symbol('typhoon.handler');

/** What `getCurrentUser()` has not computed yet. */
export const UNKNOWN_USER = Symbol('unknown user');
const NO_KWARGS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** What few requests need; see {@link HandlerInternals.rare}. */
export interface RareState {
  abort: AbortController | undefined;
  rawXsrf: RawXsrfToken | undefined;
  xsrfToken: string | undefined;
  /** Set when `handlerTimeout` expired (seconds). */
  timedOutAfter: number | undefined;
  /** A `render()` or `flush()` still running, which the automatic finish waits for. */
  pendingOutput: Promise<unknown> | undefined;
  /** `handler.log`, made on first use. */
  log: HandlerLog | undefined;
  /** The event stream started on this response, told when the response ends. */
  eventStream: EventStream | undefined;
}

/**
 * A handler's machinery for one request: the response being built, the exchange under it, and
 * the steps of the end of a response (ETag, access log, `onFinish`), a handler timeout and a
 * client leaving. The `RequestHandler` methods users call delegate here; the lifecycle, the
 * application and the WebSocket handshake reach it through {@link INTERNALS}.
 */
export class HandlerInternals {
  out: ResponseOutput;
  /** Set per request from `Accept-Encoding` with `compressResponse`; `'off'` for event streams. */
  compression: Compression = 'off';
  /** Named path arguments, or the names of a native pattern's parameters (paired with pathArgs when asked). */
  kwargs: Record<string, string> | readonly string[] = NO_KWARGS;
  /** The current user, UNKNOWN_USER until computed or set. */
  user: unknown = UNKNOWN_USER;
  /** What few requests need, made on first use (`rare()`): most requests never allocate it. */
  private rareState: RareState | null = null;

  constructor(
    private readonly handler: RequestHandler,
    public exchange: ServerExchange,
    /** The response went out: the access log and `onResponse` hooks (the dispatcher's `responded`). */
    private readonly onResponded: (handler: RequestHandler) => void,
  ) {
    this.out = new ResponseOutput(exchange);
  }

  /** State few requests need (abort signal, XSRF token, handler timeout, log, event stream), made on first use. */
  rare(): RareState {
    return (this.rareState ??= { abort: undefined, rawXsrf: undefined, xsrfToken: undefined, timedOutAfter: undefined, pendingOutput: undefined, log: undefined, eventStream: undefined });
  }

  /** Set when `handlerTimeout` expired (seconds). */
  get timedOutAfter(): number | undefined {
    return this.rareState?.timedOutAfter;
  }

  /** Made right after the handler (by the dispatcher): the handler learns its application and request. */
  static attach(handler: RequestHandler, application: Application, request: HTTPServerRequest, exchange: ServerExchange, onResponded: (handler: RequestHandler) => void): HandlerInternals {
    const internals = new HandlerInternals(handler, exchange, onResponded);
    handler[INTERNALS] = internals;
    handler.application = application;
    handler.request = request;
    // Several X-Request-Id lines are no one id: a new one then, on both transports.
    if (application.logger) handler.requestId = requestIdFor(request.headers.getAll('x-request-id').length === 1 ? request[HEADER]('x-request-id') : undefined);
    const transforms = application.settings.transforms;
    if (transforms?.length) internals.out.transform = transformFor(handler, transforms);
    internals.applyDefaultHeaders();
    return internals;
  }

  /** `X-Request-Id`, CORS headers (with the `cors` setting) and `setDefaultHeaders()`. */
  applyDefaultHeaders(): void {
    const handler = this.handler;
    if (handler.requestId) handler.setHeader('X-Request-Id', handler.requestId);
    const cors = handler.settings.cors;
    if (cors) decorateCors(handler, cors);
    handler.setDefaultHeaders();
  }

  /**
   * Resolves `getCurrentUser()` once (the lifecycle asks only classes that override it).
   * Returns a promise only when there is something to wait for.
   */
  loadCurrentUser(): Promise<void> | undefined {
    if (this.user !== UNKNOWN_USER) return undefined;
    const user = this.handler.getCurrentUser();
    if (!(user instanceof Promise)) {
      this.user = user;
      return undefined;
    }
    return user.then((value) => {
      if (this.user === UNKNOWN_USER) this.user = value;
    });
  }

  /** `handlerTimeout` expired: answer 503, abort `signal`, ignore what the handler does next. */
  async timedOut(seconds: number): Promise<void> {
    const handler = this.handler;
    if (handler.finished || this.exchange.state !== 'open') return;
    this.rare().timedOutAfter = seconds;
    genLog.warn(`${handler.request.method} ${handler.request.uri} did not finish within handlerTimeout ${seconds} s; answering 503`);
    this.rareState?.abort?.abort(new HTTPError(503, 'handler timeout'));
    try {
      await handler.sendError(503, { reason: 'Handler Timeout' });
    } catch (error) {
      genLog.error('Could not send the handler-timeout response', error);
    }
  }

  /** The client went away (the transport tells the handler, which tells this). */
  connectionClosed(): void {
    const handler = this.handler;
    handler.request.markFinished();
    this.rareState?.abort?.abort(new HTTPError(499, 'client closed the connection'));
    try {
      handler.onConnectionClose();
    } catch (error) {
      appLog.error(`Exception in onConnectionClose of ${handler.constructor.name}`, error);
    }
  }

  /**
   * A misuse of the response API: thrown while the lifecycle runs (the error page or log of
   * that request says what happened), logged once it is over, when an exception would only
   * end the process.
   */
  misuse(what: string): void {
    const handler = this.handler;
    const error = new ResponseStateError(`${handler.constructor.name}: ${what}. Await render(), flush() and finish(), and write nothing after the response is complete`);
    if (!this.out.lifecycleDone) throw error;
    appLog.error(`${error.message} (${handler.request.method} ${handler.request.uri})`);
  }

  /**
   * Keeps a render() or flush() promise for the automatic finish to wait for; a rejection
   * nobody awaits is handled by the lifecycle (or logged after it), never left unhandled.
   */
  trackOutput<T>(promise: Promise<T>): Promise<T> {
    const rare = this.rare();
    rare.pendingOutput = promise;
    const settled = () => {
      if (rare.pendingOutput === promise) rare.pendingOutput = undefined;
    };
    promise.then(settled, (error: unknown) => {
      settled();
      if (this.out.lifecycleDone && !(error instanceof StreamClosedError)) appLog.error(`${this.handler.constructor.name}: an output call failed after the request ended`, error);
    });
    return promise;
  }

  /** The lifecycle's last step: finish, after a render() or flush() the verb did not await. */
  autoFinish(): Promise<void> | undefined {
    const pending = this.rareState?.pendingOutput;
    if (!pending) return this.finishNow();
    const handler = this.handler;
    // An event stream's sends are left to run on their own (from a timer, say): no mistake there.
    if (!this.rareState?.eventStream) appLog.warn(`${handler.constructor.name}: the ${handler.request.method} method returned before its render() or flush() completed; await it (they are asynchronous in Typhoon). The response waited for it.`);
    return pending.then(() => (handler.finished ? undefined : this.finishNow()));
  }

  /**
   * A verb method returned `value` (not undefined), or a promise resolving to it: the response,
   * written as `write()` writes it and finished, when nothing was written yet. Returned after
   * output, it is a mistake: thrown (a 500) while the response can still say so, logged once
   * when it went out already. A thenable is awaited first, as a promise is.
   */
  returned(method: string, value: unknown): Promise<void> | undefined {
    if (typeof (value as PromiseLike<unknown> | null)?.then === 'function') {
      return Promise.resolve(value).then((settled) => (settled === undefined ? undefined : this.returned(method, settled)));
    }
    // A render() or flush() the verb did not await is output too: wait for it, then say so.
    const pending = this.rareState?.pendingOutput;
    if (pending) return pending.then(() => this.returnedAfterOutput(method));
    if (this.out.state !== 'buffering' || this.out.hasBody()) return this.returnedAfterOutput(method);
    const kind = typeof value;
    if (kind === 'function' || kind === 'symbol' || kind === 'bigint') {
      throw invalidArgument(TypeError, `${this.handler.constructor.name}.${method}() returned ${describe(value)}, which has no JSON text; ${SENDABLE}`);
    }
    return this.finishNow(value as ResponseChunk);
  }

  /** A verb returned a value after writing: a 500 if nothing went out yet, else one log line. */
  private returnedAfterOutput(method: string): undefined {
    // After a handler timeout the 503 is out: what the handler does later is moot.
    if (this.timedOutAfter !== undefined) return undefined;
    const handler = this.handler;
    const message = `${handler.constructor.name}.${method}() returned a value after writing its response (write(), flush(), finish(), redirect(), render()...): write the response or return it, not both`;
    if (this.out.state === 'buffering') throw new ResponseStateError(message);
    appLog.error(`${message}. The response went out as written and the value was dropped (${handler.request.method} ${handler.request.uri})`);
    return undefined;
  }

  /** `finish()`: the automatic ETag and 304, then the end; returns a promise only when the end has to wait. */
  finishNow(chunk?: ResponseChunk): Promise<void> | undefined {
    const handler = this.handler;
    const out = this.out;
    if (out.state === 'finished') throw new ResponseStateError(`${handler.constructor.name}: finish() called twice`);
    if (chunk !== undefined) handler.write(chunk);
    const method = handler.request.method;
    if (out.state === 'buffering' && out.status === 200 && (method === 'GET' || (method === 'HEAD' && !out.streamedHead)) && out.getHeader('etag') === undefined) autoEtag(handler, out);
    handler.request.markFinished();
    // An error line of the access log names the client: keep its address past the end (a line
    // for a success asked for it at dispatch already).
    if (out.status >= 400 && isLogEnabled('warn', 'access')) this.exchange.keepRemoteAddress();
    const pending = out.finish(method === 'HEAD', this.compression);
    if (pending) return pending.then(() => this.afterFinish());
    this.afterFinish();
    return undefined;
  }

  /** The access log and `onResponse` hooks (a WebSocket handshake has no `onFinish()`). */
  responded(): void {
    this.onResponded(this.handler);
  }

  /**
   * Ends the response with a body that goes out from `source` through the exchange (a file,
   * with backpressure): the headers as they stand, then `length` bytes; then `afterFinish()`.
   */
  async endWithSource(source: PullSource, length: number): Promise<void> {
    this.handler.request.markFinished();
    const out = this.out;
    out.handOver(length);
    await this.exchange.endStream(out.statusLine(), out.headerList(), source);
    this.afterFinish();
  }

  /** Access log and `onFinish()`, once the response is out. */
  afterFinish(): void {
    const handler = this.handler;
    this.rareState?.eventStream?.[ENDED]();
    this.responded();
    try {
      const done = handler.onFinish();
      if (done instanceof Promise) done.catch((error) => appLog.error(`Exception in onFinish of ${handler.constructor.name}`, error));
    } catch (error) {
      appLog.error(`Exception in onFinish of ${handler.constructor.name}`, error);
    }
  }
}
