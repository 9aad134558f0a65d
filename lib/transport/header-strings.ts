import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { HeaderList } from './types';

/** Header names interned, so each connection does not keep its own copies of the same names. */
const HEADER_NAMES = new Map<string, string>();

/** One string per distinct header name (lower-case), bounded. */
export function internHeaderName(name: string): string {
  const known = HEADER_NAMES.get(name);
  if (known !== undefined) return known;
  if (HEADER_NAMES.size < 512) HEADER_NAMES.set(name, name);
  return name;
}

/**
 * Header values a WebSocket keeps for its whole life that most connections share (host, origin,
 * user agent, languages...): one string per distinct value instead of one per connection.
 * Only these headers, which carry no credentials (tokens also travel in paths, subprotocols and
 * custom headers, so nothing else is shared); short values; bounded.
 */
const SHARED_VALUES = new Map<string, string>();
const SHARED_HEADERS = new Set([
  'accept', 'accept-encoding', 'accept-language', 'cache-control', 'connection', 'host', 'origin', 'pragma',
  'sec-fetch-dest', 'sec-fetch-mode', 'sec-fetch-site', 'sec-websocket-extensions', 'sec-websocket-version', 'upgrade', 'user-agent',
]);

/** `value` of header `name`, as the one shared string for it when the header is shareable. */
export function sharedHeaderValue(name: string, value: string): string {
  if (!SHARED_HEADERS.has(name) || value.length > 256) return value;
  const known = SHARED_VALUES.get(value);
  if (known !== undefined) return known;
  if (SHARED_VALUES.size < 4096) SHARED_VALUES.set(value, value);
  return value;
}

const encoder = new TextEncoder();
const CONTENT_LENGTH = encoder.encode('content-length');
const TRANSFER_ENCODING = encoder.encode('transfer-encoding');
const IF_NONE_MATCH = encoder.encode('if-none-match');

/**
 * The headers read on every request, as bytes: uWS takes bytes as they are but converts a
 * string on each call (measured: 48 vs 64 ns per `getHeader`).
 */
export function nativeKey(name: string): string | Uint8Array {
  switch (name) {
    case 'content-length':
      return CONTENT_LENGTH;
    case 'transfer-encoding':
      return TRANSFER_ENCODING;
    case 'if-none-match':
      return IF_NONE_MATCH;
    default:
      return name;
  }
}

/** The list {@link copyHeader} fills and the Host lines it saw: one function for every request, no closure each. */
let target: HeaderList | null = null;
let hosts = 0;
function copyHeader(key: string, value: string): void {
  target!.push(internHeaderName(key), value);
  if (key === 'host') hosts++;
}

/** Copies every header line of a native request into `into` (names interned); returns how many were `Host`. */
export function copyHeaders(req: HttpRequest, into: HeaderList): number {
  target = into;
  hosts = 0;
  req.forEach(copyHeader);
  target = null;
  return hosts;
}

/**
 * Writes the status line, then the headers, of a uWS response (caller corks): uWS formats a
 * response linearly. "200 OK" is uWS's own when no status is written (one native call less).
 */
export function writeResponseHead(res: HttpResponse, status: string, headers: HeaderList): void {
  if (status !== '200 OK') res.writeStatus(status);
  const count = headers.length;
  if (count === 0) return;
  // uWS writes `name: value\r\n` verbatim, and each native call costs about as much as
  // formatting a header in JavaScript (≈ 100 ns, measured): so the whole block goes in one
  // call, as the first header's value. Names and values never hold CR or LF (validated by
  // the output layer), so the bytes on the wire are exactly those of one call per header.
  let value = headers[1];
  for (let i = 2; i < count; i += 2) value += `\r\n${headers[i]}: ${headers[i + 1]}`;
  res.writeHeader(headers[0], value);
}
