import { readFileSync } from 'node:fs';
import http, { ServerResponse, type IncomingMessage } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer as WsServer } from 'ws';
import { ConfigurationError } from '../common/errors';
import { genLog } from '../common/log';
import { chooseDeflateOffer } from './deflate-offer';
import { answerClientError } from './node-client-error';
import { admit, NodeExchange, REFUSED, type UpgradeTarget } from './node-exchange';
import { NodeSocket, Topics } from './node-socket';
import { RouteTable } from './route-table';
import { MIN_HEAD_LIMIT, type ExchangeContext, type RouteCallback, type SocketRouteCallbacks, type SocketRouteOptions, type TransportOptions, type TransportServer } from './types';

/** The subprotocol the layer above chose, handed to ws's `handleProtocols` on the request. */
const CHOSEN_PROTOCOL = Symbol('typhoon.subprotocol');
type UpgradeRequest = IncomingMessage & { [CHOSEN_PROTOCOL]?: string };

/** What a WebSocket route needs at the upgrade. */
interface SocketRoute {
  options: SocketRouteOptions;
  callbacks: SocketRouteCallbacks;
  /** ws's server for this route's limits and compression (no server of its own: `noServer`). */
  wss: WsServer;
}

/** An upgrade request's socket as node handed it over, and the response made on it. */
interface PendingUpgrade {
  res: ServerResponse;
  socket: Duplex;
  /** What the client sent after the request head (handed to the WebSocket). */
  head: Buffer;
  /** Stops the early reading (see serveUpgrade) before the socket is handed over. */
  stopReading?: () => void;
}

/** Bytes a client may send before the handshake is answered. */
const MAX_EARLY_BYTES = 64 * 1024;

/**
 * ws keeps each fragment of a message as a Buffer of its own until the last one comes (about
 * 110 bytes of heap each, measured: a 1 MiB message in 1-byte fragments held 118 MB), so a cap
 * on fragments is what bounds a connection's memory. A message may come in one fragment per
 * this many bytes of the largest message (Autobahn 9.3.1/9.4.1 send 4 MiB in 64-byte ones),
 * and never fewer than ws's own 16,384; more (smaller) fragments close it with 1008.
 */
const BYTES_PER_FRAGMENT = 64;

