import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { ConfigurationError } from '../common/errors';
import { adoptLateSingletons } from '../di/container-internals';
import { AsyncHTTPClient } from '../httpclient/async-http-client';
import type { Logger } from 'pino';
import { genLog } from '../common/log';
import { makeLogger, useLogger } from '../common/pino-logging';
import { checkTransportOptions, createInProcessTransport, createTransport, resolveTransport, type InProcessTransport } from '../transport/create-transport';
import type { TransportServer } from '../transport/types';
import { TemplateEngine } from '../template/template-engine';
import { injectInto, type TestResponse } from './test-response';
import { warnIfFewDescriptors } from '../transport/descriptors';
import { socketLayerFor, type ApplicationInternals, type SocketLayer } from './socket-layer';
import { BodyBudget } from './body-budget';
import { Dispatcher } from './dispatcher';
import { closeOnSignals } from './close-on-signals';
import { reloadOnChange, shouldAutoreload } from './autoreload';
import { Hooks, joinPrefix, type HookFunctions, type HookName } from './hooks';
import type { HandlerRoute } from './handler-route';
import { ApplicationRoutes } from './application-routes';
import type { HandlerSpec } from './router';
import { resolveSettings, transportOptions, type ApplicationSettings, type ResolvedSettings } from './settings';
import { StaticFiles } from './static-files';
import { StaticFileHandler } from './static-file-handler';
import { PubSub, type ClusterState } from '../scale/pubsub';
import { IOLoop } from '../ioloop/ioloop';
import { serveAsWorker, workerCount, workerRole, WorkerPool } from '../scale/worker-pool';
import { messageData } from './message-data';
import type { ApplicationOptions, CloseOptions, HTTPServer, InjectOptions, ListenOptions } from './application-options';

export type { ApplicationOptions, CloseOptions, HTTPServer, InjectOptions, ListenOptions } from './application-options';

/**
 * A Typhoon application: routes, settings and the DI container its handlers are made by.
 *
 * @example
 * ```ts
 * const app = new Application({ handlers: [MainHandler], cookieSecret: process.env.SECRET });
 * const server = await app.listen(8888);
 * console.log(`listening on ${server.port}`);
 * ```
 */
export class Application {
  readonly settings: ResolvedSettings;
  /** This application's container (a child of tsyringe's root): register services here. */
  readonly container: DependencyContainer;
  /** Compiled templates of `templatePath`. */
  readonly templates: TemplateEngine;
  /** The routes: given or discovered, completed when serving starts (lib/web/application-routes.ts). */
  private readonly routes: ApplicationRoutes;
  /** @internal The hooks added with addHook(), in order. */
  readonly hooks = new Hooks();
  private readonly staticCaches = new Map<string, StaticFiles>();
  /** The path of each request: mounting, dispatch, draining (lib/web/dispatcher.ts). */
  private readonly dispatcher: Dispatcher;
  /** The pino logger of the `logger` setting; requests get ids when there is one. */
  readonly logger: Logger | null = null;
  /** The WebSocket routes (lib/websocket/ provides them through the socket layer seam). */
  private readonly sockets: SocketLayer;
  /** Set once routes were mounted (listen or inject): hooks and handlers are fixed from then on. */
  private mounted = false;
  private static created = 0;
  /** Position among the Applications made by this thread (the same in every worker). */
  private readonly index = Application.created++;
  private server: TransportServer | null = null;
  /** The routes mounted on an in-process Node transport, for `inject()`; made on first use. */
  private inProcess: InProcessTransport | null = null;
  private client: AsyncHTTPClient | null = null;
  private pubsub: PubSub | null = null;
  private pool: WorkerPool | null = null;
  private closing: Promise<void> | null = null;
  /** The path prefix of the extension being registered: its hooks are scoped to it. */
  private hookPrefix: string | undefined;

  constructor(options: ApplicationOptions | HandlerSpec[] = {}, settings: ApplicationSettings = {}) {
    const { handlers, ...rest } = Array.isArray(options) ? { ...settings, handlers: options } : options;
    this.settings = resolveSettings(rest);
    const { maxBodySize, requestTimeout, idleConnectionTimeout, maxBufferedBodySize } = this.settings;
    this.dispatcher = new Dispatcher(this, this.settings, this.hooks, { maxBodySize, requestTimeout, idleTimeout: idleConnectionTimeout ?? 10, budget: new BodyBudget(maxBufferedBodySize) });
    if (this.settings.logger) {
      this.logger = makeLogger(this.settings.logger, this.settings.debug);
      useLogger(this.logger);
    }
    if (this.settings.allowUwsFallback !== undefined) {
      genLog.warn("The allowUwsFallback setting is no longer needed and does nothing: without uWebSockets.js's native build Typhoon serves through its Node transport (transport: 'auto')");
    }
    checkTransportOptions(resolveTransport(this.settings.transport, this.settings.maxHeaderSize), transportOptions(this.settings));
    this.container = rootContainer.createChildContainer();
    adoptLateSingletons(this.container);
    this.container.registerInstance(Application, this);
    this.container.register(AsyncHTTPClient, { useFactory: () => this.httpClient });
    this.templates = new TemplateEngine(this.settings);
    this.sockets = socketLayerFor(this.internals());
    this.routes = new ApplicationRoutes(this.container, this.settings, this.sockets, handlers, (root) => this.staticFileCache(root));
  }

