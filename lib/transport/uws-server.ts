import { Buffer } from 'node:buffer';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t } from 'uWebSockets.js';
import { ConfigurationError } from '../common/errors';
import { genLog } from '../common/log';
import type { ExchangeContext, RouteCallback, SocketRouteCallbacks, SocketRouteOptions, TransportOptions, TransportServer } from './types';
import { openDescriptors } from './descriptors';
import { loadUws, uwsAvailability, type IdleTimeouts, type Uws } from './uws';
import { UwsExchange } from './uws-exchange';
import type { SocketUserData } from './uws-socket';

const NO_PARAMS = Object.freeze([]) as unknown as string[];
/** Typhoon's idleConnectionTimeout default, on every transport; v20.30 builds have it fixed. */
const DEFAULT_IDLE_TIMEOUT = 10;
/** uSockets keeps a socket's timeout in 240 four-second ticks (longer values wrap around). */
const MAX_TIMER_SECONDS = 960;
/** Text messages keep a leading U+FEFF: it is the sender's text, not a byte-order mark to strip. */
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

type Handler = (res: HttpResponse, req: HttpRequest) => void;
/** The uWS registration for each method Typhoon dispatches (`del` is uWS's name for DELETE). */
const METHOD_ROUTES: Record<string, (app: TemplatedApp, pattern: string, handler: Handler) => void> = {
  GET: (app, pattern, handler) => app.get(pattern, handler),
  HEAD: (app, pattern, handler) => app.head(pattern, handler),
  POST: (app, pattern, handler) => app.post(pattern, handler),
  PUT: (app, pattern, handler) => app.put(pattern, handler),
  PATCH: (app, pattern, handler) => app.patch(pattern, handler),
  DELETE: (app, pattern, handler) => app.del(pattern, handler),
};

/**
 * The {@link TransportServer} on uWebSockets.js: native routes, a catch-all, WebSockets,
 * topics, listening and closing. Every callback runs inside a guard so no exception ever
 * unwinds into uWS. It listens exclusively unless `reusePort` (worker threads) asks to share.
 */
export class UwsServer implements TransportServer {
  readonly kind = 'uws';
  private readonly uws: Uws;
  private readonly app: TemplatedApp;
  private readonly context: ExchangeContext;
  private readonly reusePort: boolean;
  private listenSocket: us_listen_socket | null = null;
  private readonly maxConnections: number | undefined;
  private watch: NodeJS.Timeout | null = null;
  /** Above maxConnections: requests are answered 503 and their connections closed. */
  private shedding = false;

  /** @throws ConfigurationError when the native build does not load, or for a setting it cannot honour */
  constructor(options: TransportOptions = {}) {
    UwsServer.checkOptions(options);
    const build = loadUws();
    this.uws = build.uws;
    this.context = { ssl: Boolean(options.ssl), draining: false };
    this.reusePort = options.reusePort ?? false;
    this.maxConnections = options.maxConnections;
    this.app = options.ssl
      ? this.uws.SSLApp({
          key_file_name: options.ssl.keyFile,
          cert_file_name: options.ssl.certFile,
          passphrase: options.ssl.passphrase,
        })
      : this.uws.App();
    if (build.settableIdleTimeout) {
      // Before a request (and while a head or body is awaited) and between requests: the same
      // idleConnectionTimeout as the Node transport, instead of these builds' own 30 s.
      const seconds = Math.ceil(options.idleConnectionTimeout ?? DEFAULT_IDLE_TIMEOUT);
      (this.app as TemplatedApp & IdleTimeouts).setIdleTimeout!(seconds);
      (this.app as TemplatedApp & IdleTimeouts).setResponseTimeout!(seconds);
    }
  }

  /** @throws ConfigurationError for an option this uWS build cannot honour */
  static checkOptions(options: TransportOptions): void {
    const build = uwsAvailability().build;
    // Without a build there is nothing to check against: the constructor says why uWS cannot serve.
    if (!build) return;
    const { idleConnectionTimeout: seconds, maxHeaderSize } = options;
    const refuse = (what: string, why: string, fix: string) => {
      throw new ConfigurationError(`${what} cannot be honoured on transport 'uws': ${why}. ${fix}`);
    };
    if (seconds !== undefined && build.settableIdleTimeout && seconds > MAX_TIMER_SECONDS) {
      refuse(`idleConnectionTimeout ${seconds}`, `uSockets' timers reach ${MAX_TIMER_SECONDS} seconds at most`, `Set it to ${MAX_TIMER_SECONDS} or less, or use transport: 'node'.`);
    }
    if (seconds !== undefined && !build.settableIdleTimeout && seconds !== DEFAULT_IDLE_TIMEOUT) {
      refuse(
        `idleConnectionTimeout ${seconds}`,
        `this uWebSockets.js build (v${build.version}) closes idle HTTP connections after 10 seconds (a compile-time constant; later builds such as v20.57 can set it)`,
        "Remove the setting, set it to 10, or use transport: 'node'.",
      );
    }
    if (maxHeaderSize !== undefined && build.headLimit !== null && maxHeaderSize > build.headLimit) {
      refuse(
        `maxHeaderSize ${maxHeaderSize}`,
        `this uWebSockets.js build (v${build.version}) answers 431 itself to request heads over ${build.headLimit} bytes (UWS_HTTP_MAX_HEADERS_SIZE, read when it loads)`,
        `Start the process with UWS_HTTP_MAX_HEADERS_SIZE=${maxHeaderSize} in its environment, or lower maxHeaderSize.`,
      );
    }
  }

