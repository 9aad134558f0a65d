import { ConfigurationError } from '../common/errors';
import type { SocketRouteOptions } from '../transport/types';
import type { StandardSchemaV1 } from '../web/validation';

/** Options of `@WebSocket(pattern, options)`; application settings give the defaults. */
export interface WebSocketOptions {
  /** Name for `reverseUrl`. */
  name?: string;
  /** Passed to the handler's `initialize(args)`. */
  initArgs?: Record<string, unknown>;
  /** Largest message accepted, in bytes (default `websocketMaxMessageSize`, 10 MiB); larger closes with 1009. */
  maxMessageSize?: number;
  /** permessage-deflate, used only when the client offers it too: `true`/`'shared'` (no memory per socket), `'dedicated'` (better ratio, ~40 KB per socket). Default false. */
  compression?: boolean | 'shared' | 'dedicated';
  /** Seconds without traffic before uWS closes the connection: 0 (never) or 8..960. Default 120. */
  idleTimeout?: number;
  /**
   * Bytes a socket may have waiting to be sent.
   *
   * @defaultValue 1 MiB
   */
  maxBackpressure?: number;
  /** Over `maxBackpressure`: `'close'` the client (default) or `'drop'` the message. */
  backpressure?: 'close' | 'drop';
  /**
   * Seconds between server pings.
   *
   * @defaultValue `websocketPingInterval`; none when unset
   */
  pingInterval?: number;
  /**
   * Seconds without a pong before closing with 1000 "ping timed out".
   *
   * @defaultValue `websocketPingTimeout`, else max(3 pings, 30 s)
   */
  pingTimeout?: number;
  /** Messages received while `open()` or `onMessage` is still busy that may wait (default 1024); more closes with 1008. */
  maxQueuedMessages?: number;
  /** Bytes those waiting messages may total (default the larger of `maxMessageSize` and 1 MiB); more closes with 1008. */
  maxQueuedBytes?: number;
  /**
   * A Standard Schema (zod, valibot, arktype, ...) every message must satisfy: each is parsed
   * as JSON and checked, and `onMessage` receives the schema's output instead of the text.
   */
  messageSchema?: StandardSchemaV1;
  /**
   * What a message that is not JSON or fails `messageSchema` gets: `'close'` (1007, RFC 6455
   * §7.4.1: data inconsistent with the message's type) or `'reply'` (an error message, the
   * problem details of RFC 9457 as JSON: `{ type, title, status, detail, errors: [{ path,
   * message }] }`, and the connection goes on).
   *
   * @defaultValue 'close'
   */
  invalidMessage?: 'close' | 'reply';
}

/** Options after defaults and validation. */
export interface ResolvedWebSocketOptions {
  maxMessageSize: number;
  compression: 'none' | 'shared' | 'dedicated';
  idleTimeout: number;
  maxBackpressure: number;
  backpressure: 'close' | 'drop';
  pingInterval: number;
  pingTimeout: number;
  maxQueuedMessages: number;
  maxQueuedBytes: number;
  /** `writeMessage` resolves at once while less than this is buffered. */
  lowWaterMark: number;
  messageSchema?: StandardSchemaV1;
  invalidMessage: 'close' | 'reply';
}

/** Application settings WebSocket routes default to. */
export interface WebSocketDefaults {
  websocketMaxMessageSize: number;
  websocketPingInterval?: number;
  websocketPingTimeout?: number;
}

/** Messages up to this much over `maxMessageSize` are refused with a clean 1009 close; bigger ones make the transport fail the connection. */
const PAYLOAD_SLACK = 1024 * 1024;

function check(ok: boolean, route: string, message: string): void {
  if (!ok) throw new ConfigurationError(`WebSocket route '${route}': ${message}`);
}