  /**
   * Starts serving on `host:port`, as Tornado's `Application.listen`.
   *
   * @param port TCP port; 0 picks a free one (see `server.port`). @defaultValue 8888
   * @param host address to bind. @defaultValue `'0.0.0.0'` (every IPv4 interface)
   * @param options `workers`: threads sharing the port. @defaultValue one thread
   * @returns the running server: bound port, host, the transport serving, `close()`
   * @throws ConfigurationError when already listening, when the address is in use or not
   * available, when transport `'uws'` cannot load, when workers cannot share the port here,
   * for a route registered twice, or for a handler class whose constructor parameters the
   * container cannot resolve (named, with the fix)
   */
  async listen(port = 8888, host = '0.0.0.0', options: ListenOptions = {}): Promise<HTTPServer> {
    if (this.server || this.pool) throw new ConfigurationError('This application is already listening; create another Application for another port');
    const role = workerRole(this.index);
    if (this.settings.autoreload && !role && shouldAutoreload()) reloadOnChange(this);
    const workers = role ? 1 : workerCount(options.workers);
    if (!role) warnIfFewDescriptors(this.settings.maxConnections);
    if (workers > 1) {
      checkTransportOptions(resolveTransport(this.settings.transport), transportOptions(this.settings, true));
      // Each worker discovers and checks the same routes; refused here, the error is the caller's.
      this.routes.start();
      return this.supervise(port, host, workers);
    }
    const defaultRoute = this.start();
    const server = createTransport(this.settings.transport, transportOptions(this.settings, Boolean(role)));
    this.mount(server, defaultRoute);
    this.sockets.mount(server);
    const bound = await server.listen(role?.host ?? host, role?.port ?? port);
    this.server = server;
    this.closing = null;
    // A worker leaves Redis to its supervisor; a single thread owns it.
    this.pubsub = new PubSub(role ? role.channel : null, this.settings.pubsub, !role);
    this.pubsub.attach((topic, data, binary) => server.publish(topic, data, binary, this.sockets.compressesTopics));
    if (role) serveAsWorker(bound, (timeout) => this.close({ timeout }));
    genLog.debug(`Listening on ${host}:${bound}`);
    return { port: bound, host, transport: server.kind, close: (closeOptions) => this.close(closeOptions) };
  }

  /**
   * Runs one request through the whole lifecycle in memory, without a port (Fastify's
   * `inject`): routing, body reading, XSRF, cookies, error pages and the access log are as over
   * the network. WebSocket handshakes are not; a WebSocket path answers 426 as to a plain GET.
   *
   * @example
   * ```ts
   * const response = await app.inject({ method: 'POST', url: '/items', body: { name: 'pen' } });
   * expect(response.status).to.equal(201);
   * ```
   * @throws ConfigurationError on the first call, as `listen()` does for routes and handlers
   */
  async inject(options: InjectOptions | string): Promise<TestResponse> {
    if (!this.inProcess) {
      const defaultRoute = this.start();
      this.inProcess = createInProcessTransport(transportOptions(this.settings));
      this.mount(this.inProcess, defaultRoute);
    }
    return injectInto(this.inProcess.listener, typeof options === 'string' ? { url: options } : options);
  }

