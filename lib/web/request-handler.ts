import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { ConfigurationError, HTTPError, MissingArgumentError, ResponseStateError, StreamClosedError, ValidationError } from '../common/errors';
import { appLog, genLog, isLogEnabled } from '../common/log';
import { CONNECTION_CLOSED, type ServerExchange } from '../transport/types';
import type { Application } from './application';
import { formatSetCookie, type CookieOptions } from './cookies';
import { decorateCors } from './cors';
import type { ArgumentMap } from './form-data';
import type { HTTPServerRequest } from './http-server-request';
import { escapeHtml } from '../common/escape';
import { weakMatch } from './conditional';
import { bodiless, ResponseOutput, SEALED_OUTPUT, type Compression, type HeaderValue } from './response-output';
import type { ResolvedSettings } from './settings';
import { createSignedValue, decodeSignedValue } from './signed-value';
import { decodeXsrfToken, maskXsrfToken, newXsrfToken, sameXsrfSecret, type RawXsrfToken } from './xsrf';
import { validate, type SchemaOutput, type StandardSchemaV1 } from './validation';
import { EventStream, type EventStreamOptions } from './event-stream';
import { transformFor } from './output-transform';
import { handlerLog, requestIdFor, type HandlerLog } from '../common/pino-logging';

/** Options of {@link RequestHandler.sendError}. */
export interface SendErrorOptions {
  /** What went wrong (shown with `serveTraceback`). */
  error?: unknown;
  /** Reason phrase of the status line. */
  reason?: string;
}

/** Options of {@link RequestHandler.staticUrl}. */
export interface StaticUrlOptions {
  includeHost?: boolean;
  includeVersion?: boolean;
}

const CONTROL_CHARS = /[\x00-\x08\x0e-\x1f]/g;
/** What `finish()` returns when the response went out at once: no promise per request. */
const DONE: Promise<void> = Promise.resolve();
const UNKNOWN = Symbol('unknown user');

interface RareState {
  abort: AbortController | undefined;
  rawXsrf: RawXsrfToken | undefined;
  xsrfToken: string | undefined;
  /** Set when `handlerTimeout` expired (seconds). */
  timedOutAfter: number | undefined;
  /** A `render()` or `flush()` still running, which the automatic finish waits for. */
  pendingOutput?: Promise<unknown>;
  /** `log`, made on first use. */
  log?: HandlerLog;
  /** The event stream started on this response, told when the response ends. */
  eventStream?: EventStream;
}
const NO_ARGS = Object.freeze([]) as unknown as string[];
const NO_KWARGS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * Base class of HTTP handlers, with Tornado's `RequestHandler` shape. Subclass it, implement
 * `get()`, `post()`... and route it with `@Route`. One instance serves one request; it is
 * created through the application's DI container, so services arrive through the constructor.
 *
 * @example
 * ```ts
 * @Route('/items/:id')
 * class ItemHandler extends RequestHandler {
 *   constructor(private store: ItemStore) { super(); }
 *   async get(id: string) {
 *     this.write({ id, item: await this.store.get(id) });
 *   }
 * }
 * ```
 */
