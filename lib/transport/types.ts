/**
 * The neutral interface between Typhoon's web and WebSocket layers and the server underneath.
 * Only `lib/transport/` implements it (on uWebSockets.js, or on `node:http` and `ws`); the rest
 * of the framework programs against these types and never learns which transport serves it.
 */

/** The transports Typhoon can serve on. */
export type TransportKind = 'uws' | 'node';

/** Where one exchange stands. `aborted`: the client went away; nothing may be written. */
export type ExchangeState = 'open' | 'aborted' | 'finished';

/** Headers flat, `[name0, value0, name1, value1, ...]`: request headers as received (names lower-case), response headers as written. */
export type HeaderList = string[];

/**
 * The method a transport calls on an abort observer (a request handler), so a request needs no
 * closure of its own to hear that its client left. A symbol: no name of the web layer's.
 */
export const CONNECTION_CLOSED: unique symbol = Symbol('typhoon.connectionClosed');

/** Who is told when the client goes away: a function, or an object with a {@link CONNECTION_CLOSED} method. */
export type AbortListener = (() => void) | { [CONNECTION_CLOSED](): void };

/** First value of header `name` (lower-case) in a copied list, `''` when absent. */
export function headerValue(list: HeaderList, name: string): string {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
  return '';
}

/** Tells one abort listener. */
export function notifyAbort(listener: AbortListener): void {
  if (typeof listener === 'function') listener();
  else listener[CONNECTION_CLOSED]();
}

/**
 * One HTTP request and its response. Valid for the whole request, also after `await`s:
 * the transport copies what its native request holds before it becomes invalid.
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
  /** `HTTP/1.1` or `HTTP/1.0`, as the request line said. */
  readonly version: string;
  /**
   * Peer address as text. Read while the exchange is open (on uWS each read is a native call
   * that allocates); afterwards `''` unless {@link keepRemoteAddress} was called.
   */
  readonly remoteAddress: string;
  /** The address will be asked for after the response ended (an access log): keep it then. */
  keepRemoteAddress(): void;

  /** First value of a header (lower-case name), `''` when absent. */
  header(name: string): string;
  /** Every header line in arrival order, flat, names lower-case. */
  headerList(): HeaderList;
  /**
   * How many `Host` lines the request has (RFC 9112 §3.2 allows one), as far as the transport
   * knows without a cost: the Node transport counts every line; uWS, whose `getHeader` gives
   * the first only, once the lines were read ({@link headerList}), and says 1 before.
   */
  hostLines(): number;

  /** Called once if the client goes away before the response is complete. */
  onAbort(listener: AbortListener): void;
  /**
   * Starts reading the body. Must be called before the route callback returns. A chunk is valid
   * only during the call (uWS reuses its memory): copy what you keep. `last` marks the end.
   */
  readBody(onChunk: (chunk: Uint8Array, last: boolean) => void): void;
  /** Stops / restarts the flow of body chunks (flow control, and a body waiting for memory). */
  pauseBody(): void;
  resumeBody(): void;
  /**
   * The body is still arriving (slowly): keep the connection from timing out, so the web
   * layer's deadlines (`requestTimeout`, idle) are the ones that count.
   */
  refreshTimeout(): void;

  /** Sends a complete response; `Content-Length` is computed by the transport. */
  end(status: string, headers: HeaderList, body: string | Buffer, closeConnection?: boolean): void;
  /** Sends a response without a body (HEAD, 204, 304); headers may include `Content-Length`. */
  endWithoutBody(status: string, headers: HeaderList, closeConnection?: boolean): void;
  /** Starts a chunked response: status and headers go out now, no body yet. */
  writeHead(status: string, headers: HeaderList): void;
  /** Writes a body chunk of a chunked response; `false` means the socket is backed up. */
  write(chunk: string | Buffer): boolean;
  /** Resolves when the socket can take more data, or when the exchange is over. */
  drained(): Promise<void>;
  /**
   * Sends a response whose body comes from `source` (a file range), without holding it in
   * memory: the next chunk is read only once the socket took the last one, and the source is
   * closed at the end or when the client goes away. Resolves when the body was handed over or
   * the exchange ended.
   */
  endStream(status: string, headers: HeaderList, source: PullSource): Promise<void>;
  /** Ends a chunked response, optionally with a last chunk. */
  endChunked(chunk?: string | Buffer): void;
  /**
   * The connection closes after the answer (a request whose framing cannot be trusted, a body
   * too slow). The Node transport closes lingering (a body still coming is read and discarded
   * for up to 2 s or 1 MiB first); uWS closes at once. Called in the route callback, nothing
   * parsed behind this request runs.
   */
  closeWhenDone(): void;
  /** Closes the connection at once (the client sees a reset / EOF). */
  close(): void;
}

/** A WebSocket handshake request: an exchange that can also become a WebSocket. */
export interface UpgradeExchange extends ServerExchange {
  /**
   * Completes the handshake with `protocol` (`''`: none): the HTTP exchange ends and the
   * transport opens the WebSocket, calling the route's `open` with `handler`. With `compress`
   * false no permessage-deflate is agreed. False when the exchange was already over, or the
   * client left before the switch.
   */
  upgrade(handler: unknown, protocol: string, compress: boolean): boolean;
  /**
   * After the upgrade: the request data on a small object of its own, so what a WebSocket
   * keeps for its whole life is not the transport's exchange.
   */
  upgradedCopy(): ServerExchange;
}

