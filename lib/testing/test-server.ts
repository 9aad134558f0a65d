import http from 'node:http';
import https from 'node:https';
import type { Application } from '../web/application';
import { testRequestPayload, testResponse, type TestBody, type TestResponse } from '../web/test-response';
import { websocketConnect, type WebSocketClientConnection, type WebSocketConnectOptions } from '../websocket/websocket-client';
import { TimeoutError } from '../common/errors';

/** Options of {@link TestServer.fetch}. */
export interface TestFetchOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  /** Strings and Buffers as they are; other objects as JSON. */
  body?: TestBody;
  /** Follow redirects (default false, so tests can assert them). */
  followRedirects?: boolean;
  /** Seconds before the request is abandoned (default 20). */
  timeout?: number;
}

export type { TestResponse };

/**
 * Runs an application on a free loopback port for tests, with clients that talk to it over
 * real sockets.
 *
 * @example
 * ```ts
 * const server = await TestServer.start(new Application({ handlers: [MainHandler] }));
 * const response = await server.fetch('/');
 * expect(response.status).to.equal(200);
 * await server.close();
 * ```
 */
export class TestServer {
  private readonly agent: http.Agent;
  private readonly sockets = new Set<WebSocketClientConnection>();

  private constructor(readonly app: Application, readonly port: number) {
    const options = { keepAlive: true, rejectUnauthorized: false };
    this.agent = this.secure ? new https.Agent(options) : new http.Agent(options);
  }

  /** Starts `app` on 127.0.0.1 with a free port. */
  static async start(app: Application): Promise<TestServer> {
    const server = await app.listen(0, '127.0.0.1');
    return new TestServer(app, server.port);
  }

  private get secure(): boolean {
    return Boolean(this.app.settings.ssl);
  }

  /** Absolute URL of a path on this server. */
  url(path = '/', scheme: 'http' | 'ws' = 'http'): string {
    const secure = this.secure ? 's' : '';
    return `${scheme}${secure}://127.0.0.1:${this.port}${path}`;
  }

  /** Sends a request; never throws for non-2xx statuses. */
  async fetch(path: string, options: TestFetchOptions = {}): Promise<TestResponse> {
    let url = this.url(path);
    let method = options.method ?? 'GET';
    let body = options.body;
    for (let hops = 0; ; hops++) {
      const response = await this.once(url, method, body, options);
      const location = response.headers.get('location');
      if (!options.followRedirects || !location || response.status < 300 || response.status > 399 || hops >= 10) return response;
      url = new URL(location, url).toString();
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
    }
  }

  /** Opens a WebSocket to a path of this server (closed by `close()`). */
  async websocket(path: string, options: WebSocketConnectOptions = {}): Promise<WebSocketClientConnection> {
    const connection = await websocketConnect(this.url(path, 'ws'), { validateCert: false, ...options });
    this.sockets.add(connection);
    void connection.closed.then(() => this.sockets.delete(connection));
    return connection;
  }

  /** Closes the application (WebSockets get 1001), then what is left of the clients. */
  async close(): Promise<void> {
    this.agent.destroy();
    await this.app.close({ timeout: 5 });
    for (const socket of this.sockets) socket.terminate();
  }

  private once(url: string, method: string, body: TestBody | undefined, options: TestFetchOptions): Promise<TestResponse> {
    const headers: Record<string, string | string[]> = { ...options.headers };
    const payload = testRequestPayload(body, headers);
    const transport = this.secure ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method, headers, agent: this.agent, timeout: (options.timeout ?? 20) * 1000 }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const data = Buffer.concat(chunks);
          const pairs: Array<[string, string]> = [];
          for (let i = 0; i < response.rawHeaders.length; i += 2) pairs.push([response.rawHeaders[i], response.rawHeaders[i + 1]]);
          resolve(testResponse(response.statusCode ?? 0, response.statusMessage ?? '', pairs, data, url));
        });
      });
      request.on('timeout', () => request.destroy(new TimeoutError(`Request to ${url} timed out`)));
      request.on('error', reject);
      request.end(payload);
    });
  }
}
