import { Buffer } from 'node:buffer';
import { ConfigurationError, HTTPError, ResponseStateError } from '../common/errors';
import { handlerLog, type HandlerLog } from '../common/pino-logging';
import { CONNECTION_CLOSED } from '../transport/types';
import type { Application } from './application';
import { formatSetCookie, type CookieOptions } from './cookies';
import { sendErrorPage, defaultErrorPage } from './error-page';
import { bodyEtag, noneMatchHolds } from './etag';
import { EventStream, type EventStreamOptions } from './event-stream';
import { argumentValues, lastArgument } from './handler-arguments';
import { INTERNALS, UNKNOWN_USER, type HandlerInternals } from './handler-internals';
import type { HTTPServerRequest } from './http-server-request';
import { SEALED_OUTPUT, type HeaderValue } from './response-output';
import type { ResolvedSettings } from './settings';
import { createSignedValue, decodeSignedValue } from './signed-value';
import { validate, type SchemaOutput, type StandardSchemaV1 } from './validation';
import { escapeHtml } from '../common/escape';
import { checkXsrf, xsrfTokenFor } from './xsrf-guard';

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

/** What `finish()` returns when the response went out at once: no promise per request. */
const DONE: Promise<void> = Promise.resolve();
const NO_ARGS = Object.freeze([]) as unknown as string[];

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

  /** @internal This request's machinery (response, exchange, end of the response), made by the application. */
  [INTERNALS]!: HandlerInternals;

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
    const internals = this[INTERNALS];
    return (internals.log ??= this.application.logger ? this.application.logger.child({ logger: 'app', reqId: this.requestId }) : handlerLog(this.requestId));
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
    const internals = this[INTERNALS];
    const kwargs = internals.kwargs;
    if (!Array.isArray(kwargs)) return kwargs as Record<string, string>;
    const named: Record<string, string> = {};
    for (let i = 0; i < kwargs.length; i++) named[kwargs[i]] = this.pathArgs[i];
    return (internals.kwargs = named);
  }

  set pathKwargs(kwargs: Record<string, string>) {
    this[INTERNALS].kwargs = kwargs;
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
    const internals = this[INTERNALS];
    if (!internals.abort) {
      internals.abort = new AbortController();
      if (internals.exchange.state === 'aborted') internals.abort.abort(new HTTPError(499, 'client closed the connection'));
    }
    return internals.abort.signal;
  }

  /** True once the response is complete. */
  get finished(): boolean {
    return this[INTERNALS].out.state === 'finished';
  }

  /** The logged-in user (`getCurrentUser()`'s result); may also be set, e.g. in `prepare()`. */
  get currentUser(): unknown {
    const user = this[INTERNALS].user;
    return user === UNKNOWN_USER ? undefined : user;
  }

  set currentUser(user: unknown) {
    this[INTERNALS].user = user;
  }

  /** @internal The client went away (the transport calls this). */
  [CONNECTION_CLOSED](): void {
    this[INTERNALS].connectionClosed();
  }

  // ---- Input ------------------------------------------------------------------------------

  /**
   * The last value of an argument from the query or the body (body wins), stripped, control
   * characters replaced. Missing with no default: MissingArgumentError (400).
   */
  getArgument(name: string): string;
  getArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getArgument(name: string, ...rest: unknown[]): unknown {
    return lastArgument(this.request.arguments, name, rest);
  }

  /** Every value of an argument (query and body). */
  getArguments(name: string, strip = true): string[] {
    return argumentValues(this.request.arguments[name], strip);
  }

  /** The last value of a query argument. */
  getQueryArgument(name: string): string;
  getQueryArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getQueryArgument(name: string, ...rest: unknown[]): unknown {
    return lastArgument(this.request.queryArguments, name, rest);
  }

  getQueryArguments(name: string, strip = true): string[] {
    return argumentValues(this.request.queryArguments[name], strip);
  }

  /** The last value of a body (form) argument. */
  getBodyArgument(name: string): string;
  getBodyArgument<D>(name: string, defaultValue: D, strip?: boolean): string | D;
  getBodyArgument(name: string, ...rest: unknown[]): unknown {
    return lastArgument(this.request.bodyArguments, name, rest);
  }

  getBodyArguments(name: string, strip = true): string[] {
    return argumentValues(this.request.bodyArguments[name], strip);
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
    return decodeSignedValue(cookieSecret(this.settings), name, options.value ?? this.getCookie(name), { maxAgeDays: options.maxAgeDays });
  }

  // ---- Output -----------------------------------------------------------------------------

  /**
   * Sets the status, and optionally a reason phrase (Tornado's `set_status`).
   *
   * @param code 100-599 (RFC 9110 §15)
   * @throws UnsafeValueError for a code out of range or a reason with control characters
   */
  setStatus(code: number, reason?: string): void {
    this[INTERNALS].out.setStatus(code, reason);
  }

  getStatus(): number {
    return this[INTERNALS].out.status;
  }

  /**
   * Sets a response header, replacing earlier values (Tornado's `set_header`). Numbers and Dates
   * are formatted (Dates as HTTP dates, RFC 9110 §5.6.7).
   *
   * @throws UnsafeValueError for a name that is not a token or a value with CR, LF or other controls
   * @throws ResponseStateError once the headers were sent (after `flush()`)
   */
  setHeader(name: string, value: HeaderValue): void {
    this[INTERNALS].out.setHeader(name, value);
  }

  /** Adds a value to a response header (several `Link` or `Vary` values...). */
  addHeader(name: string, value: HeaderValue): void {
    this[INTERNALS].out.addHeader(name, value);
  }

  clearHeader(name: string): void {
    this[INTERNALS].out.clearHeader(name);
  }

  /** Value of a response header set so far. */
  getHeader(name: string): string | undefined {
    return this[INTERNALS].out.getHeader(name);
  }

  /**
   * Buffers output. Strings and Buffers are sent as they are; objects and arrays as JSON with
   * `Content-Type: application/json`.
   */
  write(chunk: string | Buffer | object): void {
    const out = this[INTERNALS].out;
    if (out.state === 'finished' && out !== SEALED_OUTPUT) return this[INTERNALS].misuse('write() after the response was complete');
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
      out.write(chunk);
      return;
    }
    if (chunk instanceof Uint8Array) {
      out.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      return;
    }
    out.write(JSON.stringify(chunk));
    out.setTrustedHeader('content-type', 'Content-Type', 'application/json; charset=UTF-8');
  }

  /**
   * Sends what is buffered now: headers on the first call, then chunks (chunked encoding).
   * Resolves when the client's socket took the data (backpressure); rejects with
   * StreamClosedError when the client is gone.
   */
  flush(): Promise<void> {
    const internals = this[INTERNALS];
    if (internals.out.state === 'finished' && internals.out !== SEALED_OUTPUT) {
      internals.misuse('flush() after the response was complete');
      return DONE;
    }
    return internals.trackOutput(internals.out.flush(this.request.method === 'HEAD', internals.compression));
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
    const internals = this[INTERNALS];
    internals.compression = 'off'; // a compressor would hold events back
    const stream = new EventStream(this, internals.exchange, this.request.headers.get('last-event-id') ?? null, options);
    internals.eventStream = stream;
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
    const internals = this[INTERNALS];
    if (internals.out.state === 'finished' && internals.out !== SEALED_OUTPUT) {
      internals.misuse('finish() called twice');
      return DONE;
    }
    return internals.finishNow(chunk) ?? DONE;
  }

  /** Computes the ETag of the buffered body (override; return null for none). */
  computeEtag(): string | null {
    return bodyEtag(this[INTERNALS].out);
  }

  /** Sets `Etag` from `computeEtag()`. */
  setEtagHeader(): void {
    const etag = this.computeEtag();
    if (etag === null) return;
    // Typhoon's own tags are quoted hex: only an overridden computeEtag() needs checking.
    if (this.computeEtag === RequestHandler.prototype.computeEtag) this[INTERNALS].out.setTrustedHeader('etag', 'Etag', etag);
    else this.setHeader('Etag', etag);
  }

  /** True when the client's `If-None-Match` matches the response's `Etag` (weak comparison). */
  checkEtagHeader(): boolean {
    return noneMatchHolds(this.request._header('if-none-match'), this.getHeader('etag'));
  }

  /**
   * Redirects (Tornado's `redirect`): 302, 301 when `permanent`, or the given 3xx `status`
   * (RFC 9110 §15.4). Controls, spaces and non-ASCII in `url` are percent-encoded.
   *
   * @throws ResponseStateError after the headers were sent, or for a status that is not 3xx
   */
  redirect(url: string, permanent = false, status?: number): Promise<void> {
    if (this[INTERNALS].out.state !== 'buffering') throw new ResponseStateError('Cannot redirect after headers have been written');
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
    this[INTERNALS].out.reset();
    this[INTERNALS].applyDefaultHeaders();
  }

  /**
   * Answers with an error page (Tornado's `send_error`): clears what was written, sets the status
   * (500 by default) and calls `writeError`; a status that forbids a body (1xx, 204, 304) gets
   * none. After `flush()` the headers are out: the response is ended as it stands, and the
   * failure is logged.
   */
  sendError(status = 500, options: SendErrorOptions = {}): Promise<void> {
    return sendErrorPage(this, this[INTERNALS], status, options);
  }

  /** Writes the error page (override for custom pages). The stack reaches the client only with `serveTraceback`. */
  writeError(status: number, { error }: { error?: unknown } = {}): void | Promise<void> {
    return defaultErrorPage(this, this[INTERNALS], status, error);
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
    const signed = createSignedValue(cookieSecret(this.settings), name, value, { keyVersion: this.settings.keyVersion });
    this.putCookie(name, formatSetCookie(name, signed, { expiresDays: 30, ...options }, true));
  }

  private putCookie(name: string, header: string): void {
    this[INTERNALS].out.setCookieHeader(name, header);
  }

  // ---- XSRF -------------------------------------------------------------------------------

  /** The masked XSRF token for this request; sets the XSRF cookie when the client has none. */
  get xsrfToken(): string {
    return xsrfTokenFor(this, this[INTERNALS]);
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
    checkXsrf(this);
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
    return this[INTERNALS].trackOutput(this.renderAndFinish(template, context));
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

/** The `cookieSecret` setting, which signed cookies need. */
function cookieSecret(settings: ResolvedSettings): NonNullable<ResolvedSettings['cookieSecret']> {
  const secret = settings.cookieSecret;
  if (!secret) throw new ConfigurationError('Signed cookies need the "cookieSecret" application setting');
  return secret;
}
