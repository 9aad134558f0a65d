import { InvalidArgumentError } from '../common/errors';
import { HTTPError } from '../common/http-errors';
import type { UpgradeExchange } from '../transport/types';
import type { ApplicationInternals } from '../web/socket-layer';
import { SEALED_OUTPUT } from '../web/sealed-output';
import { lifecycleSteps, runSteps, type LifecycleShape, type PathMatch } from '../web/lifecycle';
import type { WebSocketHandler } from './websocket-handler';
import type { WebSocketRoute } from './websocket-route';
import { HEADER, REBIND } from '../web/http-server-request';
import { INTERNALS } from '../web/handler-internals';

/**
 * The WebSocket handshake, as Tornado's `WebSocketHandler.get`: the request lifecycle every HTTP
 * request runs (`lifecycleSteps`), shaped for a handshake: RFC 6455 header checks before any
 * user code → initialize → onRequest hooks → path args → origin check (403) → current user →
 * prepare (may refuse) → preHandler hooks → subprotocol → upgrade (then onResponse hooks, with
 * the access log). Until the upgrade the handler is an ordinary RequestHandler answering over
 * HTTP. uWS hands over any GET with a 24-character `Sec-WebSocket-Key`.
 */
export function handshake(application: ApplicationInternals, handler: WebSocketHandler, route: WebSocketRoute, match: PathMatch): Promise<void> {
  // The steps follow the instance's class (the container may make a subclass), built once.
  let steps = route.lifecycle;
  if (!steps || route.lifecycleFor !== handler.constructor) {
    steps = route.lifecycle = lifecycleSteps(handler.constructor, application.settings, application.hooks, handshakeShape(application, route));
    route.lifecycleFor = handler.constructor;
  }
  return runSteps(handler, match, null, steps) ?? Promise.resolve();
}

/** A handshake's part of the lifecycle: its header checks, origin check and the upgrade. */
function handshakeShape(application: ApplicationInternals, route: WebSocketRoute): LifecycleShape {
  return {
    paramNames: route.pattern.paramNames,
    hasArgs: true,
    initArgs: route.initArgs,
    first: (handler) => checkHandshakeHeaders(handler[INTERNALS].exchange as UpgradeExchange, (name) => handler.request[HEADER](name) ?? ''),
    guard: (handler) => {
      const origin = handler.request[HEADER]('origin') ?? '';
      if (origin && !(handler as WebSocketHandler).checkOrigin(origin)) throw new HTTPError(403, `Cross origin WebSocket refused (Origin: ${origin})`);
    },
    body: 'none',
    xsrf: false,
    end: [(handler) => upgrade(application, handler as WebSocketHandler, route)],
  };
}

/** Chooses the subprotocol and completes the upgrade; the handler then lives on as the connection. */
function upgrade(application: ApplicationInternals, handler: WebSocketHandler, route: WebSocketRoute): void {
  const request = handler.request;
  const internals = handler[INTERNALS];
  const exchange = internals.exchange as UpgradeExchange;
  const offered = (request[HEADER]('sec-websocket-protocol') ?? '').split(',').map((part) => part.trim()).filter(Boolean);
  const chosen = offered.length ? handler.selectSubprotocol(offered) : null;
  if (chosen !== null && !offered.includes(chosen)) {
    throw new InvalidArgumentError(`selectSubprotocol() returned ${JSON.stringify(chosen)}, which the client did not offer (${offered.join(', ')})`);
  }
  handler.selectedSubprotocol = chosen;
  // close() already sent 1001 to the open sockets: a connection opened now would be cut.
  if (application.shuttingDown) throw new HTTPError(503, 'WebSocket handshake finished while the server was shutting down');
  handler.setStatus(101);
  if (!exchange.upgrade(handler, chosen ?? '', route.options.compression !== 'none')) return;
  // Keep the copied request data, not the transport's exchange, for the connection's life.
  const copy = exchange.upgradedCopy();
  internals.exchange = copy;
  request[REBIND](copy);
  internals.responded();
  internals.out = SEALED_OUTPUT;
}

/**
 * Every requirement of RFC 6455 §4.2.1 on the handshake request, before any user code runs: a
 * GET (the transports route only GETs here) of HTTP/1.1 or later, one Host, `Upgrade: websocket`,
 * `Connection: Upgrade`, a key that is the base64 of 16 bytes, version 13, and a subprotocol
 * list of distinct tokens; otherwise a 400/426 saying what is wrong. (Origin is checkOrigin's.)
 */
function checkHandshakeHeaders(exchange: UpgradeExchange, header: (name: string) => string): void {
  if (exchange.version === 'HTTP/1.0') throw new HTTPError(400, 'WebSocket handshake over HTTP/1.0', { reason: 'WebSocket Needs HTTP/1.1' });
  if (!header('host')) throw new HTTPError(400, 'WebSocket handshake without Host', { reason: 'Missing Host' });
  if (exchange.hostLines() > 1) {
    exchange.closeWhenDone();
    throw new HTTPError(400, 'WebSocket handshake with several Host headers', { reason: 'Duplicate Host' });
  }
  if (!hasToken(header('upgrade'), 'websocket')) throw new HTTPError(400, 'WebSocket handshake without "Upgrade: websocket"', { reason: 'Can "Upgrade" only to "WebSocket"' });
  if (!hasToken(header('connection'), 'upgrade')) throw new HTTPError(400, 'WebSocket handshake without "Connection: Upgrade"', { reason: '"Connection" must be "Upgrade"' });
  if (!WEBSOCKET_KEY.test(header('sec-websocket-key').trim())) throw new HTTPError(400, 'Sec-WebSocket-Key is not the base64 of 16 bytes', { reason: 'Invalid Sec-WebSocket-Key' });
  const offered = header('sec-websocket-protocol');
  if (offered) {
    const protocols = offered.split(',').map((part) => part.trim());
    if (protocols.some((protocol) => !TOKEN.test(protocol)) || new Set(protocols).size !== protocols.length) {
      throw new HTTPError(400, `Sec-WebSocket-Protocol ${JSON.stringify(offered)} is not a list of distinct tokens`, { reason: 'Invalid Sec-WebSocket-Protocol' });
    }
  }
  const version = header('sec-websocket-version');
  if (version.trim() !== '13') {
    throw new HTTPError(426, `Sec-WebSocket-Version ${JSON.stringify(version)}; this server speaks version 13`, { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' }, reason: 'Upgrade Required' });
  }
}

/** Handshake keys: the base64 of 16 bytes (RFC 6455 §4.2.1). */
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;
/** An RFC 9110 token (subprotocol names, RFC 6455 §4.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when the comma-separated header `value` lists `token` (case-insensitive). */
function hasToken(value: string, token: string): boolean {
  return value.split(',').some((part) => part.trim().toLowerCase() === token);
}
