import { open as openFile, type FileHandle } from 'node:fs/promises';
import parseRange from 'range-parser';
import { HTTPError } from '../common/http-errors';
import type { PullSource } from '../transport/types';
import { evaluatePreconditions, ifRangeHolds } from './conditional';
import { preferredEncoding } from './negotiation';
import { RequestHandler } from './request-handler';
import type { StaticEntry, StaticVariant } from './static-files';
import { HEADER } from './http-server-request';
import { INTERNALS } from './handler-internals';

/** Init args of {@link StaticFileHandler}. */
export interface StaticFileArgs {
  /** Folder to serve. */
  path: string;
  /** File served for a directory (e.g. `index.html`); without it directories are 403. */
  defaultFilename?: string;
}

const RANGE_SYNTAX = /^bytes=\s*(?:\d+-\d*|-\d+)\s*(?:,\s*(?:\d+-\d*|-\d+)\s*)*$/;

let expiresSecond = 0;
let expiresText = '';
/** `Expires` for versioned URLs, formatted at most once a second. */
function farExpires(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== expiresSecond) {
    expiresSecond = second;
    expiresText = new Date((second + VERSIONED_MAX_AGE) * 1000).toUTCString();
  }
  return expiresText;
}

/** Cache lifetime of versioned URLs (`?v=`): ten years, as Tornado. */
const VERSIONED_MAX_AGE = 86400 * 365 * 10;

/**
 * Serves files from a folder, as Tornado's `StaticFileHandler`: content-type, ETag from the
 * content hash, Last-Modified, 304s, single byte ranges, HEAD, precompressed `.br`/`.gz`
 * siblings, and nothing outside the folder. Large files stream with backpressure.
 *
 * @example
 * ```ts
 * new Application({ handlers: [['/files/*', StaticFileHandler, { path: '/srv/files' }]] });
 * ```
 */
export class StaticFileHandler extends RequestHandler {
  /** Folder served. */
  root = '';
  defaultFilename: string | undefined;

  override initialize(args: StaticFileArgs): void {
    this.root = args.path;
    this.defaultFilename = args.defaultFilename;
  }

  get(relative: string): Promise<void> | void {
    const cache = this.application.staticFileCache(this.root);
    const hot = cache.fresh(relative);
    // Served from memory without awaiting anything: completes inside the native callback.
    if (hot) return this.serve(hot, this.request.headers.get('range'));
    return this.lookupAndServe(relative);
  }

  private async lookupAndServe(relative: string): Promise<void> {
    const cache = this.application.staticFileCache(this.root);
    let found = await cache.lookup(relative);
    if (found === 'directory') {
      if (!this.defaultFilename) throw new HTTPError(403, `${relative} is a directory`);
      if (!this.request.path.endsWith('/')) {
        // "//host/dir" + "/" is a protocol-relative URL: browsers would leave the site (CVE-2023-28370 in Tornado).
        if (/^\/[/\\]/.test(this.request.path)) throw new HTTPError(403, 'cannot redirect a path that starts with two slashes');
        await this.redirect(this.request.path + '/' + (this.request.query ? `?${this.request.query}` : ''), true);
        return;
      }
      relative = `${relative.replace(/\/?$/, '/')}${this.defaultFilename}`;
      found = await cache.lookup(relative);
    }
    if (found === 'outside') throw new HTTPError(403, `${relative} is not in the static folder`);
    if (found === 'missing' || found === 'directory') throw new HTTPError(404);
    await this.serve(found, this.request.headers.get('range'));
  }

