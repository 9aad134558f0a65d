import type { WebSocket as UwsWebSocket } from 'uWebSockets.js';
import type { SendResult, TransportSocket } from './types';

/**
 * What uWS keeps per WebSocket. uWS copies the user data's properties onto its native socket
 * object, so it is a single property: everything else lives on the {@link UwsSocket}.
 */
export interface SocketUserData {
  socket: UwsSocket;
}

const SEND_RESULTS: SendResult[] = ['buffered', 'sent', 'dropped'];

/**
 * One uWS WebSocket ({@link TransportSocket}): made at the upgrade with the owner's handler
 * and the peer address, attached to the native socket at `open`. Valid from `open` to
 * `close`; after `close` nothing touches the native object again (uWS would abort the process).
 */
export class UwsSocket implements TransportSocket {
  closed = false;
  private ws!: UwsWebSocket<SocketUserData>;

  /** @param handler the WebSocket layer's per-connection object (opaque to the transport) */
  constructor(readonly handler: unknown, readonly remoteAddress: string) {}

  /** The native socket opened. */
  attach(ws: UwsWebSocket<SocketUserData>): void {
    this.ws = ws;
  }

  send(data: string | Buffer, binary: boolean, compress: boolean): SendResult {
    if (this.closed) return 'dropped';
    return SEND_RESULTS[this.ws.send(data, binary, compress)];
  }

  /** Several sends in one syscall. */
  cork(body: () => void): void {
    if (!this.closed) this.ws.cork(body);
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  /** Close handshake with a code and reason; uWS calls the close handler synchronously. */
  end(code: number, reason: string): void {
    if (!this.closed) this.ws.end(code, reason);
  }

  /** Drops the connection without a close frame. */
  terminate(): void {
    if (!this.closed) this.ws.close();
  }

  ping(data: string | Buffer): void {
    if (!this.closed) this.ws.ping(data);
  }

  subscribe(topic: string): boolean {
    return !this.closed && this.ws.subscribe(topic);
  }

  unsubscribe(topic: string): boolean {
    return !this.closed && this.ws.unsubscribe(topic);
  }

  /** Publishes to a topic: every subscriber of this App except this socket. */
  publish(topic: string, data: string | Buffer, binary: boolean, compress: boolean): boolean {
    return !this.closed && this.ws.publish(topic, data, binary, compress);
  }

  topics(): string[] {
    return this.closed ? [] : this.ws.getTopics();
  }
}