/** Node.js versions whose `listen()` takes `reusePort` (22.12+, 23.1+). */
export function nodeHasReusePort(version = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * The {@link TransportServer} on `node:http`/`node:https` and the `ws` package, for Node.js
 * versions the uWebSockets.js build does not support (and anywhere it is asked for). Routes in
 * uWS syntax are matched by a {@link RouteTable}; WebSocket routes each get a `ws` server in
 * `noServer` mode; topics are kept here with uWS's semantics. Keep-alive, HTTP/1.0, pipelining
 * (answered in order) and request framing are node's own.
 */
export class NodeServer implements TransportServer {
  readonly kind = 'node';
  private readonly server: http.Server;
  private readonly context: ExchangeContext;
  private readonly routes = new RouteTable<RouteCallback>();
  private readonly socketRoutes = new RouteTable<SocketRoute>();
  private fallbackCallback: RouteCallback = (exchange) => exchange.end('404 Not Found', [], '');
  private readonly topics = new Topics();
  /** Open WebSockets, until their connection is gone (a closing one is cut by closeAll too). */
  private readonly sockets = new Set<NodeSocket>();
  /** Sockets of upgrade requests not answered yet (a handshake in an async prepare()). */
  private readonly pendingUpgrades = new Set<Duplex>();
  private readonly reusePort: boolean;
  private listening = false;

  /** @throws ConfigurationError for an option this Node.js cannot honour */
  static checkOptions(options: TransportOptions): void {
    if (options.reusePort && !nodeHasReusePort()) {
      throw new ConfigurationError(
        `Several workers on one port need listen()'s reusePort, which Node.js ${process.versions.node} lacks on transport 'node' (Node.js 22.12 or later has it): use one worker, a newer Node.js, or transport 'uws'`,
      );
    }
  }

  /** @throws ConfigurationError when the TLS files cannot be read, or for an option this Node.js cannot honour */
  constructor(options: TransportOptions = {}) {
    NodeServer.checkOptions(options);
    const idle = (options.idleConnectionTimeout ?? 10) * 1000;
    const serverOptions: http.ServerOptions = {
      maxHeaderSize: Math.max(options.maxHeaderSize ?? 0, MIN_HEAD_LIMIT),
      keepAliveTimeout: idle,
      // A connection that does not complete a request head in this time gets 408 and is closed
      // (node's default is a minute, checked every 30 s; uWS closes silent ones after 10 s).
      headersTimeout: idle,
      // Ours answers first (with the application's reasons); node's is the backstop.
      requestTimeout: Math.max((options.requestTimeout ?? 300) * 1000, idle) + 10_000,
      connectionsCheckingInterval: Math.min(idle, 1000),
    };
    if (options.ssl) {
      let key: Buffer;
      let cert: Buffer;
      try {
        key = readFileSync(options.ssl.keyFile);
        cert = readFileSync(options.ssl.certFile);
      } catch (error) {
        throw new ConfigurationError(`ssl: cannot read the key or certificate: ${(error as Error).message}`);
      }
      try {
        this.server = https.createServer({ ...serverOptions, key, cert, passphrase: options.ssl.passphrase }, this.listener);
      } catch (error) {
        throw new ConfigurationError(`ssl: the key and certificate cannot be used: ${(error as Error).message} (a wrong passphrase, or a key that does not match the certificate?)`);
      }
    } else {
      this.server = http.createServer(serverOptions, this.listener);
    }
    this.context = { ssl: Boolean(options.ssl), draining: false };
    this.reusePort = options.reusePort ?? false;
    this.server.keepAliveTimeout = idle;
    // Above it node accepts and closes at once (libuv keeps a spare descriptor for that, so
    // EMFILE never spins its accept loop).
    if (options.maxConnections !== undefined) this.server.maxConnections = options.maxConnections;
    // Every header line reaches the application, so its framing checks see them all (node keeps
    // 2,000 and drops the rest by default); the head's size still bounds them.
    this.server.maxHeadersCount = 0;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.serveUpgrade(req, socket, head));
    this.server.on('clientError', answerClientError);
  }

  route(pattern: string, _paramCount: number, callback: RouteCallback): void {
    this.routes.add(pattern, callback);
  }

  fallback(callback: RouteCallback): void {
    this.fallbackCallback = callback;
  }

  websocket(pattern: string, _paramCount: number, options: SocketRouteOptions, callbacks: SocketRouteCallbacks): void {
    const { WebSocketServer } = require('ws') as typeof import('ws');
    // 'shared' means no context takeover either way; 'dedicated' imposes nothing, so the client
    // may ask for less (no context takeover, a smaller window) and get it (RFC 7692 §7.1).
    const deflate = options.compression === 'none' ? false
      : options.compression === 'shared' ? { serverNoContextTakeover: true, clientNoContextTakeover: true }
      : {};
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayloadLength,
      maxFragments: Math.max(16 * 1024, Math.ceil(options.maxPayloadLength / BYTES_PER_FRAGMENT)),
      perMessageDeflate: deflate,
      handleProtocols: (_offered, req) => (req as UpgradeRequest)[CHOSEN_PROTOCOL] || false,
    });
    this.socketRoutes.add(pattern, { options, callbacks, wss });
  }

  publish(topic: string, data: string | Buffer, binary: boolean, compress: boolean): boolean {
    return this.topics.publish(topic, data, binary, compress, null);
  }

  numSubscribers(topic: string): number {
    return this.topics.count(topic);
  }

  listen(host: string, port: number): Promise<number> {
    if (this.listening) return Promise.reject(new ConfigurationError('This server is already listening'));
    return new Promise((resolve, reject) => {
      const failed = (error: NodeJS.ErrnoException) => {
        const why = error.code === 'EADDRINUSE' ? 'the address is in use' : error.code === 'EADDRNOTAVAIL' ? 'the address is not available here' : error.message;
        reject(new ConfigurationError(`Cannot listen on ${host}:${port}: ${why}`));
      };
      this.server.once('error', failed);
      const listenOptions = { host, port, ...(this.reusePort ? { reusePort: true } : {}) };
      this.server.listen(listenOptions, () => {
        this.server.off('error', failed);
        this.server.on('error', (error) => genLog.error('HTTP server error', error));
        this.listening = true;
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  stopListening(): void {
    if (!this.listening) return;
    this.listening = false;
    // net's close, not node:http's: that one also closes the keep-alive connections idle at
    // this instant, and a client's next request may be on its way on one (reset, not served).
    net.Server.prototype.close.call(this.server);
  }

  drain(): void {
    this.context.draining = true;
  }

  closeAll(): void {
    this.stopListening();
    this.server.closeAllConnections();
    for (const socket of [...this.sockets]) socket.destroy();
    for (const socket of [...this.pendingUpgrades]) socket.destroy();
  }

  /** node:http's request listener: also what `app.inject()` dispatches to, without a port. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    // Behind a request refused for its framing: never run (node answers nothing for it; the
    // connection closes after the refusal).
    if ((req.socket as { [REFUSED]?: true } | null)?.[REFUSED]) return;
    if (!admit(req.socket, () => this.listener(req, res))) return;
    let exchange: NodeExchange | undefined;
    try {
      exchange = new NodeExchange(req, res, this.context);
      // llhttp takes a request line without a version as HTTP/0.9; RFC 9112 §3 wants one.
      if (req.httpVersionMajor === 0) return exchange.end('400 Bad Request', ['Content-Type', 'text/plain; charset=UTF-8'], '400: Bad Request', true);
      this.dispatch(exchange);
    } catch (error) {
      answerFailure('in a route callback', error, res, exchange);
    }
  };

  /**
   * A request carrying `Upgrade`: node hands over the socket, and the answer (101, or any
   * other status through a response made on the socket) is ours to write.
   */
  private serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => genLog.debug(`Socket error during an upgrade request: ${error.message}`));
    // Pipelined behind a response still being written: its turn comes when that one is done.
    const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (current) {
      const later = () => {
        current.off('close', gone);
        this.serveUpgrade(req, socket, head);
      };
      const gone = () => {
        current.off('finish', later);
        socket.destroy();
      };
      current.once('finish', later);
      current.once('close', gone);
      return;
    }
    let res: ServerResponse | undefined;
    let exchange: NodeExchange | undefined;
    try {
      res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      const answered = res;
      answered.once('finish', () => {
        answered.detachSocket(socket as Socket);
        socket.end();
      });
      const pending: PendingUpgrade = { res, socket, head };
      this.pendingUpgrades.add(socket);
      socket.once('close', () => this.pendingUpgrades.delete(socket));
      // node no longer reads this socket: read on, so a client that leaves (FIN) is heard,
      // keeping what it sends for the WebSocket (bounded: nothing should come before the 101).
      const early = (chunk: Buffer) => {
        pending.head = Buffer.concat([pending.head, chunk]);
        if (pending.head.length > MAX_EARLY_BYTES) socket.destroy();
      };
      const left = () => socket.destroy();
      socket.on('data', early);
      socket.once('end', left);
      // Synchronously before ws adds its own listeners (which keep the socket flowing).
      pending.stopReading = () => {
        socket.off('data', early);
        socket.off('end', left);
      };
      exchange = new NodeExchange(req, res, this.context);
      // A request with a body that asks to switch protocols (h2c...): node has stopped parsing
      // the connection, so that body cannot be read. A WebSocket handshake has no body.
      if (req.headers['content-length'] || req.headers['transfer-encoding']) {
        exchange.end('400 Bad Request', ['Content-Type', 'text/plain; charset=UTF-8'], 'A request with a body cannot ask for an Upgrade here', true);
        return;
      }
      this.dispatch(exchange, pending);
    } catch (error) {
      if (res) answerFailure('in a WebSocket upgrade', error, res, exchange);
      else {
        genLog.error('Uncaught exception in a WebSocket upgrade', error);
        socket.destroy();
      }
    }
  }

  /** WebSocket handshakes (a GET with a 24-character key, as uWS decides) to their route; the rest to the HTTP routes. */
  private dispatch(exchange: NodeExchange, upgrade?: PendingUpgrade): void {
    if (this.socketRoutes.size && exchange.method === 'GET' && exchange.header('sec-websocket-key').length === 24) {
      const found = this.socketRoutes.match(exchange.path);
      if (found) {
        if (upgrade) exchange.upgradeTarget = this.upgradeTarget(upgrade, found.value);
        found.value.callbacks.upgrade(exchange, found.params);
        return;
      }
    }
    const found = this.routes.match(exchange.path);
    if (found) found.value(exchange, found.params);
    else this.fallbackCallback(exchange, []);
  }

  /** How `exchange.upgrade()` opens a WebSocket of `route` on the socket node handed over. */
  private upgradeTarget(pending: PendingUpgrade, route: SocketRoute): UpgradeTarget {
    const { res, socket } = pending;
    return {
      open: (exchange, handler, protocol, compress) => {
        const req = exchange.request as UpgradeRequest;
        req[CHOSEN_PROTOCOL] = protocol;
        // ws answers 400 to a header none of whose offers it takes: it gets the first offer it
        // grants as asked, or none, and the connection opens without compression (RFC 6455 §9.1).
        const offer = compress ? chooseDeflateOffer('ws', route.options.compression, req.headers['sec-websocket-extensions'] ?? '') : '';
        if (offer) req.headers['sec-websocket-extensions'] = offer;
        else delete req.headers['sec-websocket-extensions'];
        res.detachSocket(socket as Socket);
        pending.stopReading?.();
        this.pendingUpgrades.delete(socket);
        let opened: NodeSocket | null = null;
        route.wss.handleUpgrade(req, socket, pending.head, (ws) => {
          opened = new NodeSocket(ws, socket, exchange.remoteAddress, handler, route.options, route.callbacks, this.topics);
          this.sockets.add(opened);
          socket.once('close', () => this.sockets.delete(opened!));
        });
        if (!opened) return false;
        try {
          route.callbacks.open(handler, opened);
        } catch (error) {
          genLog.error('Uncaught exception in the WebSocket open callback', error);
        }
        return true;
      },
    };
  }
}

/** Logs an exception caught in a transport callback and answers 500 if nothing was sent yet. */
function answerFailure(where: string, error: unknown, res: ServerResponse, exchange: NodeExchange | undefined): void {
  genLog.error(`Uncaught exception ${where}`, error);
  if (exchange) {
    if (exchange.state === 'open') exchange.end('500 Internal Server Error', [], '', true);
  } else if (!res.headersSent) {
    res.writeHead(500, { 'Content-Length': '0', Connection: 'close' });
    res.end();
  }
}
