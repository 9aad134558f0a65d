import { Buffer } from 'node:buffer';
import { ResponseStateError } from '../common/errors';
import { HTTPError } from '../common/http-errors';
import type { Application } from './application';
import { defaultErrorPage, sendErrorPage } from './error-page';
import { bodyEtag, noneMatchHolds } from './etag';
import { EventStream, type EventStreamOptions } from './event-stream';
import { eventStreamBudget } from './event-stream-budget';
import { INTERNALS, type HandlerInternals } from './handler-internals';
import { HEADER, type HTTPServerRequest } from './http-server-request';
import { jsonText, type ResponseChunk } from './json-text';
import type { HeaderValue } from './response-output';
import { SEALED_OUTPUT } from './sealed-output';
import type { ResolvedSettings } from './settings';

/** Options of {@link RequestHandler.sendError}. */
export interface SendErrorOptions {
  /** What went wrong (shown with `serveTraceback`). */
  error?: unknown;
  /** Reason phrase of the status line. */
  reason?: string;
}

/** What `finish()` returns when the response went out at once: no promise per request. */
const DONE: Promise<void> = Promise.resolve();
const NO_ARGS = Object.freeze([]) as unknown as string[];

/**
 * What {@link RequestHandler} is built on: the request and its application, and the output
 * methods (status, headers, body, `flush()`/`finish()`, event streams, ETags, redirects, error
 * pages: Tornado's, in the same shape). Subclass `RequestHandler`, not this.
 *
 * @example
 * ```ts
 * class Hello extends RequestHandler {
 *   get() {
 *     this.setHeader('Cache-Control', 'no-store');
 *     this.write({ hello: 'world', path: this.request.path }); // JSON
 *   }
 * }
 * ```
 */
export class HandlerBase {
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

  /** Application settings. */
  get settings(): ResolvedSettings {
    return this.application.settings;
  }

  /** True once the response is complete. */
  get finished(): boolean {
    return this[INTERNALS].out.state === 'finished';
  }

  /** An AbortSignal that aborts when the client goes away, to cancel the handler's own work. */
  get signal(): AbortSignal {
    const internals = this[INTERNALS];
    const rare = internals.rare();
    if (!rare.abort) {
      rare.abort = new AbortController();
      if (internals.exchange.state === 'aborted') rare.abort.abort(new HTTPError(499, 'client closed the connection'));
    }
    return rare.abort.signal;
  }

  /** Headers every response of this handler starts with (and `clear()` restores). */
  setDefaultHeaders(): void {}

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
   * Buffers output. Strings and Buffers (and other byte arrays) are sent as they are; any other
   * value with JSON text (objects, arrays, numbers, booleans, `null`) as JSON with
   * `Content-Type: application/json; charset=UTF-8`. A verb method may return such a value
   * instead of writing it.
   *
   * @throws TypeError (`code: 'TYPHOON_ERR_INVALID_ARGUMENT'`) naming the handler for a value
   * with no JSON text (`undefined`, a function, a symbol, a bigint, a cycle) or a Promise (await it)
   */
  write(chunk: ResponseChunk): void {
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
    out.write(jsonText(chunk, this, 'write()'));
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
    const stream = new EventStream(this, internals.exchange, this.request.headers.get('last-event-id') ?? null, options, eventStreamBudget(this.application));
    internals.rare().eventStream = stream;
    // HEAD: the headers a GET would get, and no stream.
    if (this.request.method === 'HEAD') await stream.close();
    else await stream.open();
    return stream;
  }

  /**
   * Ends the response, after writing `chunk` as `write()` does when one is given (`null` too:
   * JSON `null`). ETag/304 and Content-Length are handled here.
   * The returned promise is already settled unless the end has to wait (a gzipped stream).
   *
   * @throws ResponseStateError when the response is complete already (logged instead when the
   * handler's lifecycle is over: the call came from a timer or an un-awaited promise)
   */
  finish(chunk?: ResponseChunk): Promise<void> {
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
    if (this.computeEtag === HandlerBase.prototype.computeEtag) this[INTERNALS].out.setTrustedHeader('etag', 'Etag', etag);
    else this.setHeader('Etag', etag);
  }

  /** True when the client's `If-None-Match` matches the response's `Etag` (weak comparison). */
  checkEtagHeader(): boolean {
    return noneMatchHolds(this.request[HEADER]('if-none-match'), this.getHeader('etag'));
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
   * (500 by default) and calls `writeError`; a status that forbids a body (1xx, 204, 205, 304) gets
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
}
