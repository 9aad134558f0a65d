import { Buffer } from 'node:buffer';
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import { ResponseStateError } from '../common/errors';
import { genLog } from '../common/log';
import { ExchangeListeners, LINGER_BYTES, LINGER_MS } from './exchange-listeners';
import { pumpSource } from './uws-file-stream';
import { headerValue, type ExchangeContext, type HeaderList, type PullSource, type ServerExchange, type SocketRouteOptions, type UpgradeExchange } from './types';
import { CopiedExchange } from './copied-exchange';
import { chooseDeflateOffer } from './deflate-offer';
import { copyHeaders, nativeKey, sharedHeaderValue, writeResponseHead } from './header-strings';
import { UwsSocket, type SocketUserData } from './uws-socket';
import { SendTimer } from './uws-send-timer';

const textDecoder = new TextDecoder();

/** Stands in for the native response once it has been upgraded (it must never be touched again). */
const UPGRADED = new Proxy({}, { get: () => { throw new ResponseStateError('uWS.HttpResponse used after the WebSocket upgrade'); } }) as HttpResponse;

/**
 * A {@link ServerExchange} (and {@link UpgradeExchange}) over one uWS `HttpResponse`. Enforces the native rules in one place:
 * the `HttpRequest` is read only while the route callback runs (`copyRequestAndWatchAbort()` copies what is left
 * when it returns), `onAborted` is attached before the callback returns, writes made after it
 * returned are corked, and nothing touches `res` once it is aborted or ended.
 */
export class UwsExchange extends ExchangeListeners implements UpgradeExchange {
  readonly method: string;
  readonly protocol: string;
  /** This uWS build answers HTTP/1.1 requests only (docs/transports.md). */
  readonly version = 'HTTP/1.1';
  /** Read from the native request on first use (most handlers never look): see `copyRequestAndWatchAbort()`. */
  private url: string | null = null;
  private search: string | null = null;

  /** Handshake data of a WebSocket upgrade request. */
  private upgradeInfo: { key: string; extensions: string; compression: SocketRouteOptions['compression']; context: us_socket_context_t } | null = null;
  /** Valid only during the synchronous route callback; null afterwards. */
  private req: HttpRequest | null;
  private headers: HeaderList | null = null;
  /** Host lines among `headers`, counted as they are copied. */
  private hosts = 1;
  private remote: string | null = null;
  /** Read the address just before the response ends: it is wanted afterwards. */
  private keepAddress = false;
  private inCallback = true;
  private bodyReader: ((chunk: Uint8Array, last: boolean) => void) | null = null;
  /**
   * A body is being read and its last chunk has not come. An answer now says `Connection: close` and leaves the rest of the
   * body to uWS's parser to discard: closing at once would reset the connection under the client, destroying the answer.
   */
  private bodyPending = false;
  /** The request's framing cannot be trusted (`closeWhenDone`): the connection closes after the answer. */
  private closeAfter = false;
  /** The body's flow is paused (flow control, a body waiting for memory). */
  private bodyPaused = false;
  /**
   * Answered while the body still comes, on a request that said `Connection: close` (uWS would close, resetting it, at the
   * end): the answer goes out chunked and ends with the body, or after {@link LINGER_MS} / {@link LINGER_BYTES} discarded.
   */
  private lingering: { discarded: number; timer: NodeJS.Timeout } | null = null;
  private sendTimer: SendTimer | null = null;

  /**
   * @param context the server's: TLS or not, and whether it is closing gracefully
   * @param method the method, when the route was registered for one (saves asking uWS)
   */
  constructor(private res: HttpResponse, req: HttpRequest, private readonly context: ExchangeContext, method?: string) {
    super();
    this.req = req;
    // Methods are case-sensitive (RFC 9110 9.1): `get` is not GET. getMethod() lower-cases
    // them, and builds after v20.30 route a lower-case method to the catch-all.
    this.method = method ?? req.getCaseSensitiveMethod();
    this.protocol = context.ssl ? 'https' : 'http';
  }

