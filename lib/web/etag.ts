import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { weakMatch } from './conditional';
import type { HandlerBase } from './handler-base';
import type { ResponseOutput } from './response-output';

/**
 * The automatic ETag of a 200 answer to GET or HEAD (Tornado's `RequestHandler.finish`): the
 * handler's `setEtagHeader()`, then 304 without the body when `checkEtagHeader()` says the
 * client's `If-None-Match` has it (RFC 9110 §13.1.2, weak comparison).
 */
export function autoEtag(handler: HandlerBase, out: ResponseOutput): void {
  handler.setEtagHeader();
  if (handler.checkEtagHeader()) {
    out.discardBody();
    out.setStatus(304);
  }
}

/** The default `computeEtag()`: a quoted SHA-1 of the buffered body. */
export function bodyEtag(out: ResponseOutput): string {
  const single = out.singleChunk();
  if (single !== undefined) return etagOf(single);
  return `"${hash('sha1', Buffer.concat(out.pending().map((chunk) => Buffer.from(chunk))))}"`;
}

/** True when `ifNoneMatch` (the request's header, if any) matches `etag` (weak comparison, `*` matches any). */
export function noneMatchHolds(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  return !!etag && !!ifNoneMatch && weakMatch(ifNoneMatch, etag);
}

/**
 * The ETag of one body chunk. The last small string body and its tag are remembered: a hot
 * response (the same text again and again) is hashed once, and the cache holds only what is
 * derived from content, so it cannot leak anything between requests that the body did not.
 */
let lastBody: string | undefined;
let lastTag = '';
function etagOf(body: string | Buffer): string {
  if (typeof body !== 'string' || body.length > 4096) return `"${hash('sha1', body)}"`;
  if (body !== lastBody) {
    lastTag = `"${hash('sha1', body)}"`;
    lastBody = body;
  }
  return lastTag;
}
