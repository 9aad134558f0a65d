import { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import type { WebSocket as WsSocket } from 'ws';
import { genLog } from '../common/log';
import type { SendResult, SocketRouteCallbacks, SocketRouteOptions, TransportSocket } from './types';

/** Text messages keep a leading U+FEFF: it is the sender's text, not a byte-order mark to strip. */
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The topics of one server: who is subscribed to what (uWS keeps this per App; so does this, per server). */
export class Topics {
  private readonly subscribers = new Map<string, Set<NodeSocket>>();

  add(topic: string, socket: NodeSocket): boolean {
    let set = this.subscribers.get(topic);
    if (!set) this.subscribers.set(topic, (set = new Set()));
    if (set.has(socket)) return false;
    set.add(socket);
    return true;
  }

  /** Subscribers of `topic`. */
  count(topic: string): number {
    return this.subscribers.get(topic)?.size ?? 0;
  }

  remove(topic: string, socket: NodeSocket): boolean {
    const set = this.subscribers.get(topic);
    if (!set?.delete(socket)) return false;
    if (set.size === 0) this.subscribers.delete(topic);
    return true;
  }

  /**
   * Sends to every subscriber of `topic` but `except`, in subscription order. Text is encoded
   * once for all of them. True when there was a subscriber.
   */
  publish(topic: string, data: string | Buffer, binary: boolean, compress: boolean, except: NodeSocket | null): boolean {
    const set = this.subscribers.get(topic);
    if (!set || set.size === 0) return false;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    // One frame for every subscriber without permessage-deflate, written to its socket as it is.
    let frame: Buffer | null = null;
    // A send may close a socket over its backpressure limit, which deletes it from the set:
    // deleting while iterating a Set is safe (nothing is added by a send).
    for (const socket of set) {
      if (socket === except) continue;
      if (socket.deflates) socket.send(payload, binary, compress);
      else socket.sendFrame((frame ??= wireFrame(payload, binary)));
    }
    return true;
  }
}

/** ws's frame builder (`WebSocket.Sender.frame`, exported by ws but missing from its typings). */
type FrameBuilder = (data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }) => Buffer[];
let frameOf: FrameBuilder | undefined;

/** A whole unmasked frame (RFC 6455 5.2) carrying `payload`, header and data in one buffer. */
function wireFrame(payload: Buffer, binary: boolean): Buffer {
  if (!frameOf) {
    const { Sender } = require('ws') as { Sender: { frame: FrameBuilder } };
    frameOf = Sender.frame.bind(Sender);
  }
  return Buffer.concat(frameOf(payload, { fin: true, rsv1: false, opcode: binary ? 2 : 1, mask: false, readOnly: false }));
}

/** ws's `send` options, one object per combination instead of one per message. */
const SEND_OPTIONS = [false, true].map((binary) => [false, true].map((compress) => ({ binary, compress, fin: true })));

/**
 * One WebSocket on the `ws` package ({@link TransportSocket}), with uWS's semantics: `end()`
 * and `terminate()` run the route's close callback at once (the close handshake finishes in
 * the background), sends over `maxBackpressure` are dropped (and close the socket when the
 * route says so), and a peer that sends nothing for half of `idleTimeout` gets a ping, then is
 * dropped if it stays silent for the other half (what the server sends does not count).
 */
export class NodeSocket implements TransportSocket {
  closed = false;
  /**
   * permessage-deflate was agreed: every message goes through ws's sender, which may hold one
   * back while it compresses another. Without it the sender writes at once, so a frame built
   * for many sockets can be written to this one directly, in order.
   */
  readonly deflates: boolean;
  private subscriptions: Set<string> | null = null;
  /** A ping was sent because the peer was silent, and nothing arrived since. */
  private idlePing = false;
  /** Fires after half of `idleTimeout` without anything received. */
  private idleTimer: NodeJS.Timeout | null = null;
  /** Tells the route a send that ws held back (compressing) went out: wakes writeMessage waiters. */
  private readonly sent: (() => void) | undefined;

