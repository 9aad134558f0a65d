/**
 * The neutral interface between Typhoon's web layer and the native server. Only
 * `lib/transport/` knows uWebSockets.js; everything else programs against these types.
 */

/** Where one exchange stands. `aborted`: the client went away; nothing may be written. */
export type ExchangeState = 'open' | 'aborted' | 'finished';

/** Headers flat, `[name0, value0, name1, value1, ...]`: request headers as received (names lower-case), response headers as written. */
export type HeaderList = string[];

/** Who is told when the client goes away. */
export type AbortListener = (() => void) | { _connectionClosed(): void };

/** First value of header `name` (lower-case) in a copied list, `''` when absent. */
export function headerValue(list: HeaderList, name: string): string {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
  return '';
}

/**
 * One HTTP request and its response. Valid for the whole request, also after `await`s:
 * the transport copies what the native request holds before it becomes invalid.
 */
export interface ServerExchange {
  /** Upper-case method, e.g. `GET`. */
  readonly method: string;
  /** Raw (still percent-encoded) path, starting with `/`. */
  readonly path: string;
  /** Raw query string without `?`, or `''`. */
  readonly query: string;
  readonly state: ExchangeState;
  /** `'http'` or `'https'`. */
  readonly protocol: string;
  /** Peer address as text (`''` if it could not be read any more). */
  readonly remoteAddress: string;

  /** First value of a header (lower-case name), `''` when absent. */
  header(name: string): string;
  /** Every header line in arrival order, flat, names lower-case. */
  headerList(): HeaderList;

  /**
   * Called once if the client goes away before the response is complete: a function, or an
   * object whose `_connectionClosed()` is called (a request handler, without a closure per request).
   */
  onAbort(listener: AbortListener): void;
  /**
   * Starts reading the body. Must be called before the route callback returns. Each chunk is a
   * private copy; `last` marks the end.
   */
  readBody(onChunk: (chunk: Buffer, last: boolean) => void): void;
  /** Stops / restarts the flow of body chunks (flow control for streaming bodies). */
  pauseBody(): void;
  resumeBody(): void;

  /** Sends a complete response; `Content-Length` is computed by the transport. */
  end(status: string, headers: HeaderList, body: string | Buffer, closeConnection?: boolean): void;
  /** Sends a response without a body (HEAD, 204, 304); headers may include `Content-Length`. */
  endWithoutBody(status: string, headers: HeaderList, closeConnection?: boolean): void;
  /** Starts a chunked response: status and headers, no body yet. */
  writeHead(status: string, headers: HeaderList): void;
  /** Writes a body chunk of a chunked response; `false` means the socket is backed up. */
  write(chunk: string | Buffer): boolean;
  /** Resolves when the socket can take more data, or when the exchange is aborted. */
  drained(): Promise<void>;
  /**
   * Sends a response whose body comes from `source` (a file range), without holding it in
   * memory: the transport pulls the next chunk into its own buffer once the socket took the
   * last one, and closes the source at the end or when the client goes away. Resolves when the
   * body was handed over or the exchange ended.
   */
  endStream(status: string, headers: HeaderList, source: PullSource): Promise<void>;
  /** Ends a chunked response, optionally with a last chunk. */
  endChunked(chunk?: string | Buffer): void;
  /** Closes the connection once the response is sent (e.g. after refusing an unread body). */
  closeWhenDone(): void;
  /** Closes the connection at once (the client sees a reset / EOF). */
  close(): void;
}

/** Called for each request that matched a route, with the route's raw parameters. */
export type RouteCallback = (exchange: ServerExchange, params: string[]) => void;

/** Options the transport needs from the application. */
export interface TransportOptions {
  /** Serve HTTPS with these PEM files. */
  ssl?: { keyFile: string; certFile: string; passphrase?: string };
  /** Run on uWebSockets.js's slow JavaScript fallback when the native binary fails to load. */
  allowFallback?: boolean;
}

/**
 * A response body read on demand into a buffer the transport owns and reuses, so a large file
 * streams without a new buffer per chunk (buffers that size would each cost the garbage
 * collector: measured at a quarter of the CPU when serving 10 MiB files with a stream).
 */
export interface PullSource {
  /** Bytes in all. */
  readonly size: number;
  /** Fills `buffer` from its start with the next bytes; resolves with how many were read (0: none left). */
  read(buffer: Buffer): Promise<number>;
  /** Releases what the source holds (a file descriptor); called once, at the end or on abort. */
  close(): void;
}
