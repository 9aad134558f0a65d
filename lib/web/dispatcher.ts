import { genLog, isLogEnabled, logAccess } from '../common/log';
import type { Constructor } from '../di/reflection';
import type { ServerExchange, TransportServer } from '../transport/types';
import type { Application } from './application';
import { BodyReader, type BodyLimits } from './body-reader';
import { closeEventStreams } from './event-stream-budget';
import { HandlerInternals, INTERNALS } from './handler-internals';
import type { HandlerRoute } from './handler-route';
import { runResponseHooks, type Hooks } from './hooks';
import { HEADER, HTTPServerRequest } from './http-server-request';
import { execute, handleException, type RouteMatch } from './lifecycle';
import { acceptsGzip } from './negotiation';
import { RequestHandler } from './request-handler';
import { refuseRequest } from './request-framing';
import type { Router } from './router';
import type { SocketLayer } from './socket-layer';
import type { ResolvedSettings } from './settings';
import { fastStaticRoute, serveFromMemory } from './static-fast-path';
import type { StaticFiles } from './static-files';

/** What the dispatcher needs to mount routes with the static fast path. */
export interface MountContext {
  router: Router;
  defaultRoute: HandlerRoute;
  /** False when every request must reach a handler (each gets a request id). */
  fastStatic: boolean;
  /** True when StaticFileHandler is replaced in the container (then only it may answer). */
  staticHandlerReplaced: boolean;
  staticFileCache(root: string): StaticFiles;
}

/** What makes a route's handlers: its factory and the class it makes. */
export interface HandlerSource<H> {
  readonly create: () => H;
  readonly handlerClass: Constructor;
}

const standIns = new WeakMap<Constructor, typeof RequestHandler>();

/**
 * A plain RequestHandler class carrying the name of `cls`: it answers for a handler that could
 * not be made, and the error log, `onError` hooks and metrics name the class that failed.
 */
function standInFor(cls: Constructor): typeof RequestHandler {
  let standIn = standIns.get(cls);
  if (!standIn) {
    standIn = class extends RequestHandler {};
    Object.defineProperty(standIn, 'name', { value: cls.name });
    standIns.set(cls, standIn);
  }
  return standIn;
}

/**
 * The path of an HTTP request through an application: the transport's callbacks (mounted
 * here, with the in-memory static fast path), the handler made through DI, the request-framing
 * checks, the body reader, the lifecycle, the handler timeout, the access log and `onResponse`
 * hooks at the end; and the count of requests in flight that a graceful `close()` drains.
 * Tornado's `_HandlerDelegate` and `HTTPServer`'s connection bookkeeping, in one place.
 */
