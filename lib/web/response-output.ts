import { Buffer } from 'node:buffer';
import { gzipSync, createGzip, constants as zlibConstants, type Gzip } from 'node:zlib';
import { ResponseStateError, StreamClosedError, UnsafeValueError } from '../common/errors';
import type { HeaderList, ServerExchange } from '../transport/types';
import { checkHeaderName, checkHeaderValue, checkReason, reasonPhrase } from './http-status';

/** A header value as handlers may give it. */
export type HeaderValue = string | number | Date;

/**
 * Response compression for one request: `off` (setting disabled), `identity` (enabled, but the
 * client does not accept gzip: still `Vary: Accept-Encoding`), `gzip`.
 */
export type Compression = 'off' | 'identity' | 'gzip';

/** Where a response stands: nothing sent yet, headers sent (chunked), or complete. */
export type OutputState = 'buffering' | 'streaming' | 'finished';

const COMPRESSIBLE = /^(?:text\/|application\/(?:json|javascript|xml|xhtml\+xml|[\w.+-]+\+(?:json|xml))|image\/svg\+xml)/;
const MIN_COMPRESS_LENGTH = 1024;
const REPRESENTATION_HEADERS = ['content-encoding', 'content-language', 'content-type'];

function formatValue(value: HeaderValue): string {
  if (value instanceof Date) return value.toUTCString();
  return String(value);
}

/** Lower-case header names, kept for the names a process uses (a handful). */
const LOWER = new Map<string, string>();
function lowerCase(name: string): string {
  let lower = LOWER.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (LOWER.size < 1024) LOWER.set(name, lower);
  }
  return lower;
}

/** Headers every response starts with (copied per response, never validated again). */
const DEFAULT_FIELDS: readonly string[] = ['Content-Type', 'text/html; charset=UTF-8'];
const OK_LINE = '200 OK';

/**
 * The response of one request: status, headers and buffered body, and how they reach the
 * transport (one `end` when finished at once; chunked after the first `flush`). Headers are kept
 * flat (`[name, value, name, value...]`, the transport's wire order), searched by lower-case
 * name: a handful of headers is searched faster than a Map or a second list is built.
 */
export class ResponseOutput {
  state: OutputState = 'buffering';
  /**
   * The handler's lifecycle has run to its end: a handler method called now comes from code
   * left running (a timer, an un-awaited promise), and a misuse is logged instead of thrown.
   */
  lifecycleDone = false;
  status = 200;
  reason: string | undefined;
  private fields: string[] = DEFAULT_FIELDS.slice();
  /** The buffered body: nothing, one chunk (most responses), or several. */
  private body: string | Buffer | Array<string | Buffer> | null = null;
  /** A HEAD response was flushed: its GET would be chunked, so the end sends no length. */
  streamedHead = false;
  /** Body bytes handed to the transport (for the access record). */
  bytesSent = 0;
  /**
   * The handler's output transforms (the `transforms` setting), applied to each chunk before
   * compression: `first` is the chunk sent with the headers (they may still change then).
   */
  transform: ((chunk: Buffer, first: boolean, finishing: boolean) => Buffer) | null = null;
  private gzip: Gzip | null = null;

  constructor(private readonly exchange: ServerExchange) {}

  /** The body goes out from a pull source straight through the exchange: finished, with `length` bytes. */
  handOver(length: number): void {
    this.state = 'finished';
    this.bytesSent = length;
  }

  setStatus(code: number, reason?: string): void {
    if (!Number.isInteger(code) || code < 100 || code > 599) {
      throw new UnsafeValueError(`Invalid HTTP status ${code}: use an integer from 100 to 599`);
    }
    this.status = code;
    this.reason = reason === undefined ? undefined : checkReason(reason);
  }

  setHeader(name: string, value: HeaderValue): void {
    this.put(name.toLowerCase(), name, checkHeaderValue(name, formatValue(value)), true);
  }

  /** setHeader for Typhoon's own constant values: no validation needed. `key` is lower-case. */
  setTrustedHeader(key: string, name: string, value: string): void {
    this.put(key, name, value, false);
  }

  addHeader(name: string, value: HeaderValue): void {
    const text = checkHeaderValue(name, formatValue(value));
    this.push(checkHeaderName(name), text);
  }

  /** Adds a `Set-Cookie` line, replacing an earlier one for the same cookie name. */
  setCookieHeader(cookieName: string, line: string): void {
    for (let i = this.fields.length / 2 - 1; i >= 0; i--) {
      if (this.nameAt(i) === 'set-cookie' && this.fields[2 * i + 1].startsWith(`${cookieName}=`)) this.removeAt(i);
    }
    this.push('Set-Cookie', line);
  }

  clearHeader(name: string): void {
    const key = name.toLowerCase();
    for (let i = this.fields.length / 2 - 1; i >= 0; i--) if (this.nameAt(i) === key) this.removeAt(i);
  }

