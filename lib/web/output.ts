import { gzipSync, createGzip, constants as zlibConstants, type Gzip } from 'node:zlib';
import { ResponseStateError, StreamClosedError, UnsafeValueError } from '../errors';
import type { HeaderPairs, ServerExchange } from '../transport/types';
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

/**
 * The response of one request: status, headers and buffered body, and how they reach the
 * transport (one `end` when finished at once; chunked after the first `flush`).
 */
export class ResponseOutput {
  state: OutputState = 'buffering';
  status = 200;
  reason: string | undefined;
  /** lower-case name → [name as written, values]. */
  private headers = new Map<string, [string, string[]]>();
  private chunks: Array<string | Buffer> = [];
  private gzip: Gzip | null = null;

  constructor(private readonly exchange: ServerExchange) {}

  setStatus(code: number, reason?: string): void {
    if (!Number.isInteger(code) || code < 100 || code > 599) {
      throw new UnsafeValueError(`Invalid HTTP status ${code}: use an integer from 100 to 599`);
    }
    this.status = code;
    this.reason = reason === undefined ? undefined : checkReason(reason);
  }

  setHeader(name: string, value: HeaderValue): void {
    const text = checkHeaderValue(name, formatValue(value));
    this.headers.set(name.toLowerCase(), [checkHeaderName(name), [text]]);
  }

  addHeader(name: string, value: HeaderValue): void {
    const text = checkHeaderValue(name, formatValue(value));
    const entry = this.headers.get(name.toLowerCase());
    if (entry) entry[1].push(text);
    else this.headers.set(name.toLowerCase(), [checkHeaderName(name), [text]]);
  }

  /** Adds a `Set-Cookie` line, replacing an earlier one for the same cookie name. */
  setCookieHeader(cookieName: string, line: string): void {
    const entry = this.headers.get('set-cookie');
    if (!entry) {
      this.headers.set('set-cookie', ['Set-Cookie', [line]]);
      return;
    }
    entry[1] = entry[1].filter((existing) => !existing.startsWith(`${cookieName}=`));
    entry[1].push(line);
  }

  clearHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[1][0];
  }

  /** Forgets status, headers and body (before anything was sent). */
  reset(): void {
    this.headers.clear();
    this.chunks = [];
    this.status = 200;
    this.reason = undefined;
  }

  write(chunk: string | Buffer): void {
    if (this.state === 'finished') throw new ResponseStateError('Cannot write() after finish()');
    this.chunks.push(chunk);
  }

  /** The buffered body so far. */
  pending(): ReadonlyArray<string | Buffer> {
    return this.chunks;
  }

  discardBody(): void {
    this.chunks = [];
  }

  /** Removes Content-Type and other representation headers (204, 304). */
  clearRepresentationHeaders(): void {
    for (const name of REPRESENTATION_HEADERS) this.headers.delete(name);
  }

  statusLine(): string {
    return `${this.status} ${this.reason ?? reasonPhrase(this.status)}`;
  }

  /**
   * Sends headers (first time) and the buffered body as chunks; resolves when the socket took
   * them. Rejects with StreamClosedError once the client is gone.
   */
  async flush(omitBody: boolean, compression: Compression): Promise<void> {
    if (this.state === 'finished') throw new ResponseStateError('Cannot flush() after finish()');
    const exchange = this.exchange;
    if (exchange.state !== 'open') throw new StreamClosedError('Cannot flush: the client closed the connection');
    if (omitBody) {
      this.chunks = [];
      return;
    }
    if (this.state === 'buffering') {
      this.state = 'streaming';
      this.headers.delete('content-length');
      if (this.compressible(compression)) this.startGzip();
      exchange.writeHead(this.statusLine(), this.pairs());
    }
    const body = this.takeBody();
    if (body.length === 0) return;
    const ok = this.gzip ? exchange.write(await this.deflate(body)) : exchange.write(body);
    if (!ok) await exchange.drained();
    if ((exchange.state as string) === 'aborted') throw new StreamClosedError('The client closed the connection while data was being sent');
  }

  /**
   * Completes the response. `omitBody` for HEAD (headers as for GET, no body). Buffered
   * responses get `Content-Length`; 1xx/204/304 get no body and no representation headers.
   */
  async finish(omitBody: boolean, compression: Compression): Promise<void> {
    const exchange = this.exchange;
    if (this.state === 'streaming') {
      this.state = 'finished';
      const body = this.takeBody();
      if (this.gzip) exchange.endChunked(await this.deflate(body, true));
      else exchange.endChunked(body.length ? body : undefined);
      return;
    }
    this.state = 'finished';
    const status = this.status;
    if (status === 204 || status === 304 || status < 200) {
      if (this.chunks.length && this.chunks.some((chunk) => chunk.length)) {
        throw new ResponseStateError(`Cannot send a body with status ${status}`);
      }
      this.clearRepresentationHeaders();
      this.headers.delete('content-length');
      exchange.endWithoutBody(this.statusLine(), this.pairs());
      return;
    }
    let body = this.takeBody();
    if (this.compressible(compression) && body.length >= MIN_COMPRESS_LENGTH) {
      body = gzipSync(body);
      this.setHeader('Content-Encoding', 'gzip');
    }
    if (omitBody) {
      this.setHeader('Content-Length', this.headers.has('content-length') ? this.getHeader('content-length')! : Buffer.byteLength(body));
      exchange.endWithoutBody(this.statusLine(), this.pairs());
      return;
    }
    // uWS writes Content-Length itself from the body it is given.
    this.headers.delete('content-length');
    exchange.end(this.statusLine(), this.pairs(), body);
  }

  /** Headers as wire pairs. */
  pairs(): HeaderPairs {
    const out: HeaderPairs = [];
    for (const [, [name, values]] of this.headers) for (const value of values) out.push([name, value]);
    return out;
  }

  private takeBody(): string | Buffer {
    const chunks = this.chunks;
    this.chunks = [];
    if (chunks.length === 0) return '';
    if (chunks.length === 1) return chunks[0];
    if (chunks.every((chunk) => typeof chunk === 'string')) return chunks.join('');
    return Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
  }

  /** True when this response should be gzipped; adds `Vary` whenever compression is on. */
  private compressible(compression: Compression): boolean {
    if (compression === 'off' || this.headers.has('content-encoding')) return false;
    if (!COMPRESSIBLE.test(this.getHeader('content-type') ?? '')) return false;
    this.addVary('Accept-Encoding');
    return compression === 'gzip';
  }

  private addVary(value: string): void {
    const current = this.getHeader('vary');
    if (!current) this.setHeader('Vary', value);
    else if (!current.toLowerCase().split(/\s*,\s*/).includes(value.toLowerCase())) this.setHeader('Vary', `${current}, ${value}`);
  }

  private startGzip(): void {
    this.gzip = createGzip();
    this.headers.set('content-encoding', ['Content-Encoding', ['gzip']]);
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