  /**
   * Adds a hook run for every HTTP request and WebSocket handshake of the application, after the
   * ones added before it; any may be async. `onRequest`: before the body is read and before
   * `prepare()`; `preHandler`: after `prepare()`, before the verb method or the upgrade;
   * `onResponse`: after the response went out (status and `requestTime()` known; failures are
   * logged); `onError`: an uncaught error, before the error page. A hook that finishes the
   * request (`finish()`, `redirect()`, `sendError()`, or throwing `HTTPError`) stops the hooks
   * after it and the verb method. Fastify's hooks; Tornado has none (a shared base class).
   *
   * With `prefix` (or inside an extension registered with one) the hook runs only for paths
   * under it: `/admin` covers `/admin` and `/admin/...`, not `/administrator`.
   *
   * @example
   * ```ts
   * app.addHook('onRequest', (handler) => {
   *   if (!handler.request.headers.get('x-api-key')) throw new HTTPError(401);
   * }, { prefix: '/api' });
   * ```
   * @throws ConfigurationError for an unknown name, a prefix not starting with `/`, or once the application is serving
   */
  addHook<N extends HookName>(name: N, hook: HookFunctions[N], options: { prefix?: string } = {}): this {
    this.beforeServing('addHook()');
    // Inside an extension registered with a prefix, a hook's own prefix is under it.
    this.hooks.add(name, hook, options.prefix === undefined ? this.hookPrefix : joinPrefix(this.hookPrefix, options.prefix));
    return this;
  }

  /**
   * Runs an extension: a function of the application and `options` that adds handlers, hooks
   * and services (`app.container`). Awaited, in order (Fastify's `register`). With
   * `options.prefix` (a path), the hooks the extension adds run only under that prefix.
   *
   * @example
   * ```ts
   * await app.register((app, options: { header: string }) => {
   *   app.addHook('onResponse', (handler) => console.log(handler.request.headers.get(options.header)));
   * }, { header: 'x-request-id' });
   * ```
   * @throws ConfigurationError once the application is serving; whatever the extension throws
   */
  async register<O>(extension: (app: Application, options: O) => unknown, options?: O): Promise<this> {
    this.beforeServing('register()');
    if (typeof extension !== 'function') throw new ConfigurationError(`register() takes a function (app, options) => ..., got ${typeof extension}`);
    const outer = this.hookPrefix;
    const prefix = (options as { prefix?: unknown } | undefined)?.prefix;
    if (typeof prefix === 'string') this.hookPrefix = joinPrefix(outer, prefix);
    try {
      await extension(this, options as O);
    } finally {
      this.hookPrefix = outer;
    }
    return this;
  }

  /**
   * Adds routes, in the forms of the `handlers` setting (decorated classes, Tornado tuples).
   *
   * @throws ConfigurationError for a route registered twice, or once the application is serving
   */
  addHandlers(handlers: HandlerSpec[]): this {
    this.beforeServing('addHandlers()');
    this.routes.add(handlers);
    return this;
  }

  /** What the WebSocket layer may use of this application (see ApplicationInternals). */
  private internals(): ApplicationInternals {
    const app = this;
    return {
      settings: this.settings,
      container: this.container,
      hooks: this.hooks,
      get shuttingDown() {
        return app.isClosing;
      },
      makeHandler: (route, exchange) => this.dispatcher.makeHandler(route, exchange),
      track: (lifecycle) => this.dispatcher.track(lifecycle),
      forwardTopic: (topic, data, binary) => this.pubsub?.forward(topic, data, binary),
    };
  }

  private beforeServing(what: string): void {
    if (this.mounted) throw new ConfigurationError(`${what} must come before listen() or inject(): the routes' lifecycles are built then`);
  }

  /** Completes and checks the routes (once); hooks and handlers are fixed from then on. */
  private start(): HandlerRoute {
    const defaultRoute = this.routes.start();
    this.mounted = true;
    return defaultRoute;
  }

  /** Puts the HTTP routes on a transport (lib/web/dispatcher.ts). */
  private mount(server: TransportServer, defaultRoute: HandlerRoute): void {
    this.dispatcher.mount(server, {
      router: this.routes.router,
      defaultRoute,
      // Requests with ids go through the handler (the id header is theirs alone).
      fastStatic: !this.logger,
      staticHandlerReplaced: this.container.isRegistered(StaticFileHandler, true),
      staticFileCache: (root) => this.staticFileCache(root),
    });
  }

  /** Worker mode: this thread supervises `workers` threads that serve; it only relays topics. */
  private async supervise(port: number, host: string, workers: number): Promise<HTTPServer> {
    const channel = `typhoon:${process.pid}:${this.index}`;
    this.pubsub = new PubSub(channel, this.settings.pubsub, true);
    const pool = (this.pool = new WorkerPool(workers, host, this.index, channel));
    const bound = await pool.start(port).catch(async (error: unknown) => {
      this.pool = null; // start() stopped the workers it had started
      await this.closePubSub();
      throw error;
    });
    return { port: bound, host, transport: resolveTransport(this.settings.transport), close: (closeOptions) => this.close(closeOptions) };
  }

