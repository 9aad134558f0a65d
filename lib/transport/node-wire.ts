// How the Node transport writes a response head and reads a request target.
import type { HeaderList } from './types';

const STATUS_LINES = new Map<string, [number, string]>();

/** `"404 Not Found"` → status code and reason phrase (the few lines in use are kept). */
export function splitStatus(status: string): [number, string] {
  const known = STATUS_LINES.get(status);
  if (known) return known;
  const space = status.indexOf(' ');
  const split: [number, string] = space < 0 ? [Number(status), ''] : [Number(status.slice(0, space)), status.slice(space + 1)];
  if (STATUS_LINES.size < 256) STATUS_LINES.set(status, split);
  return split;
}

/**
 * `headers` plus a `Content-Length` (when `length` is given) and `Connection: close` (when
 * `close`), as a new list: `headers` may be shared (a static file's).
 */
export function withHeaders(headers: HeaderList, length: number | null, close: boolean): HeaderList {
  const list = headers.slice();
  if (length !== null) list.push('Content-Length', String(length));
  if (close) list.push('Connection', 'close');
  return list;
}

/** The path and query of a request target: origin-form as it is, absolute-form reduced to it. */
export function requestTarget(url: string): string {
  if (url.startsWith('/')) return url;
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return '/';
  }
}
