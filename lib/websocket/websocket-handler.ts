import { performance } from 'node:perf_hooks';
import { UnsafeValueError, WebSocketClosedError } from '../common/errors';
import { ValidationError } from '../common/http-errors';
import { appLog } from '../common/log';
import { HEADER } from '../web/http-server-request';
import type { ResponseChunk } from '../web/json-text';
import { messageData, wellFormed } from '../web/message-data';
import type { TransportSocket } from '../transport/types';
import { RequestHandler } from '../web/request-handler';
import { validate, type StandardSchemaV1 } from '../web/validation';
import type { WebSocketRoute } from './websocket-route';

/**
 * @internal Keys of a WebSocketHandler's internals, which the WebSocket layer drives (as
 * fastify's lib/symbols.js): symbols, so a user's subclass cannot collide with them, and no
 * extra object per connection (memory per connection is a target).
 */
export const STATE = Symbol('typhoon.ws.state');
/** @internal */ export const SOCKET = Symbol('typhoon.ws.socket');
/** @internal */ export const ROUTE = Symbol('typhoon.ws.route');
/** @internal */ export const LAST_PING = Symbol('typhoon.ws.lastPing');
/** @internal */ export const LAST_PONG = Symbol('typhoon.ws.lastPong');
/** @internal */ export const OPENED = Symbol('typhoon.ws.opened');
/** @internal */ export const RECEIVED = Symbol('typhoon.ws.received');
/** @internal */ export const DRAINED = Symbol('typhoon.ws.drained');
/** @internal */ export const CLOSED = Symbol('typhoon.ws.closed');

/** Where a connection stands: handshake, `open()` running, open, closed. */
export type WebSocketState = 'connecting' | 'opening' | 'open' | 'closed';

/**
 * Marks a promise as handled so a fire-and-forget `writeMessage` to a client that just left
 * never becomes an unhandled rejection (which would end the process); awaiting it still throws.
 */
function quietly<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const NO_MESSAGES: Array<string | Buffer> = [];

/** Bytes of a received message as kept in memory's accounting (UTF-8 length for text). */
function messageBytes(message: string | Buffer): number {
  return typeof message === 'string' ? Buffer.byteLength(message) : message.length;
}

/** Close codes a server may send (RFC 6455 §7.4, plus the application range). */
const SENDABLE_CODES = new Set([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014]);

/**
 * Base class of WebSocket handlers, as Tornado's `WebSocketHandler`. Route it with
 * `@WebSocket`; override `open`, `onMessage`, `onClose`. Before the upgrade it is a
 * `RequestHandler`: `prepare()` may refuse the connection (throw `HTTPError`), and
 * `this.request`, cookies, arguments and `currentUser` stay usable for the connection's life.
 *
 * Messages of one connection are handled one at a time, in order, even when `onMessage` is
 * async; none is delivered before `open()` has completed.
 *
 * @example
 * ```ts
 * @WebSocket('/echo')
 * class EchoSocket extends WebSocketHandler {
 *   async onMessage(message: string | Buffer) {
 *     await this.writeMessage(`You said: ${message}`);
 *   }
 * }
 * ```
 */
export class WebSocketHandler extends RequestHandler {
  static override readonly routeKind = 'websocket';

  /** Close code (from the client's close frame, or the one the server sent). */
  get closeCode(): number | null {
    return this._closeFrame ? this._closeFrame.code : null;
  }
  get closeReason(): string | null {
    return this._closeFrame ? this._closeFrame.reason : null;
  }
  private _closeFrame: { code: number; reason: string } | null = null;
  /** The subprotocol chosen by `selectSubprotocol`. */
  selectedSubprotocol: string | null = null;
  /** Messages dropped over the backpressure limit (with `backpressure: 'drop'`). */
  droppedMessages = 0;