  /**
   * Graceful shutdown: stop accepting, answer every request from then on (in flight or already
   * sent) with `Connection: close`, let them finish (up to `timeout` seconds, default 10), close
   * WebSockets with 1001 "Server shutting down" and end event streams (browsers reconnect with
   * `Last-Event-ID`), then every connection; give
   * calls still in `IOLoop.runInExecutor` what is left of `timeout`, then stop its threads;
   * disconnect from Redis. In worker mode, every worker does so. Safe to call twice (the same
   * promise). Tornado has no single equivalent (`server.stop()` plus closing sockets by hand).
   */
  close(options: CloseOptions = {}): Promise<void> {
    const timeout = options.timeout ?? 10;
    if (this.pool) {
      const pool = this.pool;
      this.pool = null;
      this.closing = pool.close(timeout).then(() => this.closePubSub());
      return this.closing;
    }
    if (!this.server) return this.closing ?? Promise.resolve();
    const server = this.server;
    this.server = null;
    const deadline = performance.now() + timeout * 1000;
    this.closing = (async () => {
      await this.dispatcher.closeServer(server, this.sockets, timeout);
      this.client?.close();
      this.client = null;
      await IOLoop.current().shutdownDefaultExecutor({ timeout: Math.max(0, deadline - performance.now()) / 1000 });
      await this.closePubSub();
    })();
    return this.closing;
  }

  /**
   * Closes gracefully on `SIGTERM`/`SIGINT` (or the signals given) and exits with 0; a second
   * signal exits at once. For `npm start`, containers and process managers.
   */
  closeOnSignals(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'], options: CloseOptions = {}): void {
    closeOnSignals((closeOptions) => this.close(closeOptions), signals, options);
  }

  private async closePubSub(): Promise<void> {
    const pubsub = this.pubsub;
    this.pubsub = null;
    await pubsub?.close();
  }

  /**
   * Sends a message to every WebSocket subscribed to `topic` in this application, the sender
   * included (a handler's own `publish` skips it): in this thread, through the other workers,
   * and with `pubsub` through Redis to every process. Objects are sent as JSON text.
   *
   * @returns false when the application is not listening (nothing was sent)
   * @throws TypeError for a value with no JSON text (`undefined`, a function, a circular object)
   */
  publish(topic: string, message: string | Buffer | object, binary = false): boolean {
    if (!this.pubsub) return false;
    this.pubsub.publish(topic, messageData(message), binary);
    return true;
  }

  /** WebSockets subscribed to `topic` in this thread (0 when not listening): for metrics. */
  numSubscribers(topic: string): number {
    return this.server?.numSubscribers(topic) ?? 0;
  }

  /** Open WebSocket connections of this application in this thread: for metrics. */
  get webSocketCount(): number {
    return this.sockets.openCount;
  }

  /**
   * True from the moment `close()` begins (a signal, a rolling deploy): a readiness check
   * answers "not ready" then, so the load balancer stops sending before the server goes, and
   * a WebSocket handshake still in `prepare()` is refused, not opened.
   */
  get isClosing(): boolean {
    return this.closing !== null;
  }

  /** How its topics reach other processes (`pubsub`): Redis connected or not, channels subscribed, messages not forwarded. */
  get cluster(): ClusterState {
    return this.pubsub?.state ?? PubSub.stateBefore(this.settings.pubsub);
  }

  /** This application's HTTP client (pooled connections), injectable as `AsyncHTTPClient`; closed with the app. */
  get httpClient(): AsyncHTTPClient {
    return (this.client ??= new AsyncHTTPClient());
  }

  /**
   * Path of a named route filled with `args` (Tornado's `reverse_url`), percent-encoded.
   *
   * @throws ConfigurationError for an unknown name, or the wrong number of arguments
   */
  reverseUrl(name: string, ...args: Array<string | number>): string {
    return this.routes.reverse(name, args);
  }

  /**
   * URL of a file under `staticPath` (`/static/app.css?v=<hash>`), versioned with its content
   * hash unless `includeVersion` is false (Tornado's `static_url`).
   *
   * @throws ConfigurationError without the `staticPath` setting
   */
  staticUrl(path: string, includeVersion = true): string {
    if (!this.settings.staticPath) throw new ConfigurationError('staticUrl() needs the "staticPath" application setting');
    return this.staticFileCache(this.settings.staticPath).url(path, this.settings.staticUrlPrefix, includeVersion);
  }

  /** @internal The file cache of one static folder (per application; no caching in debug). */
  staticFileCache(root: string): StaticFiles {
    let cache = this.staticCaches.get(root);
    if (!cache) this.staticCaches.set(root, (cache = new StaticFiles(root, !this.settings.debug)));
    return cache;
  }

}
