import type { DependencyContainer } from 'tsyringe';
import { genLog } from '../common/log';
import { checkHandlerGraph } from '../di/graph-check';
import type { Constructor } from '../di/reflection';
import type { HandlerRoute } from './handler-route';
import { NoRouteHandler } from './no-route-handler';
import { noteGiven, RouteDiscovery } from './route-discovery';
import { Router, type HandlerSpec } from './router';
import { checkServedFolders } from './served-folders';
import type { ResolvedSettings } from './settings';
import type { SocketLayer } from './socket-layer';
import type { StaticFiles } from './static-files';
import { UpgradeRequiredHandler } from './upgrade-required-handler';

/**
 * The routes of one application as its code assembles them, and their completion when it
 * starts serving (`listen()`, `inject()`, `TestServer.start()`): in order, the `handlers`
 * given (or, without them, the decorated classes discovered, in declaration order), those of
 * `addHandlers()` where the code added them, the static routes of `staticPath`, and the default
 * route for paths nothing matches. Then the container is checked for every handler class, so an
 * unresolvable constructor parameter fails the start, not each request, and so are the folders
 * served (`staticPath`, `templatePath`, StaticFileHandler's `path`: lib/web/served-folders.ts).
 *
 * @example
 * ```ts
 * const routes = new ApplicationRoutes(container, settings, sockets, undefined, (root) => files(root));
 * routes.add([['/old', RedirectHandler, { url: '/new' }]]);
 * const defaultRoute = routes.start();   // discovered routes, static routes, the 404 route; DI checked
 * ```
 */
export class ApplicationRoutes {
  readonly router: Router;
  /** Null when `handlers` was given: then only those, and what addHandlers() adds. */
  private readonly discovery: RouteDiscovery | null;
  /** How many of the router's WebSocket specs the socket layer has routes for. */
  private socketSpecs = 0;
  private defaultRoute: HandlerRoute | null = null;
  /** True once the container was found able to make every handler class. */
  private checked = false;

  constructor(
    private readonly container: DependencyContainer,
    private readonly settings: ResolvedSettings,
    private readonly sockets: SocketLayer,
    handlers: HandlerSpec[] | undefined,
    private readonly staticFiles: (root: string) => StaticFiles,
  ) {
    this.router = new Router(container);
    this.discovery = handlers === undefined ? new RouteDiscovery() : null;
    this.add(handlers ?? []);
  }

  /** Adds routes in the forms of the `handlers` setting, after the classes discovered until now. */
  add(specs: HandlerSpec[]): void {
    noteGiven(specs);
    const rest = this.discovery ? this.discovery.give(specs) : specs;
    this.discover();
    this.router.addAll(rest);
    this.addWebSocketRoutes();
  }

  /** Adds the decorated classes defined since the last look (without `handlers` only). */
  discover(): void {
    if (!this.discovery) return;
    this.router.addAll(this.discovery.discover());
    this.addWebSocketRoutes();
  }

  /** Path of a named route; before serving, classes declared meanwhile are discovered first. */
  reverse(name: string, args: Array<string | number>): string {
    if (!this.defaultRoute) this.discover();
    return this.router.reverse(name, args);
  }

  /**
   * Completes the routes when the application starts serving (once; later calls return the
   * same default route): discovered classes, static routes, the default route; then checks,
   * with the container's registrations as they are now, that it can make every handler class.
   *
   * @returns the route for paths nothing else matches
   * @throws ConfigurationError for a route registered twice, or a handler the container cannot make
   */
  start(): HandlerRoute {
    if (!this.defaultRoute) this.complete();
    if (!this.checked) {
      const { router } = this;
      const classes: Constructor[] = [...router.native, ...router.regex, this.defaultRoute!].map((route) => route.handlerClass);
      checkHandlerGraph(this.container, [...classes, ...router.websocket.map((spec) => spec.handlerClass)]);
      checkServedFolders(this.settings, [...router.native, ...router.regex]);
      this.checked = true;
    }
    return this.defaultRoute!;
  }

  /** The routes added when serving starts, once (a start refused by the check may be retried). */
  private complete(): void {
    this.discover();
    const { router, settings } = this;
    if (this.discovery && router.native.length + router.regex.length + router.websocket.length === 0) {
      genLog.warn('No routes: the handlers setting was omitted and no class decorated with @Route or @WebSocket was defined when the application started serving. Import the modules that declare them before listen(), or give handlers');
    }
    if (settings.staticPath) this.staticFiles(settings.staticPath).addRoutes(router, settings);
    const routes = () => [
      ...[...router.native, ...router.regex].filter((route) => route.handlerClass !== UpgradeRequiredHandler).map((route) => `${route.pattern.source}  ${route.handlerClass.name}`),
      ...router.websocket.map((spec) => `${String(spec.pattern)}  ${spec.handlerClass.name} (WebSocket)`),
    ];
    this.defaultRoute = router.addDefault(
      settings.defaultHandlerClass ?? NoRouteHandler,
      settings.defaultHandlerClass ? (settings.defaultHandlerArgs ?? {}) : { statusCode: 404, routes },
    );
  }

  /** WebSocket routes for the router's specs not made yet. */
  private addWebSocketRoutes(): void {
    this.sockets.addRoutes(this.router.websocket.slice(this.socketSpecs));
    this.socketSpecs = this.router.websocket.length;
  }
}
