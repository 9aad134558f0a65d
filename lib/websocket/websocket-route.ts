import { performance } from 'node:perf_hooks';
import type { DependencyContainer } from 'tsyringe';
import { handlerFactory } from '../di/handler-factory';
import type { Constructor } from '../di/reflection';
import { genLog } from '../common/log';
import type { SocketRouteCallbacks, TransportSocket, UpgradeExchange } from '../transport/types';
import type { WebSocketRouteSpec } from '../web/router';
import type { Step } from '../web/lifecycle';
import { UrlPattern } from '../web/url-pattern';
import { CLOSED, DRAINED, LAST_PING, LAST_PONG, OPENED, RECEIVED, ROUTE, STATE, type WebSocketHandler } from './websocket-handler';
import { resolveWebSocketOptions, type ResolvedWebSocketOptions, type WebSocketDefaults } from './websocket-options';

/**
 * One WebSocket route: pattern, handler factory, validated options, the connections open on
 * it, and their ping schedule (one timer per route, not per socket).
 */
export class WebSocketRoute {
  readonly pattern: UrlPattern;
  readonly create: () => WebSocketHandler;
  /** The class `create` makes (named in the log when making one fails). */
  readonly handlerClass: Constructor;
  readonly options: ResolvedWebSocketOptions;
  readonly initArgs: Record<string, unknown>;
  readonly handlers = new Set<WebSocketHandler>();
  /**
   * @internal Set when the route shares its native registration with RegExp routes that allow
   * more backpressure: uWS then enforces the larger limit, and `writeMessage` this route's.
   */
  checksBackpressure = false;
  /** @internal The handshake's lifecycle steps, built on the first handshake, for this handler class. */
  lifecycle: Step[] | null = null;
  /** @internal The class `lifecycle` was built for. */
  lifecycleFor: unknown = null;
  private pinger: NodeJS.Timeout | undefined;

  /**
   * @param forwardTopic carries what a handler published to its own thread's subscribers to
   * the other workers and processes (the application's pub/sub)
   */
  constructor(spec: WebSocketRouteSpec, container: DependencyContainer, defaults: WebSocketDefaults, readonly forwardTopic: (topic: string, data: string | Buffer, binary: boolean) => void) {
    this.pattern = new UrlPattern(spec.pattern);
    this.options = resolveWebSocketOptions(this.pattern.source, spec.options, defaults);
    this.handlerClass = spec.handlerClass;
    this.create = handlerFactory(container, spec.handlerClass as Constructor<WebSocketHandler>);
    this.initArgs = spec.initArgs;
  }

  /** Starts pinging every open socket, closing those whose pong is overdue (Tornado's rule). */
  startPings(): void {
    const { pingInterval, pingTimeout } = this.options;
    if (!pingInterval || this.pinger) return;
    this.pinger = setInterval(() => {
      const now = Math.round(performance.now());
      for (const handler of this.handlers) {
        if (handler[STATE] !== 'open') continue;
        const sinceLastPing = now - handler[LAST_PING];
        const sinceLastPong = now - handler[LAST_PONG];
        if (sinceLastPing < 2 * pingInterval * 1000 && sinceLastPong > pingTimeout * 1000) {
          handler.close(1000, 'ping timed out');
          continue;
        }
        handler.ping();
        handler[LAST_PING] = now;
      }
    }, pingInterval * 1000);
    this.pinger.unref();
  }

  stopPings(): void {
    clearInterval(this.pinger);
    this.pinger = undefined;
  }

  /** Closes every open socket with `code` (1001 on shutdown). */
  closeAll(code: number, reason: string): void {
    for (const handler of [...this.handlers]) handler.close(code, reason);
  }
}

/**
 * Transport callbacks shared by every WebSocket route: each connection's handler knows its
 * route. `upgrade` is the application's handshake.
 */
export function socketCallbacks(upgrade: (exchange: UpgradeExchange, params: string[]) => void): SocketRouteCallbacks {
  const handlerOf = (attached: unknown) => attached as WebSocketHandler;
  return {
    upgrade,
    open: (attached, socket: TransportSocket) => {
      const handler = handlerOf(attached);
      handler[ROUTE].handlers.add(handler);
      handler[OPENED](socket);
    },
    message: (attached, data, size) => handlerOf(attached)[RECEIVED](data, size),
    drain: (attached) => handlerOf(attached)[DRAINED](),
    close: (attached, code, reason) => {
      const handler = handlerOf(attached);
      handler[ROUTE].handlers.delete(handler);
      handler[CLOSED](code, reason);
    },
    ping: (attached, data) => safely(handlerOf(attached), 'onPing', () => handlerOf(attached).onPing(data)),
    pong: (attached, data) => {
      const handler = handlerOf(attached);
      handler[LAST_PONG] = Math.round(performance.now());
      safely(handler, 'onPong', () => handler.onPong(data));
    },
  };
}

function safely(handler: WebSocketHandler, hook: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    genLog.error(`Exception in ${hook} of ${handler.constructor.name}`, error);
  }
}
