import type WS from 'ws';
import { WebSocketClosedError } from '../common/errors';
import { HTTPClientError } from '../httpclient/http-client-error';
import type { ResponseChunk } from '../web/json-text';
import { messageData } from '../web/message-data';

/** WebSocket readyState values (as in the standard and ws). */
const CONNECTING = 0;
const OPEN = 1;

/** Options of {@link websocketConnect}. */
export interface WebSocketConnectOptions {
  /** Subprotocols to offer (`Sec-WebSocket-Protocol`). */
  subprotocols?: string[];
  /** Extra handshake headers (cookies, auth, Origin...). */
  headers?: Record<string, string>;
  /** Seconds to wait for the handshake (default 20). */
  connectTimeout?: number;
  /** Largest message accepted, in bytes (default 10 MiB); larger closes with 1009. */
  maxMessageSize?: number;
  /** Seconds between client pings (default: none). */
  pingInterval?: number;
  /** Offer permessage-deflate (default false). */
  compression?: boolean;
  /** Unread messages kept before the socket is paused (default 1024). */
  maxQueuedMessages?: number;
  /** Check the server's TLS certificate (default true; tests with self-signed certificates turn it off). */
  validateCert?: boolean;
  /** Answer server pings automatically (default true). */
  autoPong?: boolean;
}

/** A message as read: text as string, binary as Buffer. */
export type WebSocketMessage = string | Buffer;

/**
 * The client side of a WebSocket, as Tornado's `WebSocketClientConnection`.
 *
 * @example
 * ```ts
 * const conn = await websocketConnect('ws://localhost:8888/chat');
 * await conn.writeMessage('hello');
 * const reply = await conn.readMessage(); // null once closed
 * ```
 */
export class WebSocketClientConnection {
  /** Close code sent by the server (or 1006 when the connection dropped). */
  closeCode: number | null = null;
  closeReason: string | null = null;
  private readonly queue: WebSocketMessage[] = [];
  private readers: Array<(message: WebSocketMessage | null) => void> = [];
  private pinger: NodeJS.Timeout | undefined;
  private closedPromise: Promise<void>;
  private paused = false;

  /** Made by `websocketConnect()` once the handshake completed. */
  constructor(private readonly socket: WS, private readonly options: WebSocketConnectOptions) {
    socket.on('message', (data: Buffer, isBinary: boolean) => this.received(isBinary ? data : data.toString()));
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', (code: number, reason: Buffer) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        clearInterval(this.pinger);
        for (const read of this.readers.splice(0)) read(null);
        resolve();
      });
    });
    socket.on('error', () => undefined);
    if (options.pingInterval) {
      this.pinger = setInterval(() => socket.readyState === OPEN && socket.ping(), options.pingInterval * 1000);
      this.pinger.unref();
    }
  }

  /** The subprotocol the server chose, or null. */
  get selectedSubprotocol(): string | null {
    return this.socket.protocol || null;
  }

  /** True until the close handshake started. */
  get open(): boolean {
    return this.socket.readyState === OPEN;
  }

  /**
   * Sends a message (objects as JSON text). Resolves once the data was written to the socket,
   * so awaiting it keeps a fast writer from filling memory. Rejects with WebSocketClosedError
   * when the connection is closed; a value with no JSON text throws a TypeError at once, as on
   * the server.
   */
  writeMessage(message: ResponseChunk, binary = false): Promise<void> {
    const data = messageData(message, this, 'writeMessage()');
    const sent: Promise<void> =
      this.socket.readyState !== OPEN
        ? Promise.reject(new WebSocketClosedError())
        : new Promise((resolve, reject) => {
            this.socket.send(data, { binary }, (error) => (error ? reject(new WebSocketClosedError(error.message)) : resolve()));
          });
    // Ignored rejections (fire-and-forget writes) must not end the process; awaiting still throws.
    sent.catch(() => undefined);
    return sent;
  }

  /** The next message, or null once the connection is closed. */
  readMessage(): Promise<WebSocketMessage | null> {
    const next = this.queue.shift();
    if (next !== undefined) {
      if (this.paused && this.queue.length < this.limit() / 2) {
        this.paused = false;
        this.socket.resume();
      }
      return Promise.resolve(next);
    }
    if (this.closeCode !== null) return Promise.resolve(null);
    return new Promise((resolve) => this.readers.push(resolve));
  }

  /** Sends a ping. */
  ping(data: string | Buffer = ''): void {
    if (this.socket.readyState === OPEN) this.socket.ping(data);
  }

  /** Starts the close handshake; resolves when the connection is closed. */
  close(code?: number, reason?: string): Promise<void> {
    // A paused reader would never see the server's close frame (ws gives up after 30 s): read
    // on, so the handshake completes; what arrives meanwhile stays readable (received() no
    // longer pauses once the socket is not open).
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.socket.readyState === CONNECTING || this.socket.readyState === OPEN) this.socket.close(code, reason);
    return this.closedPromise;
  }

  /** Drops the TCP connection without a close handshake. */
  terminate(): void {
    this.socket.terminate();
  }

  /** Resolves when the connection is closed. */
  get closed(): Promise<void> {
    return this.closedPromise;
  }

  private received(message: WebSocketMessage): void {
    const read = this.readers.shift();
    if (read) {
      read(message);
      return;
    }
    this.queue.push(message);
    // A reader that falls behind slows the server down instead of growing this queue forever.
    if (!this.paused && this.socket.readyState === OPEN && this.queue.length >= this.limit()) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private limit(): number {
    return this.options.maxQueuedMessages ?? 1024;
  }
}

/** Opens a WebSocket connection; HTTPClientError with the status if the server refuses it. */
export function websocketConnect(url: string, options: WebSocketConnectOptions = {}): Promise<WebSocketClientConnection> {
  return new Promise((resolve, reject) => {
    // ws is loaded on first use (≈ 10 MB a server that opens no client connections need not pay).
    const { WebSocket } = require('ws') as typeof import('ws');
    const socket = new WebSocket(url, options.subprotocols ?? [], {
      headers: options.headers,
      handshakeTimeout: (options.connectTimeout ?? 20) * 1000,
      maxPayload: options.maxMessageSize ?? 10 * 1024 * 1024,
      perMessageDeflate: options.compression ?? false,
      rejectUnauthorized: options.validateCert ?? true,
      autoPong: options.autoPong ?? true,
    });
    const fail = (error: Error) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      reject(error);
    };
    socket.once('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 599;
      response.resume();
      fail(new HTTPClientError(status, `WebSocket handshake refused with ${status} ${response.statusMessage ?? ''}`.trim()));
    });
    socket.once('error', (error) => {
      const timeout = /timed out|timeout/i.test(error.message);
      fail(new HTTPClientError(599, timeout ? `Timeout while connecting to ${url}` : error.message, undefined, { cause: error }));
    });
    socket.once('open', () => {
      socket.removeAllListeners('error');
      socket.removeAllListeners('unexpected-response');
      resolve(new WebSocketClientConnection(socket, options));
    });
  });
}