  getHeader(name: string): string | undefined {
    const at = this.find(name.toLowerCase());
    return at < 0 ? undefined : this.fields[2 * at + 1];
  }

  /** Forgets status, headers and body (before anything was sent); back to the defaults. */
  reset(): void {
    this.fields = DEFAULT_FIELDS.slice();
    this.body = null;
    this.streamedHead = false;
    this.status = 200;
    this.reason = undefined;
  }

  write(chunk: string | Buffer): void {
    if (this.state === 'finished') throw new ResponseStateError('Cannot write() after finish()');
    const body = this.body;
    if (body === null) this.body = chunk;
    else if (Array.isArray(body)) body.push(chunk);
    else this.body = [body, chunk];
  }

  /** The buffered body so far. */
  pending(): ReadonlyArray<string | Buffer> {
    const body = this.body;
    if (body === null) return [];
    return Array.isArray(body) ? body : [body];
  }

  /** Something was written since the last flush (an empty string too). */
  hasBody(): boolean {
    return this.body !== null;
  }

  /** The buffered body when it is one chunk (no array made for it). */
  singleChunk(): string | Buffer | undefined {
    const body = this.body;
    return body === null || Array.isArray(body) ? undefined : body;
  }

  discardBody(): void {
    this.body = null;
  }

  /** Removes Content-Type and other representation headers (204, 205, 304). */
  clearRepresentationHeaders(): void {
    for (const name of REPRESENTATION_HEADERS) this.clearHeader(name);
  }

  statusLine(): string {
    if (this.status === 200 && this.reason === undefined) return OK_LINE;
    return `${this.status} ${this.reason ?? reasonPhrase(this.status)}`;
  }

  /** Headers in wire order, flat. */
  headerList(): HeaderList {
    return this.fields;
  }

  /**
   * Sends headers (first time) and the buffered body as chunks; resolves when the socket took
   * them. Rejects with StreamClosedError once the client is gone.
   */
  async flush(omitBody: boolean, compression: Compression): Promise<void> {
    if (this.state === 'finished') throw new ResponseStateError('Cannot flush() after finish()');
    const exchange = this.exchange;
    if (exchange.state !== 'open') throw new StreamClosedError('Cannot flush: the client closed the connection');
    if (this.state === 'buffering' && forbidsContent(this.status)) {
      // Nothing of such a response can go out before its end, which frames it (204 and 304:
      // no length; 205: Content-Length: 0); a body written is refused here as at the end.
      this.refuseContent();
      return;
    }
    if (omitBody) {
      // HEAD: nothing is sent before the end, but the answer must look like the GET's, which
      // is streamed from here on (no length, no ETag of whatever is written last).
      this.body = null;
      this.streamedHead = true;
      return;
    }
    let body = this.takeBody();
    if (this.transform) body = this.transform(toBuffer(body), this.state === 'buffering', false);
    if (this.state === 'buffering') {
      this.state = 'streaming';
      if (this.streamingHeaders(compression)) this.gzip = createGzip();
      exchange.writeHead(this.statusLine(), this.fields);
    }
    if (body.length === 0) return;
    const chunk = this.gzip ? await this.deflate(body) : body;
    this.bytesSent += chunk.length;
    const ok = exchange.write(chunk);
    if (!ok) await exchange.drained();
    if ((exchange.state as string) === 'aborted') throw new StreamClosedError('The client closed the connection while data was being sent');
  }

  /**
   * Completes the response. `omitBody` for HEAD (headers as for GET, no body). Buffered
   * responses get `Content-Length`; 1xx/204/205/304 get no body and no representation headers
   * (205 `Content-Length: 0`, the others no length at all).
   * Returns a promise only when it has to wait (the end of a gzipped stream).
   */
  finish(omitBody: boolean, compression: Compression): void | Promise<void> {
    const exchange = this.exchange;
    if (this.state === 'streaming') {
      let body = this.takeBody();
      if (this.transform) {
        try {
          body = this.transform(toBuffer(body), false, true);
        } catch (error) {
          // The head is out: a body that cannot be finished is cut.
          this.state = 'finished';
          exchange.close();
          throw error;
        }
      }
      this.state = 'finished';
      if (this.gzip) {
        return this.deflate(body, true).then((last) => {
          this.bytesSent += last.length;
          exchange.endChunked(last);
        });
      }
      this.bytesSent += body.length;
      exchange.endChunked(body.length ? body : undefined);
      return;
    }
    const status = this.status;
    if (forbidsContent(status)) {
      // Refused before the state changes, so the error page that follows can still be sent.
      this.refuseContent();
      this.state = 'finished';
      this.clearRepresentationHeaders();
      this.clearHeader('content-length');
      // A 205's empty content is framed as any other (the transport writes Content-Length: 0).
      if (status === 205) exchange.end(this.statusLine(), this.fields, '');
      else exchange.endWithoutBody(this.statusLine(), this.fields);
      return;
    }
    // Transformed before the state changes: a transform that throws leaves the error page possible.
    const transformed = this.transform && !(omitBody && this.streamedHead) ? this.transform(toBuffer(this.takeBody()), true, true) : null;
    this.state = 'finished';
    if (omitBody && this.streamedHead) {
      // The headers its GET has from the first flush on (uWS adds Transfer-Encoding there).
      this.body = null;
      this.streamingHeaders(compression);
      this.setHeader('Transfer-Encoding', 'chunked');
      exchange.endWithoutBody(this.statusLine(), this.fields);
      return;
    }
    let body = transformed ?? this.takeBody();
    if (this.compressible(compression) && body.length >= MIN_COMPRESS_LENGTH) {
      body = gzipSync(body);
      this.setHeader('Content-Encoding', 'gzip');
    }
    if (omitBody) {
      this.setHeader('Content-Length', this.getHeader('content-length') ?? Buffer.byteLength(body));
      exchange.endWithoutBody(this.statusLine(), this.fields);
      return;
    }
    // uWS writes Content-Length itself from the body it is given.
    if (this.find('content-length') >= 0) this.clearHeader('content-length');
    this.bytesSent = Buffer.byteLength(body);
    exchange.end(this.statusLine(), this.fields, body);
  }