  private serve(entry: StaticEntry, range: string | undefined): Promise<void> | void {
    // A precompressed sibling is a different representation: its own ETag and length.
    const variant = range ? undefined : this.acceptedVariant(entry);
    // Values computed once per file version, and Typhoon's own: no validation per request.
    const out = this[INTERNALS].out;
    out.setTrustedHeader('accept-ranges', 'Accept-Ranges', 'bytes');
    out.setTrustedHeader('etag', 'Etag', variant ? variant.etag : entry.etag);
    out.setTrustedHeader('last-modified', 'Last-Modified', entry.lastModified);
    out.setTrustedHeader('content-type', 'Content-Type', entry.contentType);
    if (entry.variants.length) out.setTrustedHeader('vary', 'Vary', 'Accept-Encoding');
    if (variant) out.setTrustedHeader('content-encoding', 'Content-Encoding', variant.encoding);
    // As Tornado: only versioned URLs (`?v=<hash>`) get a cache lifetime; others revalidate.
    if (this.request.query && this.request.queryArguments.v) {
      out.setTrustedHeader('cache-control', 'Cache-Control', `max-age=${VERSIONED_MAX_AGE}`);
      out.setTrustedHeader('expires', 'Expires', farExpires());
    }
    const etag = variant ? variant.etag : entry.etag;
    const precondition = evaluatePreconditions(this.request.method, (name) => this.request[HEADER](name), etag, entry.mtimeMs);
    if (precondition !== 'proceed') {
      this.setStatus(precondition === 'not-modified' ? 304 : 412);
      return this.finish();
    }
    if (variant) return this.sendBytes(variant.absolutePath, variant.content, 0, variant.size - 1);
    // A Range under a stale If-Range is ignored: the whole, current representation goes out.
    const bytes = range && ifRangeHolds(this.request.headers.get('if-range'), etag, entry.mtimeMs) ? this.range(range, entry.size) : null;
    if (bytes === null) return this.sendBytes(entry.absolutePath, entry.content, 0, entry.size - 1);
    this.setStatus(206);
    this.setHeader('Content-Range', `bytes ${bytes.start}-${bytes.end}/${entry.size}`);
    return this.sendBytes(entry.absolutePath, entry.content, bytes.start, bytes.end);
  }

  private acceptedVariant(entry: StaticEntry): StaticVariant | undefined {
    if (entry.variants.length === 0) return undefined;
    const accepted = this.request.headers.get('accept-encoding');
    if (!accepted) return undefined;
    // The client's ranking among the precompressed siblings and the file itself.
    const chosen = preferredEncoding(accepted, [...entry.variants.map((variant) => variant.encoding), 'identity']);
    return entry.variants.find((variant) => variant.encoding === chosen);
  }

  /** Sends bytes `start..end` (inclusive): from memory when cached, else streamed from disk. */
  private sendBytes(file: string, content: Buffer | undefined, start: number, end: number): Promise<void> | void {
    if (content) return this.finish(start === 0 && end === content.length - 1 ? content : content.subarray(start, end + 1));
    const length = end - start + 1;
    if (this.request.method === 'HEAD') {
      this.setHeader('Content-Length', length);
      return this.finish();
    }
    return this.streamFile(file, start, length);
  }

  /** The single range asked for; null for none, several, garbage, or the whole file. 416 when unsatisfiable. */
  private range(header: string, size: number): { start: number; end: number } | null {
    // range-parser calls some garbage "unsatisfiable"; RFC 9110 says ignore what does not parse.
    if (!RANGE_SYNTAX.test(header)) return null;
    // A suffix longer than the file selects all of it (RFC 9110 §14.1.2); range-parser calls it
    // unsatisfiable, so such a suffix is shortened to the file's size first.
    const suffixes = size > 0 ? header.replace(/(=|,)\s*-(\d+)/g, (whole, before: string, length: string) => (Number(length) > size ? `${before}-${size}` : whole)) : header;
    const ranges = parseRange(size, suffixes);
    if (ranges === -1) throw new HTTPError(416, undefined, { headers: { 'Content-Range': `bytes */${size}` } });
    if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return null;
    const [{ start, end }] = ranges;
    if (start === 0 && end === size - 1) return null;
    return { start, end };
  }

  /** Streams part of a file to the client with backpressure. */
  private async streamFile(file: string, start: number, length: number): Promise<void> {
    const source = new FileRange(file, start, length);
    // Opened before the response is committed: a file gone since it was looked up is a 404.
    await source.open().catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new HTTPError(404) : error;
    });
    await this[INTERNALS].endWithSource(source, length);
  }
}

/** `size` bytes of a file from `start`, read into the transport's buffer on demand. */
class FileRange implements PullSource {
  private handle: Promise<FileHandle> | null = null;
  private done = 0;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly start: number,
    readonly size: number,
  ) {}

  /** Opens the file (once); `read` opens it too when nobody did. */
  open(): Promise<FileHandle> {
    return (this.handle ??= openFile(this.path, 'r'));
  }

  async read(buffer: Buffer): Promise<number> {
    if (this.closed) return 0;
    const handle = await this.open();
    const want = Math.min(buffer.length, this.size - this.done);
    if (want <= 0) return 0;
    const { bytesRead } = await handle.read(buffer, 0, want, this.start + this.done);
    this.done += bytesRead;
    return bytesRead;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // A read in flight finishes first: FileHandle.close() waits for it.
    this.handle?.then((handle) => handle.close()).catch(() => {});
  }
}
