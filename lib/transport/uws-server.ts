import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { ConfigurationError } from '../errors';
import { genLog } from '../log';
import type { RouteCallback, TransportOptions } from './types';
import { isNative, loadUws, type Uws } from './uws';
import { UwsExchange } from './uws-exchange';

const NO_PARAMS: string[] = [];

/**
 * The HTTP server on uWebSockets.js: native routes, a catch-all, listening and closing.
 * Every route callback runs inside a guard so no exception ever unwinds into uWS.
 */
export class UwsServer {
  readonly uws: Uws;
  readonly app: TemplatedApp;
  private readonly ssl: boolean;
  private readonly onFallback: boolean;
  private listenSocket: us_listen_socket | null = null;

  constructor(options: TransportOptions = {}) {
    this.uws = loadUws(options.allowFallback);
    this.ssl = Boolean(options.ssl);
    this.onFallback = !isNative(this.uws);
    this.app = options.ssl
      ? this.uws.SSLApp({
          key_file_name: options.ssl.keyFile,
          cert_file_name: options.ssl.certFile,
          passphrase: options.ssl.passphrase,
        })
      : this.uws.App();
  }

  /** Registers a native uWS pattern (`/items/:id`, `/files/*`) for every method. */
  route(pattern: string, paramCount: number, callback: RouteCallback): void {
    this.app.any(pattern, (res, req) => this.serve(res, req, paramCount, callback));
  }

  /** Registers the handler for everything no native pattern matched. */
  fallback(callback: RouteCallback): void {
    this.app.any('/*', (res, req) => this.serve(res, req, 0, callback));
  }

  /** Listens on `host:port` (port 0: any free port); resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    if (this.listenSocket) return Promise.reject(new ConfigurationError('This server is already listening'));
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, (socket) => {
        if (!socket) {
          reject(new ConfigurationError(`Cannot listen on ${host}:${port}: the address is in use or not available here`));
          return;
        }
        this.listenSocket = socket;
        resolve(this.uws.us_socket_local_port(socket as never));
      });
    });
  }

  /** Stops accepting connections; open connections go on. */
  stopListening(): void {
    if (!this.listenSocket) return;
    this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  /** Closes every connection at once (listen socket included). */
  closeAll(): void {
    this.stopListening();
    // close() exists in the native build (missing from its d.ts), not in the opt-in JS fallback.
    (this.app as TemplatedApp & { close?(): void }).close?.();
  }

  private serve(res: HttpResponse, req: HttpRequest, paramCount: number, callback: RouteCallback): void {
    let exchange: UwsExchange | undefined;
    try {
      exchange = new UwsExchange(res, req, this.ssl, this.onFallback);
      const params: string[] = paramCount === 0 ? NO_PARAMS : new Array(paramCount);
      for (let i = 0; i < paramCount; i++) params[i] = req.getParameter(i);
      callback(exchange, params);
    } catch (error) {
      genLog.error('Uncaught exception in a route callback', error);
      if (exchange?.state === 'open') exchange.end('500 Internal Server Error', [], '', true);
      else if (!exchange) res.writeStatus('500 Internal Server Error').end('', true);
    }
    exchange?.detach();
  }
}