  get path(): string {
    return (this.url ??= this.req!.getUrl());
  }

  get query(): string {
    return (this.search ??= this.req!.getQuery() ?? '');
  }

  header(name: string): string {
    if (this.req) return this.req.getHeader(nativeKey(name));
    return headerValue(this.headers!, name);
  }

  headerList(): HeaderList {
    if (this.headers) return this.headers;
    const list: HeaderList = [];
    this.hosts = copyHeaders(this.req!, list);
    return (this.headers = list);
  }

  /** Known once the header lines were read (getHeader gives the first only; forEach on every request costs 2 µs a browser head). Before, 1. */
  hostLines(): number {
    return this.hosts;
  }

  get remoteAddress(): string {
    // HttpResponse answers this until the response ends or aborts (HttpRequest need not be alive).
    if (this.remote === null && this.state === 'open') {
      this.remote = textDecoder.decode(this.res.getRemoteAddressAsText());
    }
    return this.remote ?? '';
  }

  keepRemoteAddress(): void {
    this.keepAddress = true;
  }

  /**
   * The response is about to end: the last moment the address can be read, and to resume a
   * paused body (uWS must read the rest of it, and the requests behind it; `res` cannot be
   * touched once the response ended, and a paused socket would stay silent for good).
   */
  private ending(): void {
    if (this.keepAddress && this.remote === null) void this.remoteAddress;
    if (this.bodyPaused) {
      this.bodyPaused = false;
      this.res.resume();
    }
    this.state = 'finished';
  }

  /**
   * Called by the server when the route callback returns. If the response is still open, copy
   * everything the request holds and register for abort: from now on the native request is
   * gone and every write must be corked.
   */
  copyRequestAndWatchAbort(): void {
    this.inCallback = false;
    if (this.state !== 'open') {
      // Answered inside the callback; code that runs later (an async onFinish) may still read
      // the URL, which must not come from a dead native request.
      void this.path;
      void this.query;
      this.req = null;
      return;
    }
    try {
      // What the native request holds; the address stays readable on the response.
      this.headerList();
      void this.path;
      void this.query;
    } finally {
      // Even when a copy failed: the native request is gone, and an abort must be heard.
      this.req = null;
      this.res.onAborted(() => this.aborted());
    }
  }

  /**
   * Marks this exchange as a WebSocket handshake: copies the headers, the address and the
   * `Sec-WebSocket-*` values now, while the native request is valid (rule 7). `compression`:
   * the native registration's.
   */
  prepareUpgrade(context: us_socket_context_t, compression: SocketRouteOptions['compression']): void {
    this.headerList();
    void this.remoteAddress;
    void this.path;
    void this.query;
    this.upgradeInfo = { key: this.header('sec-websocket-key'), extensions: this.header('sec-websocket-extensions'), compression, context };
  }

  /**
   * Completes the handshake: the HTTP exchange ends and uWS opens the WebSocket. uWS is given
   * only the first permessage-deflate offer it grants as asked (see chooseDeflateOffer); with
   * `compress` false none, so none is agreed even where the native registration allows it
   * (RegExp routes share one registration).
   */
  upgrade(handler: unknown, protocol: string, compress: boolean): boolean {
    if (this.state !== 'open' || !this.upgradeInfo) return false;
    this.state = 'finished';
    const { key, context } = this.upgradeInfo;
    const extensions = compress ? chooseDeflateOffer('uws', this.upgradeInfo.compression, this.upgradeInfo.extensions) : '';
    const userData: SocketUserData = { socket: new UwsSocket(handler, this.remote ?? '') };
    const res = this.res;
    if (this.inCallback) res.upgrade(userData, key, protocol, extensions, context);
    else res.cork(() => res.upgrade(userData, key, protocol, extensions, context));
    this.wakeDrainWaiters();
    // The connection now lives on as a WebSocket: keep nothing of the HTTP exchange but the
    // copied request data (this object stays reachable from the handler for its whole life).
    this.upgradeInfo = null;
    this.handOver();
    this.bodyReader = null;
    this.res = UPGRADED;
    return true;
  }