  /** @internal */ [STATE]: WebSocketState = 'connecting';
  /** @internal */ [SOCKET]: TransportSocket | null = null;
  /** @internal */ [ROUTE]!: WebSocketRoute;
  /** @internal Whole milliseconds (`performance.now()`), so they stay small integers in the object. */
  [LAST_PING] = 0;
  /** @internal */ [LAST_PONG] = 0;
  /** Messages waiting for `open()` or a busy `onMessage` (none for most of a connection's life). */
  private _queue: Array<string | Buffer> = NO_MESSAGES;
  /** Bytes in `_queue` (as received): at most the route's `maxQueuedBytes`. */
  private _queuedBytes = 0;
  private _busy = false;
  private _drainWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> | null = null;

  // ---- Override ---------------------------------------------------------------------------

  /** The connection is open; receives the path arguments. May be async: messages wait. */
  open(..._args: string[]): void | Promise<void> {}

  /**
   * A message arrived: text as `string`, binary as `Buffer` (declare it `string | Buffer`), or,
   * with the route's `messageSchema`, the schema's output (declare that type). May be async:
   * the next one waits. What it returns is ignored (unlike an HTTP verb's return value, which
   * is the response): answer with `writeMessage()`.
   */
  onMessage(_message: unknown): void | Promise<void> {}

  /** The connection closed (`closeCode`, `closeReason` are set). */
  onClose(): void {}

  /** A ping arrived (the pong is sent automatically). */
  onPing(_data: Buffer): void {}

  /** A pong arrived. */
  onPong(_data: Buffer): void {}

  /** Accept the handshake from this `Origin`? Default: no Origin, or the same host as `Host`. 403 otherwise. */
  checkOrigin(origin: string): boolean {
    try {
      return new URL(origin).host.toLowerCase() === (this.request[HEADER]('host') ?? '').toLowerCase();
    } catch {
      return false;
    }
  }

  /** Picks one of the subprotocols the client offered, or null for none. */
  selectSubprotocol(_protocols: string[]): string | null {
    return null;
  }

  // ---- Act --------------------------------------------------------------------------------

  /** True once the connection is closed. */
  get closed(): boolean {
    return this[STATE] === 'closed';
  }

  /**
   * Sends a message (objects as JSON text). Resolves when the data was accepted without
   * going over the backpressure limit, so `await`ing it paces a producer to its client;
   * rejects with WebSocketClosedError once closed (a rejection nobody awaits is ignored, so
   * fire-and-forget broadcasts are safe). Over `maxBackpressure` the client is
   * closed (`backpressure: 'close'`) or the message dropped (`'drop'`). Tornado's `write_message`.
   *
   * @param binary true: a binary frame; false: a text frame, also for a Buffer. @defaultValue false
   * @throws TypeError at once for a value with no JSON text (`undefined`, a function, a symbol,
   * a bigint, a circular object) or a Promise (await it first), naming the handler
   * @throws WebSocketClosedError (as a rejection) once the connection is closed
   */
  writeMessage(message: ResponseChunk, binary = false): Promise<void> {
    return quietly(this.send(message, binary));
  }

  private send(message: ResponseChunk, binary: boolean): Promise<void> {
    const socket = this[SOCKET];
    if (!socket || this[STATE] === 'closed' || socket.closed) return Promise.reject(new WebSocketClosedError());
    const data = messageData(message, this, 'writeMessage()');
    const route = this[ROUTE];
    const options = route.options;
    // A RegExp route sharing uWS's larger limit checks its own before sending.
    const over = route.checksBackpressure && socket.bufferedAmount() > options.maxBackpressure;
    const result = over ? 'dropped' : socket.send(data, binary, options.compression !== 'none');
    if (result === 'dropped') {
      if (options.backpressure === 'close' || socket.closed) {
        this.closeForBackpressure();
        return Promise.reject(new WebSocketClosedError('WebSocket closed: the client is not reading (backpressure limit)'));
      }
      this.droppedMessages++;
      return Promise.resolve();
    }
    if (result === 'sent' || socket.bufferedAmount() <= options.lowWaterMark) return Promise.resolve();
    return new Promise((resolve, reject) => (this._drainWaiters ??= []).push({ resolve, reject }));
  }