  /** Registers a native uWS pattern (`/items/:id`, `/files/*`) for every method. */
  route(pattern: string, paramCount: number, callback: RouteCallback, methods: readonly string[] = []): void {
    // Methods known in advance get their own uWS route, so the method need not be asked for.
    for (const method of methods) {
      const register = METHOD_ROUTES[method];
      if (register) register(this.app, pattern, (res, req) => this.serve(res, req, paramCount, callback, method));
    }
    this.app.any(pattern, (res, req) => this.serve(res, req, paramCount, callback));
  }

  /** Registers the handler for everything no native pattern matched. */
  fallback(callback: RouteCallback): void {
    this.app.any('/*', (res, req) => this.serve(res, req, 0, callback));
  }

  /** Registers a WebSocket route on a native pattern. */
  websocket(pattern: string, paramCount: number, options: SocketRouteOptions, callbacks: SocketRouteCallbacks): void {
    const uws = this.uws;
    const compression =
      options.compression === 'none' ? uws.DISABLED
      : options.compression === 'shared' ? uws.SHARED_COMPRESSOR | uws.SHARED_DECOMPRESSOR
      : uws.DEDICATED_COMPRESSOR_4KB | uws.DEDICATED_DECOMPRESSOR;
    const guard = (what: string, body: () => void) => {
      try {
        body();
      } catch (error) {
        genLog.error(`Uncaught exception in the WebSocket ${what} callback`, error);
      }
    };
    this.app.ws<SocketUserData>(pattern, {
      maxPayloadLength: options.maxPayloadLength,
      idleTimeout: options.idleTimeout,
      compression,
      maxBackpressure: options.maxBackpressure,
      // v20.30's typings say a number, later ones a boolean; every build reads it as a number
      // (V8's Int32Value: true is 1), so the boolean serves both under either's type.
      closeOnBackpressureLimit: options.closeOnBackpressureLimit as never,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.serveUpgrade(res, req, context, paramCount, options.compression, callbacks),
      open: (ws) => {
        // The UwsSocket was made at the upgrade (address captured then, rule 7).
        const socket = ws.getUserData().socket;
        socket.attach(ws);
        guard('open', () => callbacks.open(socket.handler, socket));
      },
      message: (ws, message, isBinary) => {
        // The ArrayBuffer is neutered when this callback returns: copy it (toString copies).
        const data = isBinary ? Buffer.copyBytesFrom(new Uint8Array(message)) : textDecoder.decode(message);
        const size = message.byteLength;
        guard('message', () => callbacks.message(ws.getUserData().socket.handler, data, size));
      },
      drain: (ws) => guard('drain', () => callbacks.drain(ws.getUserData().socket.handler)),
      close: (ws, code, message) => {
        const socket = ws.getUserData().socket;
        socket.closed = true;
        const reason = textDecoder.decode(message);
        guard('close', () => callbacks.close(socket.handler, code, reason));
      },
      ping: (ws, message) => guard('ping', () => callbacks.ping(ws.getUserData().socket.handler, Buffer.copyBytesFrom(new Uint8Array(message)))),
      pong: (ws, message) => guard('pong', () => callbacks.pong(ws.getUserData().socket.handler, Buffer.copyBytesFrom(new Uint8Array(message)))),
    });
  }

  /** Publishes to every subscriber of a topic in this App (uWS pub/sub is per App). */
  publish(topic: string, data: string | Buffer, binary: boolean, compress: boolean): boolean {
    return this.app.publish(topic, data, binary, compress);
  }

  numSubscribers(topic: string): number {
    return this.app.numSubscribers(topic);
  }