  /**
   * After the upgrade: the request data on a small object of its own (headers at their exact
   * length), so the WebSocket's handler need not keep this exchange for the connection's life.
   */
  upgradedCopy(): CopiedExchange {
    const headers = (this.headers ?? []).slice();
    for (let i = 0; i < headers.length; i += 2) headers[i + 1] = sharedHeaderValue(headers[i], headers[i + 1]);
    return new CopiedExchange(this.method, this.protocol, this.version, this.url ?? '', this.search ?? '', headers, this.remote ?? '');
  }

  readBody(onChunk: (chunk: Uint8Array, last: boolean) => void): void {
    this.bodyReader = onChunk;
    this.bodyPending = true;
    this.res.onData((chunk, isLast) => {
      if (isLast) this.bodyPending = false;
      if (this.lingering) return this.discard(chunk.byteLength, isLast);
      if (!this.bodyReader) return;
      // uWS neuters the ArrayBuffer when this callback returns: the reader copies what it keeps.
      this.bodyReader(new Uint8Array(chunk), isLast);
    });
  }

  pauseBody(): void {
    if (this.state !== 'open') return;
    this.res.pause();
    this.bodyPaused = true;
  }

  resumeBody(): void {
    if (this.state !== 'open') return;
    this.res.resume();
    this.bodyPaused = false;
  }

  /**
   * uWS drops a connection whose body arrives slower than 16 KiB/s (160 KiB per 10 s window,
   * `HTTP_RECEIVE_THROUGHPUT_BYTES` in its HttpContext.h); `resume()` re-arms its timer to the
   * full 10 s, so the body's own deadlines (requestTimeout, idle) are what count.
   */
  refreshTimeout(): void {
    if (this.state !== 'open' || !this.bodyPending) return;
    this.res.pause();
    this.res.resume();
  }

  end(status: string, headers: HeaderList, body: string | Buffer, closeConnection = false): void {
    if (this.state !== 'open') return;
    closeConnection ||= this.closeAfter || this.context.draining;
    if (this.bodyPending && !closeConnection) {
      headers = [...headers, 'Connection', 'close'];
      // uWS's own test for a closing request: a Connection value of five characters.
      if (!this.inCallback && body.length && this.header('connection').length === 5) return this.answerThenLinger(status, headers, body);
    }
    this.ending();
    if (this.inCallback) this.writeAndEnd(status, headers, body, closeConnection);
    else this.res.cork(() => this.writeAndEnd(status, headers, body, closeConnection));
    this.wakeDrainWaiters();
  }

