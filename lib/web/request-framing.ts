import { HTTPError } from '../common/http-errors';
import type { HeaderList } from '../transport/types';

/** What the framing checks read of a request (a transport's exchange has it all). */
export interface FramedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Every header line, names lower-case: `[name, value, ...]`. */
  headerList(): HeaderList;
  /** How many `Host` lines came. */
  hostLines(): number;
}

/** The limits the checks apply (from the settings). */
export interface FramingLimits {
  /** Bytes a body may declare. */
  maxBodySize: number;
  /** Bytes of request line and headers, when limited. */
  maxHeaderSize?: number;
}

/**
 * Why a request must be refused before anything reads it, or null: framing that cannot be
 * trusted (request-smuggling shapes, RFC 9112 §6.3: several or empty `Content-Length`, several
 * `Transfer-Encoding`, both together, a coding other than `chunked`, a non-numeric length) and
 * several `Host` lines (RFC 9112 §3.2: which host was meant cannot be told) are a 400 with the
 * reason; a declared body over `maxBodySize` a 413; a head over `maxHeaderSize` a 431. Looks at
 * the header list only when a body is announced, a body method comes without one, or a head
 * limit is set, so plain GETs pay nothing. The Host lines are counted by the transport as it
 * reads the head (on uWS, once the list was read: see docs/transports.md).
 *
 * @param length the first `Content-Length` value (`''` when absent)
 * @param encoding the first `Transfer-Encoding` value (`''` when absent)
 */
export function refuseRequest(request: FramedRequest, length: string, encoding: string, limits: FramingLimits): HTTPError | null {
  // uWS reads an empty framing header as an absent one, so a body method that seems to come
  // without a body (rare) has its header list looked at too.
  const method = request.method;
  if (length !== '' || encoding !== '' || method === 'POST' || method === 'PUT' || method === 'PATCH') {
    const fault = framingFault(request.headerList(), length, encoding);
    if (fault) return fault;
  }
  const headLimit = limits.maxHeaderSize;
  let headSize = 0;
  if (headLimit !== undefined) {
    headSize = method.length + request.path.length + request.query.length + 12;
    for (const field of request.headerList()) headSize += field.length + 2;
  }
  // After the lines above were read: uWS counts Host lines as it copies them.
  if (request.hostLines() > 1) return new HTTPError(400, 'several Host headers', { reason: 'Duplicate Host' });
  if (length && Number(length) > limits.maxBodySize) return new HTTPError(413, `Content-Length ${length} exceeds the limit of ${limits.maxBodySize} bytes`);
  if (headLimit !== undefined && headSize > headLimit) return new HTTPError(431, `request head of ${headSize} bytes exceeds maxHeaderSize ${headLimit}`);
  return null;
}

/** A 400 for framing headers that cannot be trusted, or null. */
function framingFault(headers: HeaderList, length: string, encoding: string): HTTPError | null {
  let lengths = 0;
  let encodings = 0;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === 'content-length') lengths++;
    else if (headers[i] === 'transfer-encoding') encodings++;
  }
  if (lengths > 1) return new HTTPError(400, 'several Content-Length headers', { reason: 'Duplicate Content-Length' });
  if (encodings > 1) return new HTTPError(400, 'several Transfer-Encoding headers', { reason: 'Duplicate Transfer-Encoding' });
  if (lengths && encodings) return new HTTPError(400, 'Transfer-Encoding together with Content-Length', { reason: 'Ambiguous Message Length' });
  if (lengths && !length) return new HTTPError(400, 'empty Content-Length', { reason: 'Invalid Content-Length' });
  if (encodings && !encoding) return new HTTPError(400, 'empty Transfer-Encoding', { reason: 'Unsupported Transfer-Encoding' });
  if (encoding && encoding.trim().toLowerCase() !== 'chunked') return new HTTPError(400, `Transfer-Encoding ${JSON.stringify(encoding)}`, { reason: 'Unsupported Transfer-Encoding' });
  if (length && !/^\d{1,15}$/.test(length)) return new HTTPError(400, `Content-Length ${JSON.stringify(length)}`, { reason: 'Invalid Content-Length' });
  return null;
}