  /**
   * A status without content (Tornado asserts that nothing was written for 204 and 304): what
   * the handler wrote is a mistake, refused rather than sent or silently dropped.
   */
  private refuseContent(): void {
    if (this.pending().some((chunk) => chunk.length)) throw new ResponseStateError(`Cannot send a body with status ${this.status}`);
  }

  /** Sets the header `key` to one value: in place when it is there once, else appended. */
  private put(key: string, name: string, value: string, checkName: boolean): void {
    const at = this.find(key);
    if (at >= 0 && this.find(key, at + 1) < 0) {
      this.fields[2 * at + 1] = value;
      return;
    }
    if (at >= 0) this.clearHeader(key);
    this.push(checkName ? checkHeaderName(name) : name, value);
  }

  /** Position (header number) of the first header named `key` (lower-case) from `from` on, or -1. */
  private find(key: string, from = 0): number {
    const fields = this.fields;
    for (let i = 2 * from; i < fields.length; i += 2) {
      const name = fields[i];
      // Different lengths cannot match: most names are never lower-cased at all.
      if (name.length === key.length && (name === key || lowerCase(name) === key)) return i / 2;
    }
    return -1;
  }

  /** Lower-case name of the header at `index`. */
  private nameAt(index: number): string {
    return lowerCase(this.fields[2 * index]);
  }

  private push(name: string, value: string): void {
    this.fields.push(name, value);
  }

  private removeAt(index: number): void {
    this.fields.splice(2 * index, 2);
  }

  private takeBody(): string | Buffer {
    const chunks = this.body;
    this.body = null;
    if (chunks === null) return '';
    if (!Array.isArray(chunks)) return chunks;
    if (chunks.every((chunk) => typeof chunk === 'string')) return chunks.join('');
    return Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
  }

  /** True when this response should be gzipped; adds `Vary` whenever compression is on. */
  private compressible(compression: Compression): boolean {
    if (compression === 'off' || this.find('content-encoding') >= 0) return false;
    if (!COMPRESSIBLE.test(this.getHeader('content-type') ?? '')) return false;
    this.addVary('Accept-Encoding');
    return compression === 'gzip';
  }

  private addVary(value: string): void {
    const current = this.getHeader('vary');
    if (!current) this.setHeader('Vary', value);
    else if (!current.toLowerCase().split(/\s*,\s*/).includes(value.toLowerCase())) this.setHeader('Vary', `${current}, ${value}`);
  }

  /** Headers of a response streamed from its first flush: no length; gzip when it compresses (then true). */
  private streamingHeaders(compression: Compression): boolean {
    this.clearHeader('content-length');
    if (!this.compressible(compression)) return false;
    this.setHeader('Content-Encoding', 'gzip');
    return true;
  }

  /** Compresses a chunk of a streamed response; SYNC_FLUSH so the client sees it now. */
  private deflate(chunk: string | Buffer, last = false): Promise<Buffer> {
    const gzip = this.gzip!;
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const onData = (data: Buffer) => out.push(data);
      gzip.on('data', onData);
      const done = (error?: Error | null) => {
        gzip.off('data', onData);
        if (error) reject(error);
        else resolve(Buffer.concat(out));
      };
      if (chunk.length) gzip.write(chunk);
      if (last) {
        gzip.once('end', () => done());
        gzip.end();
      } else {
        gzip.flush(zlibConstants.Z_SYNC_FLUSH, () => done());
      }
    });
  }
}

/**
 * Statuses whose responses carry no content (RFC 9110 §15.2, §15.3.5, §15.3.6, §15.4.5): a
 * body written with one is refused, and no error page is written for one.
 */
export function forbidsContent(status: number): boolean {
  return status < 200 || status === 204 || status === 205 || status === 304;
}

function toBuffer(chunk: string | Buffer): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}
