/**
 * Conditional requests (RFC 9110 §13): the entity-tag comparisons and the order in which a
 * server evaluates the preconditions of a request.
 */

const TAGS = /\*|(?:W\/)?"[^"]*"/g;
const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** Weak comparison (§8.8.3.2): `If-None-Match` lists `etag`, or `*`. */
export function weakMatch(header: string, etag: string): boolean {
  return (header.match(TAGS) ?? []).some((tag) => tag === '*' || opaque(tag) === opaque(etag));
}

/** Strong comparison (§8.8.3.2): `If-Match` lists `etag` and neither is weak, or `*`. */
export function strongMatch(header: string, etag: string): boolean {
  if (etag.startsWith('W/')) return (header.match(TAGS) ?? ([] as string[])).includes('*');
  return (header.match(TAGS) ?? []).some((tag) => tag === '*' || tag === etag);
}

/** What the preconditions of a request decide (§13.2.2): go on, 304, or 412. */
export type Precondition = 'proceed' | 'not-modified' | 'failed';

/**
 * Evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match` and `If-Modified-Since` in the
 * order of RFC 9110 §13.2.2 for a representation with `etag` and `lastModified` (ms since the
 * epoch; compared at one-second resolution, as HTTP dates are).
 */
export function evaluatePreconditions(method: string, header: (name: string) => string | undefined, etag: string, lastModified: number): Precondition {
  const seconds = Math.floor(lastModified / 1000) * 1000;
  const ifMatch = header('if-match');
  if (ifMatch !== undefined) {
    if (!strongMatch(ifMatch, etag)) return 'failed';
  } else {
    const since = Date.parse(header('if-unmodified-since') ?? '');
    if (Number.isFinite(since) && seconds > since) return 'failed';
  }
  const safe = method === 'GET' || method === 'HEAD';
  const ifNoneMatch = header('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (weakMatch(ifNoneMatch, etag)) return safe ? 'not-modified' : 'failed';
  } else if (safe) {
    const since = Date.parse(header('if-modified-since') ?? '');
    if (Number.isFinite(since) && seconds <= since) return 'not-modified';
  }
  return 'proceed';
}

/**
 * Whether a `Range` is to be honoured under `If-Range` (§13.1.5): an entity tag must match
 * strongly, a date must equal the Last-Modified exactly; without `If-Range`, always.
 */
export function ifRangeHolds(ifRange: string | undefined, etag: string, lastModified: number): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return !value.startsWith('W/') && value === etag && !etag.startsWith('W/');
  const date = Date.parse(value);
  return Number.isFinite(date) && date === Math.floor(lastModified / 1000) * 1000;
}