/** Applies defaults and refuses values uWS would abort on, naming the route and the fix. */
export function resolveWebSocketOptions(route: string, options: WebSocketOptions, defaults: WebSocketDefaults): ResolvedWebSocketOptions {
  const maxMessageSize = options.maxMessageSize ?? defaults.websocketMaxMessageSize;
  check(Number.isInteger(maxMessageSize) && maxMessageSize > 0 && maxMessageSize <= 2 ** 31 - 1 - PAYLOAD_SLACK, route, `maxMessageSize must be a positive integer below 2 GiB, got ${maxMessageSize}`);
  const idleTimeout = options.idleTimeout ?? 120;
  check(Number.isInteger(idleTimeout) && (idleTimeout === 0 || (idleTimeout >= 8 && idleTimeout <= 960)), route, `idleTimeout must be 0 (off) or an integer from 8 to 960 seconds, got ${idleTimeout}`);
  const maxBackpressure = options.maxBackpressure ?? 1024 * 1024;
  check(Number.isInteger(maxBackpressure) && maxBackpressure >= 1024, route, `maxBackpressure must be an integer of at least 1024 bytes, got ${maxBackpressure}`);
  const backpressure = options.backpressure ?? 'close';
  check(backpressure === 'close' || backpressure === 'drop', route, `backpressure must be 'close' or 'drop', got ${String(backpressure)}`);
  const compression = options.compression === true ? 'shared' : options.compression === false || options.compression === undefined ? 'none' : options.compression;
  check(['none', 'shared', 'dedicated'].includes(compression), route, `compression must be true, false, 'shared' or 'dedicated', got ${String(options.compression)}`);
  const pingInterval = options.pingInterval ?? defaults.websocketPingInterval ?? 0;
  check(Number.isFinite(pingInterval) && pingInterval >= 0, route, `pingInterval must be a number of seconds >= 0, got ${pingInterval}`);
  const pingTimeout = options.pingTimeout ?? defaults.websocketPingTimeout ?? Math.max(3 * pingInterval, 30);
  check(Number.isFinite(pingTimeout) && pingTimeout > 0, route, `pingTimeout must be a positive number of seconds, got ${pingTimeout}`);
  const maxQueuedMessages = options.maxQueuedMessages ?? 1024;
  check(Number.isInteger(maxQueuedMessages) && maxQueuedMessages >= 1, route, `maxQueuedMessages must be a positive integer, got ${maxQueuedMessages}`);
  const maxQueuedBytes = options.maxQueuedBytes ?? Math.max(maxMessageSize, 1024 * 1024);
  check(Number.isInteger(maxQueuedBytes) && maxQueuedBytes >= maxMessageSize, route, `maxQueuedBytes must be an integer of at least maxMessageSize (${maxMessageSize}), got ${maxQueuedBytes}`);
  const { messageSchema } = options;
  check(messageSchema === undefined || typeof messageSchema['~standard']?.validate === 'function', route, 'messageSchema must be a Standard Schema (zod 3.24+, valibot 1+, arktype 2+, ...)');
  const invalidMessage = options.invalidMessage ?? 'close';
  check(invalidMessage === 'close' || invalidMessage === 'reply', route, `invalidMessage must be 'close' or 'reply', got ${String(invalidMessage)}`);
  return {
    messageSchema, invalidMessage,
    maxMessageSize, compression: compression as ResolvedWebSocketOptions['compression'], idleTimeout, maxBackpressure, backpressure,
    pingInterval, pingTimeout, maxQueuedMessages, maxQueuedBytes, lowWaterMark: Math.min(64 * 1024, maxBackpressure / 2),
  };
}

/** The transport's options of a route. */
export function nativeSocketOptions(options: ResolvedWebSocketOptions): SocketRouteOptions {
  return {
    maxPayloadLength: options.maxMessageSize + PAYLOAD_SLACK,
    idleTimeout: options.idleTimeout,
    compression: options.compression,
    maxBackpressure: options.maxBackpressure,
    closeOnBackpressureLimit: options.backpressure === 'close',
  };
}