  /**
   * Starts the close handshake (RFC 6455 §7): `onClose` runs at once. Tornado's `close`.
   *
   * @param code 1000, 1001, 1002, 1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4). @defaultValue 1000
   * @param reason at most 123 bytes of UTF-8
   * @throws UnsafeValueError for another code or a longer reason
   */
  close(code = 1000, reason = ''): void {
    if (!SENDABLE_CODES.has(code) && !(code >= 3000 && code <= 4999)) {
      throw new UnsafeValueError(`Invalid WebSocket close code ${code}: use 1000, 1001, 1008, 1011... or 3000-4999`);
    }
    if (Buffer.byteLength(reason) > 123) throw new UnsafeValueError(`WebSocket close reason is ${Buffer.byteLength(reason)} bytes; at most 123 are allowed`);
    if (this[STATE] === 'closed' || !this[SOCKET]) return;
    this[SOCKET].end(code, wellFormed(reason));
  }

  /**
   * Sends a ping (Tornado's `ping`); the answer arrives in `onPong`.
   *
   * @throws UnsafeValueError for more than 125 bytes of data
   * @throws WebSocketClosedError when the connection is closed
   */
  ping(data: string | Buffer = ''): void {
    if (Buffer.byteLength(data) > 125) throw new UnsafeValueError('WebSocket ping data is limited to 125 bytes');
    if (this[STATE] === 'closed' || !this[SOCKET]) throw new WebSocketClosedError();
    this[SOCKET].ping(data);
  }

  /** Receives messages published to `topic` (in this process; see `app.publish`). */
  subscribe(topic: string): boolean {
    return this[SOCKET]?.subscribe(topic) ?? false;
  }

  unsubscribe(topic: string): boolean {
    return this[SOCKET]?.unsubscribe(topic) ?? false;
  }

  /** Publishes to `topic`'s subscribers except this connection (use `app.publish` to include it). */
  publish(topic: string, message: ResponseChunk, binary = false): boolean {
    if (!this[SOCKET] || this[STATE] === 'closed') return false;
    const data = messageData(message, this, 'publish()');
    this[SOCKET].publish(topic, data, binary, this[ROUTE].options.compression !== 'none');
    // Subscribers in other workers and processes.
    this[ROUTE].forwardTopic(topic, data, binary);
    return true;
  }

  // ---- Driven by the WebSocket layer ------------------------------------------------------

  /** @internal The upgrade completed: run `open()`, then release queued messages. */
  [OPENED](socket: TransportSocket): void {
    this[SOCKET] = socket;
    this[STATE] = 'opening';
    this[LAST_PONG] = this[LAST_PING] = Math.round(performance.now());
    const opened = () => {
      this._busy = false;
      if (this[STATE] !== 'opening') return;
      this[STATE] = 'open';
      this.pump();
    };
    const pending = this.call(() => this.open(...this.pathArgs));
    if (!pending) return opened();
    this._busy = true;
    pending.then(opened, (error) => this.fail(error));
  }

  /** @internal A message arrived. */
  [RECEIVED](data: string | Buffer, size: number): void {
    if (this[STATE] === 'closed') return;
    if (size > this[ROUTE].options.maxMessageSize) {
      this.close(1009, 'Message too big');
      return;
    }
    if (this[STATE] === 'open' && !this._busy && this._queue.length === 0) {
      // The common case: nothing waiting, so no queue at all.
      this.dispatch(data);
      return;
    }
    // Messages wait in memory while open() or an async onMessage runs: bound them in number
    // and in bytes, or one client could make the server hold gigabytes.
    const options = this[ROUTE].options;
    if (this._queue.length >= options.maxQueuedMessages || this._queuedBytes + size > options.maxQueuedBytes) {
      this.close(1008, 'Too many unprocessed messages');
      return;
    }
    if (this._queue === NO_MESSAGES) this._queue = [];
    this._queue.push(data);
    // Counted as pump() will uncount it, from the message itself (`size` is the wire's length).
    this._queuedBytes += messageBytes(data);
    if (this[STATE] === 'open' && !this._busy) this.pump();
  }

