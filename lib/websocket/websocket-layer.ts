import type { TransportServer, UpgradeExchange } from '../transport/types';
import type { PathMatch } from '../web/lifecycle';
import { provideSocketLayer, type ApplicationInternals, type SocketLayer } from '../web/socket-layer';
import type { WebSocketRouteSpec } from '../web/router';
import { insertInMatchOrder } from '../web/url-pattern';
import { handshake } from './handshake';
import { ROUTE } from './websocket-handler';
import type { WebSocketHandler } from './websocket-handler';
import { nativeSocketOptions, type ResolvedWebSocketOptions } from './websocket-options';
import { socketCallbacks, WebSocketRoute } from './websocket-route';

/**
 * One application's WebSocket routes: made from the router's specs, registered with the
 * transport (native patterns directly, RegExp ones behind one catch-all), and the handshakes
 * they receive. Provided to the web layer through {@link provideSocketLayer}.
 *
 * @example
 * ```ts
 * // Done by Typhoon when it loads; an application gets its layer in its constructor.
 * provideSocketLayer((app) => new WebSocketLayer(app));
 * ```
 */
export class WebSocketLayer implements SocketLayer {
  private readonly routes: WebSocketRoute[] = [];
  private regexRoutes: WebSocketRoute[] = [];
  compressesTopics = false;

  constructor(private readonly app: ApplicationInternals) {}

  get openCount(): number {
    let count = 0;
    for (const route of this.routes) count += route.handlers.size;
    return count;
  }

  addRoutes(specs: readonly WebSocketRouteSpec[]): void {
    for (const spec of specs) this.routes.push(new WebSocketRoute(spec, this.app.container, this.app.settings, this.app.forwardTopic));
  }

  mount(server: TransportServer): void {
    const regex: WebSocketRoute[] = [];
    for (const route of this.routes) {
      this.compressesTopics ||= route.options.compression !== 'none';
      route.startPings();
      if (!route.pattern.native) {
        insertInMatchOrder(regex, route);
        continue;
      }
      const native = socketCallbacks((exchange, params) => this.upgrade(route, exchange, { args: route.pattern.nativeArgs(exchange.path, params), named: null }));
      server.websocket(route.pattern.source, route.pattern.paramNames.length, nativeSocketOptions(route.options), native);
    }
    if (regex.length === 0) return;
    this.regexRoutes = regex;
    // One native registration serves every RegExp route: it gets the most permissive limits,
    // and each handler enforces its own route's message size, backpressure and compression in
    // JavaScript (the idle timeout is the registration's: the longest of the routes').
    const shared = mostPermissive(regex.map((route) => route.options));
    for (const route of regex) route.checksBackpressure = route.options.maxBackpressure < shared.maxBackpressure;
    server.websocket('/*', 0, nativeSocketOptions(shared), socketCallbacks((exchange) => this.upgradeByRegex(exchange)));
  }

  stopPings(): void {
    for (const route of this.routes) route.stopPings();
  }

  closeAll(code: number, reason: string): void {
    for (const route of this.routes) route.closeAll(code, reason);
  }

  private upgradeByRegex(exchange: UpgradeExchange): void {
    for (const route of this.regexRoutes) {
      const found = route.pattern.match(exchange.path);
      if (found) return this.upgrade(route, exchange, found);
    }
    exchange.end('404 Not Found', ['Content-Type', 'text/plain; charset=UTF-8'], '404: Not Found');
  }

  /** One WebSocket handshake: make the handler, then run it through `handshake()`. */
  private upgrade(route: WebSocketRoute, exchange: UpgradeExchange, match: PathMatch): void {
    const handler = this.app.makeHandler<WebSocketHandler>(route, exchange);
    if (!handler) return;
    handler[ROUTE] = route;
    exchange.onAbort(handler);
    this.app.track(handshake(this.app, handler, route, match));
  }
}

function mostPermissive(options: ResolvedWebSocketOptions[]): ResolvedWebSocketOptions {
  return options.reduce((a, b) => ({
    ...a,
    maxMessageSize: Math.max(a.maxMessageSize, b.maxMessageSize),
    idleTimeout: a.idleTimeout === 0 || b.idleTimeout === 0 ? 0 : Math.max(a.idleTimeout, b.idleTimeout),
    maxBackpressure: Math.max(a.maxBackpressure, b.maxBackpressure),
    compression: a.compression !== 'none' ? a.compression : b.compression,
    // Routes asking to close slow clients are closed by their handlers (writeMessage).
    backpressure: 'drop',
  }));
}

provideSocketLayer((app) => new WebSocketLayer(app));