export class Dispatcher {
  private inflight = 0;
  /** Requests dispatched so far (the static fast path's too): a drain watches it for late arrivals. */
  private requests = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly app: Application,
    private readonly settings: ResolvedSettings,
    private readonly hooks: Hooks,
    private readonly bodyLimits: BodyLimits,
  ) {}

  /**
   * Puts the HTTP routes on a transport: native patterns (with the static fast path), then the
   * rest.
   */
  mount(server: TransportServer, context: MountContext): void {
    for (const route of context.router.native) {
      const pattern = route.pattern;
      // A route without parameters matches the same way every time: one match object for all.
      const fixed: RouteMatch | null = pattern.fixed ? { route, args: Object.freeze([]) as unknown as string[], named: null } : null;
      const fast = context.fastStatic && fastStaticRoute(route, this.settings, context.staticHandlerReplaced);
      const files = fast ? context.staticFileCache(String(route.initArgs.path)) : null;
      server.route(pattern.source, pattern.paramNames.length, (exchange, params) => {
        if (files && exchange.method === 'GET' && serveFromMemory(exchange, files, exchange.path.slice(pattern.wildcardAt))) {
          this.requests++;
          return;
        }
        this.dispatch(exchange, fixed ?? { route, args: pattern.nativeArgs(exchange.path, params), named: null });
      }, [...route.verbs.keys()]);
    }
    const { router, defaultRoute } = context;
    server.fallback((exchange) => this.dispatch(exchange, router.matchRegex(exchange.path) ?? { route: defaultRoute, args: [], named: null }));
  }

  /** One request: make the handler, refuse bad framing, start reading the body, run the lifecycle. */
  dispatch(exchange: ServerExchange, match: RouteMatch): void {
    this.requests++;
    const settings = this.settings;
    const request = new HTTPServerRequest(exchange, settings);
    // The access log reads the address after the response ended (uWS would no longer have it).
    if (settings.logFunction || isLogEnabled('info', 'access')) exchange.keepRemoteAddress();
    const handler = this.makeHandler(match.route, exchange, request);
    if (!handler) return;
    const internals = handler[INTERNALS];
    if (settings.compressResponse) internals.compression = acceptsGzip(request[HEADER]('accept-encoding')) ? 'gzip' : 'identity';
    exchange.onAbort(handler);
    const length = exchange.header('content-length');
    const encoding = exchange.header('transfer-encoding');
    const hasBody = encoding !== '' || (length !== '' && length !== '0');
    const refusal = refuseRequest(exchange, length, encoding, settings);
    if (refusal) {
      // A body too large (413) is framed soundly: it is read and discarded while the answer
      // goes out (closing at once would reset the connection under a client still sending).
      // Otherwise (431, or framing that cannot be trusted) never read on from this
      // connection. Answer only after the native callback: bytes behind this request are
      // already in uWS's buffer, and uWS would parse and run them as the next request if this
      // response ended now, whereas it drops the connection when a pipelined request arrives
      // while a response is pending.
      if (refusal.statusCode === 413 && hasBody) exchange.readBody(() => undefined);
      else exchange.closeWhenDone();
      setImmediate(() => this.track(handleException(handler, refusal)));
      return;
    }
    const body = hasBody ? new BodyReader(exchange, this.bodyLimits, length === '' ? null : Number(length), !match.route.streamBody) : null;
    const lifecycle = execute(handler, match, body);
    if (!lifecycle) return body?.release(); // answered inside the native callback
    const limit = settings.handlerTimeout;
    if (limit === undefined && !body) return this.track(lifecycle);
    const timer = limit === undefined ? undefined : setTimeout(() => void internals.timedOut(limit), limit * 1000);
    this.track(
      lifecycle.finally(() => {
        clearTimeout(timer);
        body?.release(); // the body's memory counts against the budget until the request ends
      }),
    );
  }

  /**
   * Makes a handler through DI; if that fails (a factory that throws, a constructor that
   * throws: what the start-up check cannot see), answers 500 through a stand-in named after the
   * route's class, so the error is logged once, as "in ItemHandler", and returns null.
   */
  makeHandler<H extends RequestHandler>(route: HandlerSource<H>, exchange: ServerExchange, request = new HTTPServerRequest(exchange, this.settings)): H | null {
    try {
      const handler = route.create();
      HandlerInternals.attach(handler, this.app, request, exchange, this.responded);
      return handler;
    } catch (error) {
      const fallback = new (standInFor(route.handlerClass))();
      HandlerInternals.attach(fallback, this.app, request, exchange, this.responded);
      this.track(handleException(fallback, error));
      return null;
    }
  }

  /** Counts a request as in flight until its lifecycle settles. */
  track(lifecycle: Promise<void>): void {
    this.inflight++;
    lifecycle.then(this.settled, this.settled);
  }

  /** A lifecycle settled (one function for every request, not two closures each). */
  private readonly settled = (): void => {
    if (--this.inflight === 0 && this.idleWaiters.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  /**
   * Closes one server gracefully: it stops accepting; every response from now on, those in
   * flight too, says `Connection: close` (RFC 9112 §9.6), so keep-alive clients send nothing
   * more on a connection about to close; WebSockets close with 1001; requests in flight finish
   * (up to `timeoutSeconds`); then what is left is cut.
   */
  async closeServer(server: TransportServer, sockets: SocketLayer, timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    server.stopListening();
    server.drain();
    sockets.stopPings();
    sockets.closeAll(1001, 'Server shutting down');
    closeEventStreams(this.app);
    // A keep-alive client whose last answer came before the drain began (without Connection:
    // close) may have its next request on the way: it is served, not reset. So the drain ends
    // only after a quiet spell with nothing in flight and nothing new: 20 ms when the server
    // was idle (it also lets the close frames reach the wire), 250 ms once it was not.
    let quiet = this.inflight === 0 ? 20 : 250;
    for (;;) {
      await this.drain(Math.max(0, deadline - Date.now()) / 1000);
      const seen = this.requests;
      await new Promise((resolve) => setTimeout(resolve, quiet));
      if ((this.requests === seen && this.inflight === 0) || Date.now() >= deadline) break;
      quiet = 250;
    }
    server.closeAll();
  }

  /** Resolves once no request is in flight, or after `timeoutSeconds` (logged). */
  drain(timeoutSeconds: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        genLog.warn(`Closing with ${this.inflight} request(s) still in flight after ${timeoutSeconds}s`);
        resolve();
      }, timeoutSeconds * 1000);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The response went out: the access log (or `logFunction`) and the `onResponse` hooks. */
  readonly responded = (handler: RequestHandler): void => {
    const logFunction = this.settings.logFunction;
    if (logFunction) {
      try {
        logFunction(handler);
      } catch (error) {
        genLog.error('logFunction threw', error);
      }
    } else if (isLogEnabled(handler.getStatus() < 400 ? 'info' : 'warn', 'access')) {
      const request = handler.request;
      logAccess({
        status: handler.getStatus(),
        method: request.method,
        uri: request.uri,
        path: request.path,
        remoteIp: request.remoteIp,
        seconds: request.requestTime(),
        bytes: handler[INTERNALS].out.bytesSent,
        requestId: handler.requestId,
      });
    }
    if (this.hooks.onResponse.length) runResponseHooks(this.hooks.onResponse, handler);
  };
}
