import type { DependencyContainer } from 'tsyringe';
import type { ServerExchange, TransportServer } from '../transport/types';
import type { HandlerSource } from './dispatcher';
import type { Hooks } from './hooks';
import type { RequestHandler } from './request-handler';
import type { WebSocketRouteSpec } from './router';
import type { ResolvedSettings } from './settings';
import { ConfigurationError } from '../common/errors';

/**
 * What the WebSocket layer may use of its application: one object handed over, instead of
 * fields reached by name from another folder. The web layer knows nothing of WebSockets beyond
 * {@link SocketLayer}; `lib/websocket/` provides one (Tornado's split of `web.py` and
 * `websocket.py`, with the dependency pointing one way: websocket → web).
 */
export interface ApplicationInternals {
  readonly settings: ResolvedSettings;
  readonly container: DependencyContainer;
  readonly hooks: Hooks;
  /** True from `close()` on: a handshake still in `prepare()` is refused, not opened. */
  readonly shuttingDown: boolean;
  /** Makes a route's handler through DI for an exchange; when that fails, answers 500 (logged naming the route's class) and returns null. */
  makeHandler<H extends RequestHandler>(route: HandlerSource<H>, exchange: ServerExchange): H | null;
  /** Counts a lifecycle as in flight until it settles (graceful shutdown waits for it). */
  track(lifecycle: Promise<void>): void;
  /** Carries what a handler published to its own thread's subscribers to the other workers and processes. */
  forwardTopic(topic: string, data: string | Buffer, binary: boolean): void;
}

/** The WebSocket routes of one application, as the application drives them. */
export interface SocketLayer {
  /** Makes routes for the specs the router added since the last call. */
  addRoutes(specs: readonly WebSocketRouteSpec[]): void;
  /** Registers every route with the transport and starts their pings. */
  mount(server: TransportServer): void;
  /** True when a route compresses: topics are then published compressed. */
  readonly compressesTopics: boolean;
  /** Open connections. */
  readonly openCount: number;
  stopPings(): void;
  /** Closes every open connection with `code` (1001 on shutdown). */
  closeAll(code: number, reason: string): void;
}

/** An application without WebSocket support (nothing provided one): its specs are refused. */
const NO_SOCKETS: SocketLayer = {
  addRoutes(specs) {
    if (specs.length) throw new ConfigurationError("WebSocket routes need Typhoon's WebSocket layer: import Application from 'typhoon'");
  },
  mount() {},
  compressesTopics: false,
  openCount: 0,
  stopPings() {},
  closeAll() {},
};

let provider: ((app: ApplicationInternals) => SocketLayer) | null = null;

/** Called once by `lib/websocket/` when it loads: how applications make their WebSocket layer. */
export function provideSocketLayer(make: (app: ApplicationInternals) => SocketLayer): void {
  provider = make;
}

/** The WebSocket layer of a new application. */
export function socketLayerFor(app: ApplicationInternals): SocketLayer {
  return provider ? provider(app) : NO_SOCKETS;
}