  /** @internal uWS says the socket drained. */
  [DRAINED](): void {
    if (!this[SOCKET] || this[SOCKET].bufferedAmount() > this[ROUTE].options.lowWaterMark) return;
    const waiters = this._drainWaiters;
    this._drainWaiters = null;
    if (waiters) for (const waiter of waiters) waiter.resolve();
  }

  /** @internal The connection closed (either side). */
  [CLOSED](code: number, reason: string): void {
    if (this[STATE] === 'closed') return;
    this[STATE] = 'closed';
    this._closeFrame = { code, reason };
    this._queue = NO_MESSAGES;
    this._queuedBytes = 0;
    const waiters = this._drainWaiters;
    this._drainWaiters = null;
    if (waiters) for (const waiter of waiters) waiter.reject(new WebSocketClosedError());
    try {
      this.onClose();
    } catch (error) {
      appLog.error(`Exception in onClose of ${this.constructor.name}`, error);
    }
  }

  /** Runs queued messages one at a time; an async `onMessage` holds the queue until it settles. */
  private pump(): void {
    while (this._queue.length && this[STATE] === 'open' && !this._busy) {
      const message = this._queue.shift()!;
      this._queuedBytes -= messageBytes(message);
      this.dispatch(message);
    }
  }

  /** Hands one message to `onMessage`; an async one holds the queue until it settles. */
  private dispatch(message: string | Buffer): void {
    const schema = this[ROUTE].options.messageSchema;
    const pending = this.call(schema ? () => this.dispatchValid(message, schema) : () => this.onMessage(message));
    if (!pending) return;
    this._busy = true;
    pending.then(() => {
      this._busy = false;
      this.pump();
    }, (error) => this.fail(error));
  }

  /** Parses and checks a message against the route's `messageSchema`; `onMessage` gets the output. */
  private async dispatchValid(message: string | Buffer, schema: StandardSchemaV1): Promise<void> {
    let value: unknown;
    try {
      value = await validate(schema, parseJson(message), 'message');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (this[ROUTE].options.invalidMessage === 'reply') return this.writeMessage(error.problem());
      this.close(1007, 'Invalid message');
      return;
    }
    await this.onMessage(value);
  }

  /** Calls a hook; returns its promise if it is async. A sync exception closes the connection. */
  private call(hook: () => void | Promise<void>): Promise<void> | undefined {
    try {
      const result = hook();
      return result instanceof Promise ? result : undefined;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  /** An exception in `open` or `onMessage` is logged and closes this connection only (1011). */
  private fail(error: unknown): void {
    this._busy = false;
    // The peer left while open()/onMessage awaited writeMessage: expected, not an error.
    if (error instanceof WebSocketClosedError && this[STATE] === 'closed') {
      appLog.debug(`${this.constructor.name} (${this.request.path}): the connection closed while a message was being written`);
      return;
    }
    appLog.error(`Uncaught exception in ${this.constructor.name} (${this.request.path}); closing the connection`, error);
    if (this[STATE] !== 'closed') this.close(1011, 'Internal error');
  }

  private closeForBackpressure(): void {
    if (this[SOCKET] && !this[SOCKET].closed) this[SOCKET].end(1008, 'Backpressure limit exceeded');
  }
}

/** A message as JSON for a schema; malformed JSON is a validation failure of its own. */
function parseJson(message: string | Buffer): unknown {
  try {
    return JSON.parse(typeof message === 'string' ? message : message.toString('utf8'));
  } catch (error) {
    throw new ValidationError([{ path: '', message: `Malformed JSON: ${(error as Error).message}` }], 'message');
  }
}
