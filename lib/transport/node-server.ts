import { readFileSync } from 'node:fs';
import http, { ServerResponse, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer as WsServer } from 'ws';
import { ConfigurationError } from '../errors';
import { genLog } from '../log';
import { NodeExchange, REFUSED, type UpgradeTarget } from './node-exchange';
import { NodeSocket, Topics } from './node-socket';
import { RouteTable } from './route-table';
import type { RouteCallback, SocketRouteCallbacks, SocketRouteOptions, TransportOptions, TransportServer } from './types';

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
  head: Buffer;
}

/** Head size node's parser accepts at least (its own default is 16 KiB; uWS's is larger). */
const MIN_HEAD_LIMIT = 64 * 1024;

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
  private readonly protocol: string;
  private readonly routes = new RouteTable<RouteCallback>();
  private readonly socketRoutes = new RouteTable<SocketRoute>();
  private fallbackCallback: RouteCallback = (exchange) => exchange.end('404 Not Found', [], '');
  private readonly topics = new Topics();
  private readonly sockets = new Set<NodeSocket>();
  private readonly reusePort: boolean;
  private listening = false;

  /** @throws ConfigurationError when the TLS files cannot be read */
  constructor(options: TransportOptions = {}) {
    const serverOptions: http.ServerOptions = { maxHeaderSize: Math.max(options.maxHeaderSize ?? 0, MIN_HEAD_LIMIT), keepAliveTimeout: (options.idleConnectionTimeout ?? 10) * 1000 };
    if (options.ssl) {
      let key: Buffer;
      let cert: Buffer;
      try {
        key = readFileSync(options.ssl.keyFile);
        cert = readFileSync(options.ssl.certFile);
      } catch (error) {
        throw new ConfigurationError(`ssl: cannot read the key or certificate: ${(error as Error).message}`);
      }
      this.server = https.createServer({ ...serverOptions, key, cert, passphrase: options.ssl.passphrase }, this.listener);
    } else {
      this.server = http.createServer(serverOptions, this.listener);
    }
    this.protocol = options.ssl ? 'https' : 'http';
    this.reusePort = options.reusePort ?? false;
    this.server.keepAliveTimeout = serverOptions.keepAliveTimeout!;
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
    const deflate = options.compression === 'none'
      ? false
      : { serverNoContextTakeover: options.compression === 'shared', clientNoContextTakeover: options.compression === 'shared' };
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayloadLength,
      perMessageDeflate: deflate,
      handleProtocols: (_offered, req) => (req as UpgradeRequest)[CHOSEN_PROTOCOL] || false,
    });
    this.socketRoutes.add(pattern, { options, callbacks, wss });
  }

  publish(topic: string, data: string | Buffer, binary: boolean, compress: boolean): boolean {
    return this.topics.publish(topic, data, binary, compress, null);
  }

  listen(host: string, port: number): Promise<number> {
    if (this.listening) return Promise.reject(new ConfigurationError('This server is already listening'));
    if (this.reusePort && !nodeHasReusePort()) {
      return Promise.reject(new ConfigurationError(`Several workers on one port need listen()'s reusePort, which Node.js ${process.versions.node} lacks (22.12 or later has it); use one worker, or transport 'uws'`));
    }
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
    // Also closes keep-alive connections that are idle now; busy ones close after their response.
    this.server.close();
  }

  closeAll(): void {
    this.stopListening();
    this.server.closeAllConnections();
    for (const socket of [...this.sockets]) socket.terminate();
  }

  /** node:http's request listener: also what `app.inject()` dispatches to, without a port. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    // Behind a request refused for its framing: never run (node answers nothing for it; the
    // connection closes after the refusal).
    if ((req.socket as { [REFUSED]?: true } | null)?.[REFUSED]) return;
    let exchange: NodeExchange | undefined;
    try {
      exchange = new NodeExchange(req, res, this.protocol);
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
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => {
      res.detachSocket(socket as Socket);
      socket.end();
    });
    socket.on('error', (error) => genLog.debug(`Socket error during an upgrade request: ${error.message}`));
    let exchange: NodeExchange | undefined;
    try {
      exchange = new NodeExchange(req, res, this.protocol);
      // Another Upgrade (h2c...) on a request with a body: node has stopped parsing the
      // connection, so that body could not be read.
      if (!this.socketRoutes.match(exchange.path) && (req.headers['content-length'] || req.headers['transfer-encoding'])) {
        exchange.end('400 Bad Request', ['Content-Type', 'text/plain; charset=UTF-8'], 'A request with a body cannot ask for an Upgrade here', true);
        return;
      }
      this.dispatch(exchange, { res, socket, head });
    } catch (error) {
      answerFailure('in a WebSocket upgrade', error, res, exchange);
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
  private upgradeTarget({ res, socket, head }: PendingUpgrade, route: SocketRoute): UpgradeTarget {
    return {
      open: (exchange, session, protocol, compress) => {
        const req = exchange.request as UpgradeRequest;
        req[CHOSEN_PROTOCOL] = protocol;
        if (!compress) delete req.headers['sec-websocket-extensions'];
        res.detachSocket(socket as Socket);
        let opened: NodeSocket | null = null;
        route.wss.handleUpgrade(req, socket, head, (ws) => {
          opened = new NodeSocket(ws, socket, exchange.remoteAddress, session, route.options, route.callbacks, this.topics, (gone) => this.sockets.delete(gone));
          this.sockets.add(opened);
        });
        if (!opened) return false;
        try {
          route.callbacks.open(session, opened);
        } catch (error) {
          genLog.error('Uncaught exception in the WebSocket open callback', error);
        }
        return true;
      },
    };
  }
}

/** What node's `clientError` event carries: llhttp's code and reason, and the bytes it was parsing. */
type ClientError = NodeJS.ErrnoException & { reason?: string; rawPacket?: Buffer };

/**
 * A request node's parser refused (request-smuggling shapes, a head over the limit, garbage):
 * the same status and reason the application gives for the shapes it checks itself, then close.
 */
function answerClientError(error: ClientError, socket: Duplex): void {
  genLog.debug(`Refused a malformed request: ${error.code} ${error.reason ?? error.message}`);
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] = clientErrorStatus(error);
  const body = `${status}: ${reason}`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}

function clientErrorStatus(error: ClientError): [number, string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request Header Fields Too Large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return [408, 'Request Timeout'];
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'Duplicate Content-Length'];
    case 'HPE_INVALID_CONTENT_LENGTH':
      return [400, 'Invalid Content-Length'];
    case 'HPE_INVALID_TRANSFER_ENCODING':
      if (/Content-Length/.test(error.reason ?? '')) return [400, 'Ambiguous Message Length'];
      // Two Transfer-Encoding lines reach llhttp as one list ending in a second "chunked".
      return [400, (error.rawPacket?.toString('latin1').match(/\r\ntransfer-encoding\s*:/gi)?.length ?? 0) > 1 ? 'Duplicate Transfer-Encoding' : 'Unsupported Transfer-Encoding'];
    case 'HPE_INVALID_METHOD':
      return [501, 'Not Implemented'];
    default:
      return [400, 'Bad Request'];
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