  endWithoutBody(status: string, headers: HeaderList, closeConnection = false): void {
    if (this.state !== 'open') return;
    this.ending();
    closeConnection ||= this.closeAfter || this.context.draining;
    // This build's endWithoutBody(length) writes Content-Length itself, and aborts the process
    // for a non-zero length. So: our own Content-Length header and no arguments, or (to close a
    // connection whose body was not read) `(0, true)`, which only suits responses without one;
    // with one, the client is told to close instead.
    let hasLength = false;
    for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === 'content-length') hasLength = true;
    if ((this.bodyPending && !closeConnection) || (closeConnection && hasLength)) headers = [...headers, 'Connection', 'close'];
    const send = () => {
      writeResponseHead(this.res, status, headers);
      if (closeConnection && !hasLength) this.res.endWithoutBody(0, true);
      else this.res.endWithoutBody();
    };
    if (this.inCallback) send();
    else this.res.cork(send);
    this.wakeDrainWaiters();
  }

  writeHead(status: string, headers: HeaderList): void {
    if (this.state !== 'open') return;
    headers = this.streamedHeaders(headers);
    if (this.inCallback) writeResponseHead(this.res, status, headers);
    else this.res.cork(() => writeResponseHead(this.res, status, headers));
  }

  /** A streamed head says `Connection: close` where the connection is not kept (its end cannot: see endChunked). */
  private streamedHeaders(headers: HeaderList): HeaderList {
    return this.closeAfter || this.bodyPending || this.context.draining ? [...headers, 'Connection', 'close'] : headers;
  }

  write(chunk: string | Buffer): boolean {
    if (this.state !== 'open') return true;
    let ok = true;
    if (this.inCallback) ok = this.res.write(chunk);
    else this.res.cork(() => (ok = this.res.write(chunk)));
    // A client that reads slowly or in bursts is not cut while it still takes bytes.
    if (!ok) (this.sendTimer ??= new SendTimer(this.res, () => this.state === 'open' && !this.bodyPaused)).start();
    return ok;
  }

  drained(): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    return new Promise((resolve) => {
      // uWS keeps an onWritable handler for the response's life: register it once.
      if (this.addDrainWaiter(resolve)) {
        this.res.onWritable(() => {
          this.sendTimer?.stop();
          this.wakeDrainWaiters();
          return true;
        });
      }
    });
  }

  endStream(status: string, headers: HeaderList, source: PullSource): Promise<void> {
    if (this.state !== 'open') {
      source.close();
      return Promise.resolve();
    }
    // The response may end inside a native writable callback: read the address now if it is wanted.
    if (this.keepAddress) void this.remoteAddress;
    return pumpSource(this.res, source, {
      writeHead: () => writeResponseHead(this.res, status, this.streamedHeaders(headers)),
      isOpen: () => this.state === 'open',
      onAbort: (listener) => this.onAbort(listener),
      finished: () => {
        this.state = 'finished';
        this.wakeDrainWaiters();
      },
      failed: (error) => this.abandonStream(error),
    });
  }

  /** A streamed body failed midway: the head is out, so the only honest answer is to close. */
  private abandonStream(error: unknown): void {
    if (this.state !== 'open') return;
    genLog.error('Error while streaming a response body; closing the connection', error);
    this.close();
  }

  endChunked(chunk?: string | Buffer): void {
    if (this.state !== 'open') return;
    this.ending();
    // Not end(…, true): after write() that puts a Connection header into the body (v20.30 and
    // v20.57). The head told the client to close instead; else uWS's idle timeout does.
    if (this.inCallback) this.res.end(chunk);
    else this.res.cork(() => this.res.end(chunk));
    this.wakeDrainWaiters();
  }

  closeWhenDone(): void {
    this.closeAfter = true;
  }

  private answerThenLinger(status: string, headers: HeaderList, body: string | Buffer): void {
    this.ending();
    const res = this.res;
    res.cork(() => {
      writeResponseHead(this.res, status, headers);
      res.write(body);
    });
    res.resume(); // a body paused for flow control must flow to be discarded
    this.lingering = { discarded: 0, timer: setTimeout(() => this.stopLingering(), LINGER_MS) };
    this.wakeDrainWaiters();
  }

  private discard(bytes: number, last: boolean): void {
    this.lingering!.discarded += bytes;
    if (last || this.lingering!.discarded > LINGER_BYTES) this.stopLingering();
  }

  /** Ends the chunked answer; uWS then closes the connection (the request asked it to). */
  private stopLingering(): void {
    if (!this.lingering) return;
    clearTimeout(this.lingering.timer);
    this.lingering = null;
    // Not end(…, true): after write() that puts a Connection header into the body.
    this.res.cork(() => this.res.end(''));
  }

  close(): void {
    if (this.state !== 'open') return;
    this.ending();
    this.res.close();
    this.wakeDrainWaiters();
  }

  private writeAndEnd(status: string, headers: HeaderList, body: string | Buffer, closeConnection: boolean): void {
    writeResponseHead(this.res, status, headers);
    this.res.end(body, closeConnection);
  }

  private aborted(): void {
    if (this.lingering) {
      clearTimeout(this.lingering.timer);
      this.lingering = null;
    }
    if (this.state !== 'open') return;
    this.bodyReader = null;
    this.markAborted();
  }
}