  /** Listens on `host:port` (port 0: any free port); resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    if (this.listenSocket) throw new ConfigurationError('This server is already listening');
    this.listenSocket = await this.bind(host, port);
    this.watchConnections();
    return this.uws.us_socket_local_port(this.listenSocket as never);
  }

  /**
   * Keeps the connections near `maxConnections`. uWS tells JavaScript nothing about HTTP
   * connections opening or closing, so they are counted as the descriptors the process opened
   * since it listened, once a second. Above the limit every request and handshake is answered
   * 503 and its connection closed, so keep-alive connections are shed. Stopping accept() is not
   * possible in this build: a closed listen socket cannot listen again while any connection
   * it accepted is open (uSockets sets no SO_REUSEADDR), so connections that never send a
   * request still count until uWS's 10 s idle timeout.
   */
  private watchConnections(): void {
    const limit = this.maxConnections;
    const base = openDescriptors();
    if (limit === undefined || base === null) return;
    this.watch = setInterval(() => {
      const open = (openDescriptors() ?? base) - base;
      if (!this.shedding && open >= limit) {
        this.shedding = true;
        genLog.warn(`${open} connections open, maxConnections is ${limit}: answering 503 and closing until fewer than ${Math.floor(limit * 0.9)} are open`);
      } else if (this.shedding && open < limit * 0.9) {
        this.shedding = false;
        genLog.info(`${open} connections open: serving new requests again`);
      }
    }, 1000).unref();
  }

  /** Over maxConnections: answers 503 and closes the connection, without the application. */
  private shed(res: HttpResponse): void {
    res.writeStatus('503 Service Unavailable').writeHeader('Retry-After', '1').end('Too many connections', true);
  }

  private bind(host: string, port: number): Promise<us_listen_socket> {
    return new Promise((resolve, reject) => {
      // uSockets sets SO_REUSEPORT by default: a second process on the same port would listen
      // too and the kernel would split the traffic. Exclusive unless workers share the port.
      // uSockets' LIBUS_LISTEN_DEFAULT (0) and LIBUS_LISTEN_EXCLUSIVE_PORT (1), in every release.
      const options = this.reusePort ? 0 : 1;
      const listen = this.app.listen as unknown as (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => void;
      listen.call(this.app, host, port, options, (socket) => {
        if (!socket) {
          reject(new ConfigurationError(`Cannot listen on ${host}:${port}: the address is in use or not available here`));
          return;
        }
        resolve(socket);
      });
    });
  }

  /** Stops accepting connections; open connections go on. */
  stopListening(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    if (!this.listenSocket) return;
    this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  /** Responses from now on close their connections. */
  drain(): void {
    this.context.draining = true;
  }

  /** Closes every connection at once (listen socket included). */
  closeAll(): void {
    this.stopListening();
    // close() exists in the native build (missing from this version's d.ts).
    (this.app as TemplatedApp & { close?(): void }).close?.();
  }

  private serveUpgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t, paramCount: number, compression: SocketRouteOptions['compression'], callbacks: SocketRouteCallbacks): void {
    if (this.shedding) return this.shed(res);
    let exchange: UwsExchange | undefined;
    try {
      exchange = new UwsExchange(res, req, this.context);
      exchange.prepareUpgrade(context, compression);
      const params: string[] = paramCount === 0 ? NO_PARAMS : new Array(paramCount);
      for (let i = 0; i < paramCount; i++) params[i] = req.getParameter(i) ?? '';
      callbacks.upgrade(exchange, params);
    } catch (error) {
      answerFailure('in a WebSocket upgrade', error, res, exchange);
    }
    leaveCallback(res, exchange);
  }

  private serve(res: HttpResponse, req: HttpRequest, paramCount: number, callback: RouteCallback, method?: string): void {
    if (this.shedding) return this.shed(res);
    let exchange: UwsExchange | undefined;
    try {
      exchange = new UwsExchange(res, req, this.context, method);
      const params: string[] = paramCount === 0 ? NO_PARAMS : new Array(paramCount);
      for (let i = 0; i < paramCount; i++) params[i] = req.getParameter(i) ?? '';
      callback(exchange, params);
    } catch (error) {
      answerFailure('in a route callback', error, res, exchange);
    }
    leaveCallback(res, exchange);
  }
}

/** Ends the native callback's hold on the request; a failure there is answered, never thrown into uWS. */
function leaveCallback(res: HttpResponse, exchange: UwsExchange | undefined): void {
  try {
    exchange?.copyRequestAndWatchAbort();
  } catch (error) {
    answerFailure('while copying a request', error, res, exchange);
  }
}

/** Logs an exception caught in a native callback and answers 500 if nothing was sent yet. */
function answerFailure(where: string, error: unknown, res: HttpResponse, exchange: UwsExchange | undefined): void {
  genLog.error(`Uncaught exception ${where}`, error);
  if (exchange?.state === 'open') exchange.end('500 Internal Server Error', [], '', true);
  else if (!exchange) res.writeStatus('500 Internal Server Error').end('', true);
}
