import { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { genLog } from '../common/log';
import { STREAM_CHUNK, streamBuffers } from './buffer-pool';
import { CopiedExchange } from './copied-exchange';
import { internHeaderName, sharedHeaderValue } from './header-strings';
import { requestTarget, splitStatus, withHeaders } from './node-wire';
import { bodySourceEnded, ExchangeListeners, LINGER_BYTES, LINGER_MS } from './exchange-listeners';
import type { ExchangeContext, HeaderList, PullSource, UpgradeExchange } from './types';

/** Bytes of a streamed body read and written at a time. */
const EMPTY = Buffer.alloc(0);

/**
 * Marks a connection whose framing was refused: node has already parsed the requests behind
 * the refused one (they may be smuggled), and none of them may run.
 */
export const REFUSED = Symbol('typhoon.refusedConnection');

/** Where an upgrade request goes if the handshake completes: set by the server for WebSocket routes. */
export interface UpgradeTarget {
  /** Opens the WebSocket on `socket` (answering 101); false when the client is already gone. */
  open(exchange: NodeExchange, handler: unknown, protocol: string, compress: boolean): boolean;
}

/** The exchanges of a connection that are still open: told when it closes (one listener per connection, not per request). */
const OPEN_EXCHANGES = Symbol('typhoon.openExchanges');
/** Requests parsed behind {@link MAX_PIPELINED} open ones, waiting for their turn to run. */
const DEFERRED = Symbol('typhoon.deferredRequests');
type Connection = NonNullable<IncomingMessage['socket']> & { [OPEN_EXCHANGES]?: NodeExchange[]; [DEFERRED]?: Array<() => void> };

/**
 * Requests of one connection handled at once. node parses every pipelined request it has read
 * and hands each over at once; past this many, the rest wait (costing their parsed head only)
 * instead of each opening files and filling buffers for answers that cannot be sent yet.
 */
export const MAX_PIPELINED = 8;

function connectionClosed(this: Connection): void {
  const open = this[OPEN_EXCHANGES];
  this[DEFERRED] = undefined;
  if (!open) return;
  this[OPEN_EXCHANGES] = [];
  for (const exchange of open) exchange.aborted();
}

/**
 * True when a request of `connection` may run now; otherwise `run` is kept and called when one
 * of the connection's open exchanges ends (never, if the connection closes first).
 */
export function admit(connection: IncomingMessage['socket'], run: () => void): boolean {
  const socket = connection as Connection | null;
  const open = socket?.[OPEN_EXCHANGES];
  if (!open || open.length < MAX_PIPELINED) return true;
  (socket![DEFERRED] ??= []).push(run);
  return false;
}

/**
 * Closes a connection whose client may still be sending (a body refused or left unread) the way
 * nginx and Go do: the answer, then our FIN, then reading on and discarding for a bounded time
 * and amount. Closing at once would reset the connection while the client sends, and a reset
 * can discard the answer before the client reads it.
 */
function lingeringClose(socket: NonNullable<IncomingMessage['socket']>): void {
  socket.end();
  socket.resume(); // a body paused for flow control must flow to be discarded
  const start = socket.bytesRead;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  const count = () => {
    if (socket.bytesRead - start > LINGER_BYTES) socket.destroy();
  };
  socket.on('data', count);
  socket.once('close', () => {
    clearTimeout(timer);
    socket.off('data', count);
  });
}

/**
 * A {@link UpgradeExchange} over one `node:http` request and response. The request stays valid
 * for the whole exchange, so nothing is copied up front; the abort listener is node's `close`
 * event of the response (or of the socket, for an upgrade request that has no response of its
 * own until it is answered). Pipelined requests are answered in order by `node:http` itself.
 */
export class NodeExchange extends ExchangeListeners implements UpgradeExchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  private headers: HeaderList | null = null;
  private hosts = -1;
  private remote: string | null = null;
  private hearsDrain = false;
  /** A body is being read and has not ended, or was refused: the connection closes after the answer. */
  private bodyPending = false;
  /** Set when this request may become a WebSocket. */
  upgradeTarget: UpgradeTarget | null = null;

  readonly protocol: string;

  /**
   * @param res the response; for an upgrade request, one made on its socket by the server
   * @param context the server's: TLS or not, and whether it is closing gracefully
   */
  constructor(private readonly req: IncomingMessage, private readonly res: ServerResponse, private readonly context: ExchangeContext) {
    super();
    this.protocol = context.ssl ? 'https' : 'http';
    this.method = req.method ?? 'GET';
    const url = requestTarget(req.url ?? '/');
    const mark = url.indexOf('?');
    this.path = mark < 0 ? url : url.slice(0, mark);
    this.query = mark < 0 ? '' : url.slice(mark + 1);
    const connection = req.socket as Connection | null;
    if (connection) {
      let open = connection[OPEN_EXCHANGES];
      if (!open) {
        connection[OPEN_EXCHANGES] = open = [];
        connection.once('close', connectionClosed);
      }
      open.push(this);
    }
  }

  get version(): string {
    return `HTTP/${this.req.httpVersion}`;
  }

  header(name: string): string {
    const value = this.req.headers[name];
    if (value === undefined) return '';
    return typeof value === 'string' ? value : value[0];
  }

  headerList(): HeaderList {
    if (this.headers) return this.headers;
    const raw = this.req.rawHeaders;
    const list: HeaderList = new Array(raw.length);
    for (let i = 0; i < raw.length; i += 2) {
      list[i] = internHeaderName(raw[i].toLowerCase());
      list[i + 1] = raw[i + 1];
    }
    return (this.headers = list);
  }

  hostLines(): number {
    if (this.hosts >= 0) return this.hosts;
    // node keeps the first Host in `headers` and drops the others; rawHeaders has every line.
    const raw = this.req.rawHeaders;
    let count = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i];
      if (name.length === 4 && (name === 'Host' || name.toLowerCase() === 'host')) count++;
    }
    return (this.hosts = count);
  }

  get remoteAddress(): string {
    if (this.remote === null) {
      const address = this.req.socket?.remoteAddress ?? '';
      // A dual-stack socket reports IPv4 clients as IPv4-mapped IPv6 addresses.
      this.remote = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    }
    return this.remote;
  }

  keepRemoteAddress(): void {
    void this.remoteAddress; // node reads it from the socket, cheaply, while the socket is there
  }

  readBody(onChunk: (chunk: Uint8Array, last: boolean) => void): void {
    this.bodyPending = true;
    this.req.on('data', (chunk: Buffer) => onChunk(chunk, false));
    this.req.once('end', () => {
      this.bodyPending = false;
      onChunk(EMPTY, true);
    });
  }

  pauseBody(): void {
    if (this.state === 'open') this.req.pause();
  }

  resumeBody(): void {
    if (this.state === 'open') this.req.resume();
  }

  /** node keeps no timer of its own on a body in progress (its `requestTimeout` is set above ours). */
  refreshTimeout(): void {}

  end(status: string, headers: HeaderList, body: string | Buffer, closeConnection = false): void {
    if (this.state !== 'open') return;
    this.settle();
    const [code, reason] = splitStatus(status);
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const close = closeConnection || this.bodyPending || this.context.draining;
    if (close) this.closeAfterAnswer();
    this.res.writeHead(code, reason, withHeaders(headers, length, close));
    this.res.end(body);
  }

  endWithoutBody(status: string, headers: HeaderList, closeConnection = false): void {
    if (this.state !== 'open') return;
    this.settle();
    const [code, reason] = splitStatus(status);
    const close = closeConnection || this.bodyPending || this.context.draining;
    if (close) this.closeAfterAnswer();
    this.res.writeHead(code, reason, close ? withHeaders(headers, null, true) : headers);
    this.res.end();
  }

  writeHead(status: string, headers: HeaderList): void {
    if (this.state !== 'open') return;
    const [code, reason] = splitStatus(status);
    const close = this.context.draining;
    if (close) this.closeAfterAnswer();
    this.res.writeHead(code, reason, close ? withHeaders(headers, null, true) : headers);
    this.res.flushHeaders();
  }

  write(chunk: string | Buffer): boolean {
    if (this.state !== 'open') return true;
    return this.res.write(chunk);
  }

  drained(): Promise<void> {
    if (this.state !== 'open' || !this.res.writableNeedDrain) return Promise.resolve();
    if (!this.hearsDrain) {
      this.hearsDrain = true;
      this.res.on('drain', () => this.wakeDrainWaiters());
    }
    return new Promise((resolve) => void this.addDrainWaiter(resolve));
  }

  async endStream(status: string, headers: HeaderList, source: PullSource): Promise<void> {
    if (this.state !== 'open') {
      source.close();
      return;
    }
    const res = this.res;
    const size = source.size;
    const buffers: Buffer[] = [];
    const written: Array<Promise<void> | null> = [null, null];
    let reading = false;
    try {
      const [code, reason] = splitStatus(status);
      const close = this.bodyPending || this.context.draining;
      if (close) this.closeAfterAnswer();
      res.writeHead(code, reason, withHeaders(headers, size, close));
      // Two buffers, one being filled while node writes the other: node keeps a buffer until
      // the kernel took it, so each is refilled only once its write called back.
      buffers.push(streamBuffers.take(size));
      if (size > STREAM_CHUNK) buffers.push(streamBuffers.take(size));
      for (let sent = 0, turn = 0; sent < size; turn = (turn + 1) % buffers.length) {
        if (written[turn]) await this.whileOpen(written[turn]!);
        if (this.state !== 'open') return;
        reading = true;
        const count = await source.read(buffers[turn]);
        reading = false;
        if (this.state !== 'open') return;
        if (count === 0) throw bodySourceEnded(size);
        sent += count;
        let ok = true;
        written[turn] = new Promise((resolve) => (ok = res.write(buffers[turn].subarray(0, count), () => resolve())));
        if (!ok) await this.drained();
      }
      if (this.state !== 'open') return;
      this.settle();
      res.end();
    } catch (error) {
      if (this.state === 'open') {
        genLog.error('Error while streaming a response body; closing the connection', error);
        this.close();
      }
    } finally {
      source.close();
      this.wakeDrainWaiters();
      // Back to the pool once node no longer holds them: a write not called back (the socket
      // was destroyed) leaves its buffer to the collector, as does a failed read.
      if (!reading) buffers.forEach((buffer, i) => (written[i] ? void written[i]!.then(() => streamBuffers.give(buffer)) : streamBuffers.give(buffer)));
    }
  }

  endChunked(chunk?: string | Buffer): void {
    if (this.state !== 'open') return;
    this.settle();
    if (this.bodyPending) this.closeAfterAnswer();
    this.res.end(chunk);
  }

  closeWhenDone(): void {
    this.bodyPending = true;
    // Requests node parsed behind this one (smuggled ones, maybe) must not run.
    const socket = this.req.socket as (NonNullable<IncomingMessage['socket']> & { [REFUSED]?: true }) | null;
    if (socket) socket[REFUSED] = true;
  }

  /**
   * The connection ends after this answer (`Connection: close`): nothing parsed behind it runs,
   * and once the answer is out the connection closes lingering (see lingeringClose). node closes
   * a connection after such an answer with the socket's `destroySoon()`, which would reset it
   * while the client still sends: this socket's is replaced.
   */
  private closeAfterAnswer(): void {
    const socket = this.req.socket as (NonNullable<IncomingMessage['socket']> & { [REFUSED]?: true }) | null;
    if (!socket) return;
    socket[REFUSED] = true;
    socket.destroySoon = () => lingeringClose(socket);
  }

  close(): void {
    if (this.state !== 'open') return;
    this.settle();
    this.req.socket?.destroy();
  }

  upgrade(handler: unknown, protocol: string, compress: boolean): boolean {
    const target = this.upgradeTarget;
    if (this.state !== 'open') return false;
    if (!target) {
      // A handshake node did not take for one (its parser saw no upgrade, e.g. "Connection:
      // Upgrade\t"): there is no socket to switch; answer rather than leave it waiting.
      this.end('400 Bad Request', ['Content-Type', 'text/plain; charset=UTF-8'], 'Malformed WebSocket handshake', true);
      return false;
    }
    this.settle();
    void this.remoteAddress; // kept by the WebSocket for its life
    this.handOver();
    return target.open(this, handler, protocol, compress);
  }

  upgradedCopy(): CopiedExchange {
    const headers = this.headerList().slice();
    for (let i = 0; i < headers.length; i += 2) headers[i + 1] = sharedHeaderValue(headers[i], headers[i + 1]);
    return new CopiedExchange(this.method, this.protocol, this.version, this.path, this.query, headers, this.remoteAddress);
  }

  /** The node request, for the WebSocket upgrade. */
  get request(): IncomingMessage {
    return this.req;
  }

  /** Waits for `promise`, or until the exchange is over (an aborted write may never call back). */
  private whileOpen(promise: Promise<void>): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    return new Promise((resolve) => {
      this.addDrainWaiter(resolve);
      void promise.then(resolve);
    });
  }

  /** The response is complete (or handed over): no abort is reported from now on. */
  private settle(): void {
    this.state = 'finished';
    const connection = this.req.socket as Connection | null;
    const open = connection?.[OPEN_EXCHANGES];
    if (open) {
      const at = open.lastIndexOf(this);
      if (at === open.length - 1) open.pop();
      else if (at >= 0) open.splice(at, 1);
      const next = connection![DEFERRED]?.shift();
      if (next) setImmediate(next);
    }
    this.wakeDrainWaiters();
  }

  /** The connection closed while this exchange was open. */
  aborted(): void {
    if (this.state === 'open') this.markAborted();
  }
}
