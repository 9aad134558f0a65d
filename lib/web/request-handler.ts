import { ConfigurationError } from '../common/errors';
import { escapeHtml } from '../common/escape';
import { handlerLog, type HandlerLog } from '../common/pino-logging';
import { CONNECTION_CLOSED } from '../transport/types';
import { formatSetCookie, type CookieOptions } from './cookies';
import { argumentValues, lastArgument } from './handler-arguments';
import { INTERNALS, UNKNOWN_USER } from './handler-internals';
import { HandlerBase } from './handler-base';
import type { ResolvedSettings } from './settings';
import { createSignedValue, decodeSignedValue } from './signed-value';
import { validate, type SchemaOutput, type StandardSchemaV1 } from './validation';
import { checkXsrf, xsrfTokenFor } from './xsrf-guard';

export type { SendErrorOptions } from './handler-base';
export type { ResponseChunk } from './json-text';

/** Options of {@link RequestHandler.staticUrl}. */
export interface StaticUrlOptions {
  includeHost?: boolean;
  includeVersion?: boolean;
}

/**
 * Base class of HTTP handlers, with Tornado's `RequestHandler` shape. Subclass it, implement
 * `get()`, `post()`... and route it with `@Route`. One instance serves one request; it is
 * created through the application's DI container, so services arrive through the constructor.
 *
 * A verb method writes its response (`write()`, `render()`, `redirect()`...) or returns it: a
 * value other than `undefined` returned (or resolved) while nothing was written is written as
 * `write()` writes it (objects, arrays, numbers, booleans and `null` as JSON) and the response
 * finished. Returning a value after writing is a mistake: a 500 while nothing was sent, an
 * error log line naming the handler once something was.
 *
 * @example
 * ```ts
 * @Route('/items/:id')
 * class ItemHandler extends RequestHandler {
 *   constructor(private store: ItemStore) { super(); }
 *   async get(id: string): Promise<Item> {
 *     const item = await this.store.get(id);
 *     if (!item) throw new HTTPError(404);
 *     return item; // sent as JSON, as this.write(item) would
 *   }
 * }
 * ```
 */
export class RequestHandler extends HandlerBase {
  /** Methods Typhoon dispatches to handler methods (others answer 405). */
  static readonly SUPPORTED_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'DELETE', 'PATCH', 'PUT', 'OPTIONS'];
  /** What a route of this class serves: HTTP requests, or WebSocket connections (`WebSocketHandler`). */
  static readonly routeKind: 'http' | 'websocket' = 'http';

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
    return (internals.rare().log ??= this.application.logger ? this.application.logger.child({ logger: 'app', reqId: this.requestId }) : handlerLog(this.requestId));
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

  // ---- Lifecycle hooks (override) ---------------------------------------------------------

  /** Receives the route's init args (Tornado's `initialize(**kwargs)`). */
  initialize(_args: object): void | Promise<void> {}

  /**
   * Runs before the verb method; may finish the request early (`finish()`, `redirect()`,
   * `sendError()`, `throw new HTTPError(...)`). What it returns is ignored, as in Tornado: only a
   * verb method's return value is a response.
   */
  prepare(): void | Promise<void> {}

  /** Runs after the response was sent (cleanup, metrics). */
  onFinish(): void | Promise<void> {}

  /** Runs when the client disconnects before the response is complete. */
  onConnectionClose(): void {}

  /** Who is logged in; may be async. Computed once per request, before `prepare()`. */
  getCurrentUser(): unknown | Promise<unknown> {
    return null;
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