  constructor(
    private readonly ws: WsSocket,
    private readonly socket: Duplex & { setTimeout?(ms: number): unknown },
    readonly remoteAddress: string,
    private readonly handler: unknown,
    private readonly options: SocketRouteOptions,
    private readonly callbacks: SocketRouteCallbacks,
    private readonly topicsOfServer: Topics,
  ) {
    this.deflates = ws.extensions !== '';
    if (this.deflates) this.sent = () => this.guard('drain', () => callbacks.drain(handler));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.idleTimer) this.heard();
      // ws validated the UTF-8 and gives each message a buffer of its own: nothing to copy.
      try {
        callbacks.message(handler, isBinary ? data : textDecoder.decode(data), data.length);
      } catch (error) {
        genLog.error('Uncaught exception in the WebSocket message callback', error);
      }
    });
    ws.on('ping', (data: Buffer) => {
      this.heard();
      this.guard('ping', () => callbacks.ping(handler, data));
    });
    ws.on('pong', (data: Buffer) => {
      this.heard();
      this.guard('pong', () => callbacks.pong(handler, data));
    });
    ws.on('close', (code: number, reason: Buffer) => this.closedWith(code, textDecoder.decode(reason)));
    // A protocol error (bad frame, bad UTF-8, too big): ws closes the connection itself.
    ws.on('error', (error) => genLog.debug(`WebSocket from ${remoteAddress} failed: ${error.message}`));
    socket.on('drain', () => this.guard('drain', () => callbacks.drain(handler)));
    if (options.idleTimeout > 0) this.idleTimer = setTimeout(() => this.idle(), (options.idleTimeout * 1000) / 2).unref();
  }

  send(data: string | Buffer, binary: boolean, compress: boolean): SendResult {
    if (this.closed) return 'dropped';
    const ws = this.ws;
    // Nothing waiting (the usual case) is told by the socket alone; ws's count adds what its
    // sender holds back while compressing.
    if ((this.deflates || this.socket.writableLength !== 0) && ws.bufferedAmount > this.options.maxBackpressure) {
      if (this.options.closeOnBackpressureLimit) this.end(1008, 'Backpressure limit exceeded');
      return 'dropped';
    }
    // With permessage-deflate ws may hold the message while it compresses another: its
    // callback says when it went out, as the socket's 'drain' does otherwise.
    ws.send(data, SEND_OPTIONS[+binary][+compress], this.sent);
    return ws.bufferedAmount > 0 ? 'buffered' : 'sent';
  }

  /** Writes a whole frame (see {@link Topics.publish}); only for a socket that {@link deflates} not. */
  sendFrame(frame: Buffer): SendResult {
    if (this.closed || this.ws.readyState !== 1) return 'dropped';
    const socket = this.socket;
    if (socket.writableLength > this.options.maxBackpressure) {
      if (this.options.closeOnBackpressureLimit) this.end(1008, 'Backpressure limit exceeded');
      return 'dropped';
    }
    socket.write(frame);
    return socket.writableLength > 0 ? 'buffered' : 'sent';
  }

  cork(body: () => void): void {
    if (this.closed) return;
    this.socket.cork();
    try {
      body();
    } finally {
      this.socket.uncork();
    }
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.ws.bufferedAmount;
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.close(code, reason);
    this.closedWith(code, reason);
  }

  terminate(): void {
    if (this.closed) return;
    this.ws.terminate();
    this.closedWith(1006, '');
  }

  /** Drops the connection now, also one whose close handshake is still under way (server shutdown). */
  destroy(): void {
    this.ws.terminate();
    this.closedWith(1006, '');
  }

  ping(data: string | Buffer): void {
    if (!this.closed) this.ws.ping(data);
  }

  subscribe(topic: string): boolean {
    if (this.closed || !this.topicsOfServer.add(topic, this)) return false;
    (this.subscriptions ??= new Set()).add(topic);
    return true;
  }

  unsubscribe(topic: string): boolean {
    if (this.closed || !this.subscriptions?.delete(topic)) return false;
    return this.topicsOfServer.remove(topic, this);
  }

  publish(topic: string, data: string | Buffer, binary: boolean, compress: boolean): boolean {
    return !this.closed && this.topicsOfServer.publish(topic, data, binary, compress, this);
  }

  topics(): string[] {
    return this.closed || !this.subscriptions ? [] : [...this.subscriptions];
  }

  /** Something arrived from the peer: it is alive. */
  private heard(): void {
    this.idlePing = false;
    this.idleTimer?.refresh();
  }

  private idle(): void {
    if (this.closed) return;
    if (!this.idlePing) {
      this.idlePing = true;
      this.ws.ping();
      this.idleTimer!.refresh();
      return;
    }
    this.terminate();
  }

  /** The connection is over for the layer above: once, whichever side ended it. */
  private closedWith(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.subscriptions) for (const topic of this.subscriptions) this.topicsOfServer.remove(topic, this);
    this.subscriptions = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.guard('close', () => this.callbacks.close(this.handler, code, reason));
  }

  private guard(what: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      genLog.error(`Uncaught exception in the WebSocket ${what} callback`, error);
    }
  }
}