export class RequestHandler {
  /** Methods Typhoon dispatches to handler methods (others answer 405). */
  static readonly SUPPORTED_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'DELETE', 'PATCH', 'PUT', 'OPTIONS'];
  /** What a route of this class serves: HTTP requests, or WebSocket connections (`WebSocketHandler`). */
  static readonly routeKind: 'http' | 'websocket' = 'http';

  /** The application serving this request. */
  application!: Application;
  /** The request. */
  request!: HTTPServerRequest;
  /** Path arguments, URL-decoded, as passed to the verb method. */
  pathArgs: string[] = NO_ARGS;
  /** Named arguments, or the names of a native pattern's parameters (paired with pathArgs when asked). */
  private _kwargs: Record<string, string> | readonly string[] = NO_KWARGS;

  /** @internal */ _out!: ResponseOutput;
  /** @internal */ _exchange!: ServerExchange;
  /** @internal */ _compression: Compression = 'off';
  /** The current user, UNKNOWN until computed or set. */
  private _user: unknown = UNKNOWN;
  /** State few requests need (abort signal, XSRF token, handler timeout), made on first use. */
  private _rare: RareState | null = null;

  /** @internal Called by the application right after construction. */
  _attach(application: Application, request: HTTPServerRequest, exchange: ServerExchange): void {
    this.application = application;
    this.request = request;
    this._exchange = exchange;
    this._out = new ResponseOutput(exchange);
    // Several X-Request-Id lines are no one id: a new one then, on both transports.
    if (application.logger) this.requestId = requestIdFor(request.headers.getAll('x-request-id').length === 1 ? request._header('x-request-id') : undefined);
    const transforms = application.settings.transforms;
    if (transforms?.length) this._out.transform = transformFor(this, transforms);
    this.applyDefaultHeaders();
  }

  /**
   * This request's id, with the `logger` setting: its `X-Request-Id` when well-formed, else a
   * new UUID; sent back in `X-Request-Id`. Undefined without a logger.
   */
  requestId: string | undefined = undefined;

  /**
   * A logger for this request, carrying its id (`reqId`): with the `logger` setting a pino
   * child logger, else Typhoon's `app` logger with pino's call forms.
   *
   * @example
   * ```ts
   * this.log.info({ itemId }, 'item created');
   * ```
   */
  get log(): HandlerLog {
    const rare = this.rare();
    return (rare.log ??= this.application.logger ? this.application.logger.child({ logger: 'app', reqId: this.requestId }) : handlerLog(this.requestId));
  }

  /**
   * The path arguments checked against a Standard Schema: the named ones as an object (`:id`
   * parameters, named RegExp groups), or else the positional ones as an array.
   *
   * @example
   * ```ts
   * @Route('/items/:id')
   * class ItemHandler extends RequestHandler {
   *   async get() {
   *     const { id } = await this.validatePathArguments(z.object({ id: z.coerce.number().int() }));
   *     this.write({ id }); // id: number
   *   }
   * }
   * ```
   * @throws ValidationError (400, problem details) when they fail the schema
   */
  validatePathArguments<S extends StandardSchemaV1>(schema: S): Promise<SchemaOutput<S>> {
    const named = this.pathKwargs;
    return validate(schema, Object.keys(named).length ? named : this.pathArgs, 'path');
  }

  /** Named path arguments (`:id` parameters, named RegExp groups), URL-decoded. */
  get pathKwargs(): Record<string, string> {
    const kwargs = this._kwargs;
    if (!Array.isArray(kwargs)) return kwargs as Record<string, string>;
    const named: Record<string, string> = {};
    for (let i = 0; i < kwargs.length; i++) named[kwargs[i]] = this.pathArgs[i];
    return (this._kwargs = named);
  }

  set pathKwargs(kwargs: Record<string, string>) {
    this._kwargs = kwargs;
  }

  /** @internal A native pattern's parameters are named `names`: pathKwargs pairs them with pathArgs. */
  _kwargNames(names: readonly string[]): void {
    this._kwargs = names;
  }

  /** Application settings. */
  get settings(): ResolvedSettings {
    return this.application.settings;
  }

  // ---- Lifecycle hooks (override) ---------------------------------------------------------

  /** Receives the route's init args (Tornado's `initialize(**kwargs)`). */
  initialize(_args: object): void | Promise<void> {}

  /** Runs before the verb method; may finish the request early. */
  prepare(): void | Promise<void> {}

  /** Runs after the response was sent (cleanup, metrics). */
  onFinish(): void | Promise<void> {}

  /** Runs when the client disconnects before the response is complete. */
  onConnectionClose(): void {}

  /** Who is logged in; may be async. Computed once per request, before `prepare()`. */
  getCurrentUser(): unknown | Promise<unknown> {
    return null;
  }

  /** Headers every response of this handler starts with (and `clear()` restores). */
  setDefaultHeaders(): void {}

  /** An AbortSignal that aborts when the client goes away, to cancel the handler's own work. */
  get signal(): AbortSignal {
    const rare = this.rare();
    if (!rare.abort) {
      rare.abort = new AbortController();
      if (this._exchange.state === 'aborted') rare.abort.abort(new HTTPError(499, 'client closed the connection'));
    }
    return rare.abort.signal;
  }

  /** True once the response is complete. */
  get finished(): boolean {
    return this._out.state === 'finished';
  }

  /** The logged-in user (`getCurrentUser()`'s result); may also be set, e.g. in `prepare()`. */
  get currentUser(): unknown {
    return this._user === UNKNOWN ? undefined : this._user;
  }

  set currentUser(user: unknown) {
    this._user = user;
  }

  /**
   * @internal Resolves `getCurrentUser()` once, if it was overridden. Returns a promise only
   * when there is something to wait for, so handlers without users stay synchronous.
   */
  _loadCurrentUser(): Promise<void> | undefined {
    if (this._user !== UNKNOWN || this.getCurrentUser === RequestHandler.prototype.getCurrentUser) return undefined;
    const user = this.getCurrentUser();
    if (!(user instanceof Promise)) {
      this.currentUser = user;
      return undefined;
    }
    return user.then((value) => {
      if (this._user === UNKNOWN) this.currentUser = value;
    });
  }

  /** @internal Set when `handlerTimeout` expired (seconds). */
  get _timedOutAfter(): number | undefined {
    return this._rare?.timedOutAfter;
  }

  private rare(): RareState {
    return (this._rare ??= { abort: undefined, rawXsrf: undefined, xsrfToken: undefined, timedOutAfter: undefined, pendingOutput: undefined });
  }

  /** @internal `handlerTimeout` expired: answer 503, abort `signal`, ignore what the handler does next. */
  async _timedOut(seconds: number): Promise<void> {
    if (this.finished || this._exchange.state !== 'open') return;
    this.rare().timedOutAfter = seconds;
    genLog.warn(`${this.request.method} ${this.request.uri} did not finish within handlerTimeout ${seconds} s; answering 503`);
    this._rare?.abort?.abort(new HTTPError(503, 'handler timeout'));
    try {
      await this.sendError(503, { reason: 'Handler Timeout' });
    } catch (error) {
      genLog.error('Could not send the handler-timeout response', error);
    }
  }

  /** @internal The client went away (the transport calls this). */
  [CONNECTION_CLOSED](): void {
    this.request.markFinished();
    this._rare?.abort?.abort(new HTTPError(499, 'client closed the connection'));
    try {
      this.onConnectionClose();
    } catch (error) {
      appLog.error(`Exception in onConnectionClose of ${this.constructor.name}`, error);
    }
  }

  // ---- Input ------------------------------------------------------------------------------

  /**
   * The last value of an argument from the query or the body (body wins), stripped, control
   * characters replaced. Missing with no default: MissingArgumentError (400).
   */
  getArgument(name: string): string;
  getArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getArgument(name: string, ...rest: unknown[]): unknown {
    return pickLast(this.request.arguments, name, rest);
  }

  /** Every value of an argument (query and body). */
  getArguments(name: string, strip = true): string[] {
    return cleanValues(this.request.arguments[name], strip);
  }

  /** The last value of a query argument. */
  getQueryArgument(name: string): string;
  getQueryArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getQueryArgument(name: string, ...rest: unknown[]): unknown {
    return pickLast(this.request.queryArguments, name, rest);
  }

  getQueryArguments(name: string, strip = true): string[] {
    return cleanValues(this.request.queryArguments[name], strip);
  }

  /** The last value of a body (form) argument. */
  getBodyArgument(name: string): string;
  getBodyArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getBodyArgument(name: string, ...rest: unknown[]): unknown {
    return pickLast(this.request.bodyArguments, name, rest);
  }

  getBodyArguments(name: string, strip = true): string[] {
    return cleanValues(this.request.bodyArguments[name], strip);
  }

  /** A cookie sent by the client. */
  getCookie(name: string): string | undefined;
  getCookie<D>(name: string, defaultValue: D): string | D;
  getCookie(name: string, defaultValue?: unknown): unknown {
    const value = this.request.cookies[name];
    return value === undefined ? defaultValue : value;
  }

  /**
   * A cookie set with `setSignedCookie`, verified (Tornado's `get_signed_cookie`); null when
   * missing, forged or older than `maxAgeDays`. @defaultValue maxAgeDays 31
   */
  getSignedCookie(name: string, options: { maxAgeDays?: number; value?: string } = {}): string | null {
    return decodeSignedValue(this.cookieSecret(), name, options.value ?? this.getCookie(name), { maxAgeDays: options.maxAgeDays });
  }

  // ---- Output -----------------------------------------------------------------------------

  /**
   * Sets the status, and optionally a reason phrase (Tornado's `set_status`).
   *
   * @param code 100-599 (RFC 9110 §15)
   * @throws UnsafeValueError for a code out of range or a reason with control characters
   */
  setStatus(code: number, reason?: string): void {
    this._out.setStatus(code, reason);
  }

  getStatus(): number {
    return this._out.status;
  }

  /**
   * Sets a response header, replacing earlier values (Tornado's `set_header`). Numbers and Dates
   * are formatted (Dates as HTTP dates, RFC 9110 §5.6.7).
   *
   * @throws UnsafeValueError for a name that is not a token or a value with CR, LF or other controls
   * @throws ResponseStateError once the headers were sent (after `flush()`)
   */
  setHeader(name: string, value: HeaderValue): void {
    this._out.setHeader(name, value);
  }

  /** Adds a value to a response header (several `Link` or `Vary` values...). */
  addHeader(name: string, value: HeaderValue): void {
    this._out.addHeader(name, value);
  }

  clearHeader(name: string): void {
    this._out.clearHeader(name);
  }

  /** Value of a response header set so far. */
  getHeader(name: string): string | undefined {
    return this._out.getHeader(name);
  }

  /**
   * Buffers output. Strings and Buffers are sent as they are; objects and arrays as JSON with
   * `Content-Type: application/json`.
   */
  write(chunk: string | Buffer | object): void {
    if (this._out.state === 'finished' && this._out !== SEALED_OUTPUT) return this._misuse('write() after the response was complete');
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
      this._out.write(chunk);
      return;
    }
    if (chunk instanceof Uint8Array) {
      this._out.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      return;
    }
    this._out.write(JSON.stringify(chunk));
    this._out.setTrustedHeader('content-type', 'Content-Type', 'application/json; charset=UTF-8');
  }

  /**
   * Sends what is buffered now: headers on the first call, then chunks (chunked encoding).
   * Resolves when the client's socket took the data (backpressure); rejects with
   * StreamClosedError when the client is gone.
   */
  flush(): Promise<void> {
    if (this._out.state === 'finished' && this._out !== SEALED_OUTPUT) {
      this._misuse('flush() after the response was complete');
      return DONE;
    }
    return this.trackOutput(this._out.flush(this.request.method === 'HEAD', this._compression));
  }

  /**
   * Starts a server-sent event stream (`text/event-stream`, not compressed, `Cache-Control:
   * no-cache`): the headers go out now, and the returned stream sends events, with heartbeats
   * while it is quiet. Await `stream.closed` in the verb method to keep the response open until
   * the client goes. `stream.lastEventId` is the browser's `Last-Event-ID`.
   *
   * @example
   * ```ts
   * const stream = await this.startEventStream({ heartbeat: 5 });
   * await stream.send({ event: 'greeting', data: { text: 'hello' } });
   * await stream.closed;
   * ```
   * @throws ResponseStateError when something was flushed already; RangeError for a `heartbeat`,
   * `retry` or `maxBufferedBytes` that is not a number in range
   */
  async startEventStream(options: EventStreamOptions = {}): Promise<EventStream> {
    this.setHeader('Content-Type', 'text/event-stream; charset=UTF-8');
    this.setHeader('Cache-Control', 'no-cache');
    this.setHeader('X-Accel-Buffering', 'no'); // nginx: pass events on at once
    this._compression = 'off'; // a compressor would hold events back
    const stream = new EventStream(this, this.request.headers.get('last-event-id') ?? null, options);
    this.rare().eventStream = stream;
    // HEAD: the headers a GET would get, and no stream.
    if (this.request.method === 'HEAD') await stream.close();
    else await stream.open();
    return stream;
  }

  /**
   * Ends the response (after writing `chunk`). ETag/304 and Content-Length are handled here.
   * The returned promise is already settled unless the end has to wait (a gzipped stream).
   *
   * @throws ResponseStateError when the response is complete already (logged instead when the
   * handler's lifecycle is over: the call came from a timer or an un-awaited promise)
   */
  finish(chunk?: string | Buffer | object): Promise<void> {
    if (this._out.state === 'finished' && this._out !== SEALED_OUTPUT) {
      this._misuse('finish() called twice');
      return DONE;
    }
    return this._finishNow(chunk) ?? DONE;
  }

  /**
   * @internal A misuse of the response API: thrown while the lifecycle runs (the error page or
   * log of that request says what happened), logged once it is over, when an exception would
   * only end the process.
   */
  _misuse(what: string): void {
    const error = new ResponseStateError(`${this.constructor.name}: ${what}. Await render(), flush() and finish(), and write nothing after the response is complete`);
    if (!this._out.lifecycleDone) throw error;
    appLog.error(`${error.message} (${this.request.method} ${this.request.uri})`);
  }

  /**
   * Keeps a render() or flush() promise for the automatic finish to wait for; a rejection
   * nobody awaits is handled by the lifecycle (or logged after it), never left unhandled.
   */
  private trackOutput<T>(promise: Promise<T>): Promise<T> {
    const rare = this.rare();
    rare.pendingOutput = promise;
    const settled = () => {
      if (rare.pendingOutput === promise) rare.pendingOutput = undefined;
    };
    promise.then(settled, (error: unknown) => {
      settled();
      if (this._out.lifecycleDone && !(error instanceof StreamClosedError)) appLog.error(`${this.constructor.name}: an output call failed after the request ended`, error);
    });
    return promise;
  }

  /** @internal The lifecycle's last step: finish, after a render() or flush() the verb did not await. */
  _autoFinish(): Promise<void> | undefined {
    const pending = this._rare?.pendingOutput;
    if (!pending) return this._finishNow();
    appLog.warn(`${this.constructor.name}: the ${this.request.method} method returned before its render() or flush() completed; await it (they are asynchronous in Typhoon). The response waited for it.`);
    return pending.then(() => (this.finished ? undefined : this._finishNow()));
  }

  /** @internal `finish()` that returns a promise only when the end has to wait. */
  _finishNow(chunk?: string | Buffer | object): Promise<void> | undefined {
    if (this._out.state === 'finished') throw new ResponseStateError(`${this.constructor.name}: finish() called twice`);
    if (chunk !== undefined && chunk !== null) this.write(chunk);
    const out = this._out;
    if (out.state === 'buffering' && out.status === 200 && (this.request.method === 'GET' || (this.request.method === 'HEAD' && !out.streamedHead)) && out.getHeader('etag') === undefined) {
      this.setEtagHeader();
      if (this.checkEtagHeader()) {
        out.discardBody();
        out.setStatus(304);
      }
    }
    this.request.markFinished();
    // An error line of the access log names the client: keep its address past the end (a line
    // for a success asked for it at dispatch already).
    if (out.status >= 400 && isLogEnabled('warn', 'access')) this._exchange.keepRemoteAddress();
    const pending = out.finish(this.request.method === 'HEAD', this._compression);
    if (pending) return pending.then(() => this._afterFinish());
    this._afterFinish();
    return undefined;
  }

  /** @internal Access log and `onFinish()`, once the response is out. */
  _afterFinish(): void {
    this._rare?.eventStream?._ended();
    this.application._requestFinished(this);
    if (this.onFinish === RequestHandler.prototype.onFinish) return;
    try {
      const done = this.onFinish();
      if (done instanceof Promise) done.catch((error) => appLog.error(`Exception in onFinish of ${this.constructor.name}`, error));
    } catch (error) {
      appLog.error(`Exception in onFinish of ${this.constructor.name}`, error);
    }
  }

  /** Computes the ETag of the buffered body (override; return null for none). */
  computeEtag(): string | null {
    const single = this._out.singleChunk();
    if (single !== undefined) return etagOf(single);
    const chunks = this._out.pending();
    return `"${hash('sha1', Buffer.concat(chunks.map((chunk) => Buffer.from(chunk))))}"`;
  }

  /** Sets `Etag` from `computeEtag()`. */
  setEtagHeader(): void {
    const etag = this.computeEtag();
    if (etag === null) return;
    // Typhoon's own tags are quoted hex: only an overridden computeEtag() needs checking.
    if (this.computeEtag === RequestHandler.prototype.computeEtag) this._out.setTrustedHeader('etag', 'Etag', etag);
    else this.setHeader('Etag', etag);
  }

  /** True when the client's `If-None-Match` matches the response's `Etag` (weak comparison). */
  checkEtagHeader(): boolean {
    const etag = this.getHeader('etag');
    if (!etag) return false;
    const header = this.request._header('if-none-match');
    return header ? weakMatch(header, etag) : false;
  }

  /**
   * Redirects (Tornado's `redirect`): 302, 301 when `permanent`, or the given 3xx `status`
   * (RFC 9110 §15.4). Controls, spaces and non-ASCII in `url` are percent-encoded.
   *
   * @throws ResponseStateError after the headers were sent, or for a status that is not 3xx
   */
  redirect(url: string, permanent = false, status?: number): Promise<void> {
    if (this._out.state !== 'buffering') throw new ResponseStateError('Cannot redirect after headers have been written');
    const code = status ?? (permanent ? 301 : 302);
    if (code < 300 || code > 399) throw new ResponseStateError(`redirect() needs a 3xx status, got ${code}`);
    this.setStatus(code);
    // Characters a URL cannot hold (controls, spaces, non-ASCII: often a decoded path argument)
    // are percent-encoded as UTF-8, as browsers do, instead of failing the header check.
    this.setHeader('Location', url.replace(/[^\x21-\x7e]+/g, (run) => encodeURIComponent(run.toWellFormed())));
    return this.finish();
  }

  /** Forgets headers and body written so far and restores the defaults. */
  clear(): void {
    this._out.reset();
    this.applyDefaultHeaders();
  }

  /** CORS headers (with the `cors` setting) and `setDefaultHeaders()`, on top of Content-Type. */
  private applyDefaultHeaders(): void {
    if (this.requestId) this.setHeader('X-Request-Id', this.requestId);
    if (this.settings.cors) decorateCors(this, this.settings.cors);
    this.setDefaultHeaders();
  }

  /**
   * Answers with an error page (Tornado's `send_error`): clears what was written, sets the status
   * (500 by default) and calls `writeError`; a status that forbids a body (1xx, 204, 304) gets
   * none. After `flush()` the headers are out: the response is ended as it stands, and the
   * failure is logged.
   */
  async sendError(status = 500, options: SendErrorOptions = {}): Promise<void> {
    if (this._out.state !== 'buffering') {
      genLog.error(`Cannot send error response after headers written (${this.request.method} ${this.request.uri})`);
      if (this._out.state === 'streaming') {
        try {
          await this._out.finish(false, 'off');
        } catch {
          // the client is gone; nothing more to say
        }
      }
      return;
    }
    this.clear();
    const reason = options.reason ?? (options.error instanceof HTTPError ? options.error.reason : undefined);
    try {
      this.setStatus(status, reason);
      if (options.error instanceof HTTPError && options.error.headers) {
        for (const [name, value] of Object.entries(options.error.headers)) this.setHeader(name, value);
      }
    } catch {
      this.setStatus(500);
    }
    // A status that forbids a body gets no error page (Tornado skips write_error for them too).
    if (!bodiless(this._out.status)) {
      try {
        await this.writeError(this._out.status, { error: options.error });
      } catch (error) {
        appLog.error('Uncaught exception in writeError', error);
        // A page half written by writeError: start again with the plain one.
        if (!this.finished && this._out.state === 'buffering') this._out.discardBody();
      }
    }
    if (!this.finished) await this.finish();
  }

  /** Writes the error page (override for custom pages). The stack reaches the client only with `serveTraceback`. */
  writeError(status: number, { error }: { error?: unknown } = {}): void | Promise<void> {
    // What failed validation is the client's own input: its issues are the answer (RFC 9457).
    if (error instanceof ValidationError && status === 400) {
      this.setHeader('Content-Type', 'application/problem+json');
      return this.finish(JSON.stringify(error.problem()));
    }
    if (this.settings.serveTraceback && error instanceof Error) {
      this.setHeader('Content-Type', 'text/plain; charset=UTF-8');
      return this.finish(error.stack ?? String(error));
    }
    const message = escapeHtml(this._out.statusLine().slice(4));
    return this.finish(`<html><title>${status}: ${message}</title><body>${status}: ${message}</body></html>`);
  }

  // ---- Cookies ----------------------------------------------------------------------------

  /**
   * Sets a cookie (Tornado's `set_cookie`): the value percent-encoded; `path` defaults to `/`;
   * `expiresDays` (days) or `expires`/`maxAge` (seconds) for its lifetime.
   *
   * @throws UnsafeValueError for a name or attribute a browser would refuse (RFC 6265 §4.1)
   */
  setCookie(name: string, value: string, options: CookieOptions = {}): void {
    this.putCookie(name, formatSetCookie(name, value, options));
  }

  /** Deletes a cookie (same `path`/`domain` as when it was set). */
  clearCookie(name: string, options: CookieOptions = {}): void {
    // Every attribute setCookie takes (Tornado 6.3): a __Host-, Secure or SameSite=None cookie is
    // only replaced by one with the same attributes. Any lifetime given is overridden.
    this.putCookie(name, formatSetCookie(name, '', { ...options, expiresDays: undefined, expires: new Date(0), maxAge: 0 }));
  }

  /** Deletes every cookie the client sent, with the attributes they were set with (as `clearCookie`). */
  clearAllCookies(options: CookieOptions = {}): void {
    for (const name of Object.keys(this.request.cookies)) this.clearCookie(name, options);
  }

  /**
   * Sets a signed, timestamped cookie (Tornado's `set_signed_cookie`), read back with
   * `getSignedCookie`. @defaultValue lifetime 30 days
   *
   * @throws ConfigurationError without the `cookieSecret` setting
   */
  setSignedCookie(name: string, value: string, options: CookieOptions = {}): void {
    const signed = createSignedValue(this.cookieSecret(), name, value, { keyVersion: this.settings.keyVersion });
    this.putCookie(name, formatSetCookie(name, signed, { expiresDays: 30, ...options }, true));
  }

  private putCookie(name: string, header: string): void {
    this._out.setCookieHeader(name, header);
  }

  private cookieSecret() {
    const secret = this.settings.cookieSecret;
    if (!secret) throw new ConfigurationError('Signed cookies need the "cookieSecret" application setting');
    return secret;
  }

  // ---- XSRF -------------------------------------------------------------------------------

  /** The masked XSRF token for this request; sets the XSRF cookie when the client has none. */
  get xsrfToken(): string {
    const rare = this.rare();
    if (rare.xsrfToken) return rare.xsrfToken;
    const raw = this.rawXsrfToken();
    const token = (rare.xsrfToken = maskXsrfToken(raw));
    if (raw.version === undefined) {
      const options: CookieOptions = { ...this.settings.xsrfCookieOptions };
      if (this.currentUser && options.expiresDays === undefined && options.expires === undefined) options.expiresDays = 30;
      this.putCookie(this.settings.xsrfCookieName, formatSetCookie(this.settings.xsrfCookieName, token, options, true));
    }
    return token;
  }

  /** A hidden `<input name="_xsrf">` for forms. */
  xsrfFormHtml(): string {
    return `<input type="hidden" name="_xsrf" value="${escapeHtml(this.xsrfToken)}"/>`;
  }

  /**
   * Checks the request's XSRF token (`_xsrf` argument, or `X-XSRFToken`/`X-CSRFToken` header)
   * against the cookie (Tornado's `check_xsrf_cookie`).
   *
   * @throws HTTPError 403 when it is missing or does not match
   */
  checkXsrfCookie(): void {
    const sent = this.getArgument('_xsrf', null) ?? this.request.headers.get('x-xsrftoken') ?? this.request.headers.get('x-csrftoken');
    if (!sent) throw new HTTPError(403, "'_xsrf' argument missing from POST");
    const token = decodeXsrfToken(sent);
    if (!token) throw new HTTPError(403, "'_xsrf' argument has invalid format");
    const expected = decodeXsrfToken(this.getCookie(this.settings.xsrfCookieName));
    if (!expected || !sameXsrfSecret(token.token, expected.token)) throw new HTTPError(403, 'XSRF cookie does not match POST argument');
  }

  private rawXsrfToken(): RawXsrfToken {
    return (this.rare().rawXsrf ??= decodeXsrfToken(this.getCookie(this.settings.xsrfCookieName)) ?? newXsrfToken());
  }

  // ---- URLs and templates -----------------------------------------------------------------

  /** Path of a named route filled with `args`. */
  reverseUrl(name: string, ...args: Array<string | number>): string {
    return this.application.reverseUrl(name, ...args);
  }

  /** URL of a static file, versioned with its content hash (`/static/app.css?v=...`). */
  staticUrl(path: string, options: StaticUrlOptions = {}): string {
    const url = this.application.staticUrl(path, options.includeVersion ?? true);
    return options.includeHost ? `${this.request.protocol}://${this.request.host}${url}` : url;
  }

  /**
   * Renders a template of `templatePath` with `context` and finishes the response with it
   * (Tornado's `render`, asynchronous here: await it).
   *
   * @throws TemplateError for a missing template or one that does not compile
   * @throws ConfigurationError without the `templatePath` setting
   */
  render(template: string, context: Record<string, unknown> = {}): Promise<void> {
    return this.trackOutput(this.renderAndFinish(template, context));
  }

  private async renderAndFinish(template: string, context: Record<string, unknown>): Promise<void> {
    const html = await this.renderString(template, context);
    await this.finish(html);
  }

  /** Renders a template to a string (helpers see this handler). */
  renderString(template: string, context: Record<string, unknown> = {}): Promise<string> {
    return this.application.templates.render(template, context, this);
  }
}

/**
 * The ETag of one body chunk. The last small string body and its tag are remembered: a hot
 * response (the same text again and again) is hashed once, and the cache holds only what is
 * derived from content, so it cannot leak anything between requests that the body did not.
 */
let lastBody: string | undefined;
let lastTag = '';
/** Weak comparison of an `If-None-Match` value with an ETag (`*` matches any). */
function etagOf(body: string | Buffer): string {
  if (typeof body !== 'string' || body.length > 4096) return `"${hash('sha1', body)}"`;
  if (body !== lastBody) {
    lastTag = `"${hash('sha1', body)}"`;
    lastBody = body;
  }
  return lastTag;
}

function cleanValues(values: string[] | undefined, strip: boolean): string[] {
  if (!values) return [];
  return values.map((value) => {
    const cleaned = value.replace(CONTROL_CHARS, ' ');
    return strip ? cleaned.trim() : cleaned;
  });
}

function pickLast(args: ArgumentMap, name: string, rest: unknown[]): unknown {
  const values = cleanValues(args[name], rest.length > 1 ? rest[1] !== false : true);
  if (values.length) return values[values.length - 1];
  if (rest.length === 0) throw new MissingArgumentError(name);
  return rest[0];
}