/** Result of a WebSocket send: sent now, buffered (backpressure), or dropped over the limit. */
export type SendResult = 'sent' | 'buffered' | 'dropped';

/**
 * One open WebSocket. Valid from the route's `open` to its `close`; afterwards every call is
 * a no-op (`send` reports `'dropped'`).
 */
export interface TransportSocket {
  /** True once the close callback ran (either side closed, or the connection dropped). */
  readonly closed: boolean;
  /** Peer address, captured at the handshake. */
  readonly remoteAddress: string;
  send(data: string | Buffer, binary: boolean, compress: boolean): SendResult;
  /** Runs `body`, sending what it sends in as few writes as the transport can. */
  cork(body: () => void): void;
  /** Bytes waiting to be sent. */
  bufferedAmount(): number;
  /** Starts the close handshake with a code and reason; the route's close callback runs at once. */
  end(code: number, reason: string): void;
  /** Drops the connection without a close frame; the close callback runs at once with 1006. */
  terminate(): void;
  ping(data: string | Buffer): void;
  subscribe(topic: string): boolean;
  unsubscribe(topic: string): boolean;
  /** Publishes to every subscriber of `topic` on this server except this socket. */
  publish(topic: string, data: string | Buffer, binary: boolean, compress: boolean): boolean;
  topics(): string[];
}

/** Called for each request that matched a route, with the route's raw parameters. */
export type RouteCallback = (exchange: ServerExchange, params: string[]) => void;

/** WebSocket options of one route, validated by the WebSocket layer. */
export interface SocketRouteOptions {
  /** Largest message accepted before the connection is failed (1009). */
  maxPayloadLength: number;
  /** Seconds without traffic before the connection is closed (a ping is sent first): 0 (never) or 8..960. */
  idleTimeout: number;
  compression: 'none' | 'shared' | 'dedicated';
  /** Bytes a socket may have waiting; past it sends are dropped (or the socket closed). */
  maxBackpressure: number;
  closeOnBackpressureLimit: boolean;
}

/** The WebSocket layer's side of one route. `handler` is whatever `upgrade` attached. */
export interface SocketRouteCallbacks {
  /** A handshake request: answer it through the exchange, or call `exchange.upgrade(handler, ...)`. */
  upgrade(exchange: UpgradeExchange, params: string[]): void;
  open(handler: unknown, socket: TransportSocket): void;
  /** `size`: the message's length in bytes (for text, before decoding). */
  message(handler: unknown, data: string | Buffer, size: number): void;
  drain(handler: unknown): void;
  close(handler: unknown, code: number, reason: string): void;
  ping(handler: unknown, data: Buffer): void;
  pong(handler: unknown, data: Buffer): void;
}

/**
 * A server: routes in uWS syntax (`/items/:id`, `/files/*`), WebSocket routes, topics,
 * listening and closing. Every callback runs inside a guard, so no exception of the layers
 * above ever unwinds into the transport.
 */
export interface TransportServer {
  readonly kind: TransportKind;
  /** Registers a pattern; `methods` are the ones the route implements (a hint, for speed). */
  route(pattern: string, paramCount: number, callback: RouteCallback, methods?: readonly string[]): void;
  /** Registers the callback for everything no pattern matched. */
  fallback(callback: RouteCallback): void;
  /** Registers a WebSocket route; `'/*'` serves every path (the layer above matches). */
  websocket(pattern: string, paramCount: number, options: SocketRouteOptions, callbacks: SocketRouteCallbacks): void;
  /** Publishes to every subscriber of a topic on this server (this thread). */
  publish(topic: string, data: string | Buffer, binary: boolean, compress: boolean): boolean;
  /** WebSockets subscribed to `topic` on this server (this thread). */
  numSubscribers(topic: string): number;
  /** Listens on `host:port` (port 0: any free port); resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting connections; open connections go on. */
  stopListening(): void;
  /**
   * Stops keeping connections alive, for a graceful close (RFC 9112 §9.6): every response from
   * now on, those in flight included, says `Connection: close` and its connection closes after
   * it. Connections idle between requests stay until `closeAll()`: a request already on its
   * way on one is served, not reset.
   */
  drain(): void;
  /** Closes every connection at once. */
  closeAll(): void;
}

/** What a server tells the exchanges it makes. */
export interface ExchangeContext {
  readonly ssl: boolean;
  /** The server is closing gracefully: no connection is kept alive after its response. */
  draining: boolean;
}

/**
 * The request head (request line and headers, in bytes) every transport takes at least before
 * its own 431: node's parser defaults to 16 KiB and uWS builds after v20.30 to 4 KiB, too little
 * for a few cookies or a token. `maxHeaderSize` sets a lower limit the web layer enforces.
 */
export const MIN_HEAD_LIMIT = 64 * 1024;

/** Options a transport takes from the application. */
export interface TransportOptions {
  /** Serve HTTPS with these PEM files. */
  ssl?: { keyFile: string; certFile: string; passphrase?: string };
  /** Seconds an idle connection stays open (default 10; uWS v20.30 builds: 10, fixed). */
  idleConnectionTimeout?: number;
  /** Largest request head in bytes, where the transport enforces one itself. */
  maxHeaderSize?: number;
  /** Seconds the web layer gives a request body (it answers 408 itself): the transport's own limit must be longer. */
  requestTimeout?: number;
  /** Share the port with other listeners (worker threads): SO_REUSEPORT. */
  reusePort?: boolean;
  /** Client connections held at once; above it new ones are not accepted until below again. */
  maxConnections?: number;
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
