import type { Agent, Dispatcher } from 'undici';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { InvalidArgumentError, InvalidStateError } from '../common/errors';
import { invalidArgument } from '../common/invalid-argument';
import { HTTPClientError } from './http-client-error';
import { Semaphore } from '../ioloop/semaphore';
import { HTTPHeaders } from '../common/http-headers';
import { HTTPRequest, type HTTPRequestOptions } from './http-request';
import { HTTPResponse } from './http-response';

/** Options of {@link AsyncHTTPClient}: request defaults plus client limits. */
export interface AsyncHTTPClientOptions extends HTTPRequestOptions {
  /** Requests in flight at once; more wait in line (default 10, as Tornado). */
  maxClients?: number;
  /** Seconds an idle pooled connection is kept (default 4). */
  keepAliveTimeout?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = ['content-length', 'content-type', 'content-encoding', 'transfer-encoding'];
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const DECODERS: Record<string, () => Transform> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };
const USER_AGENT = `Typhoon/${require('../../../package.json').version as string}`;

/** What one hop (request/response without redirects) produced. */
interface Hop {
  code: number;
  reason: string;
  headers: HTTPHeaders;
  body: Buffer;
}

/**
 * Non-blocking HTTP client on undici, with pooled keep-alive connections (per client), as
 * Tornado's `AsyncHTTPClient`. Non-2xx responses reject with HTTPClientError (unless
 * `raiseError: false`); timeouts and network errors always do, with code 599.
 *
 * @example
 * ```ts
 * const client = new AsyncHTTPClient({ requestTimeout: 5 });
 * const response = await client.fetch('http://localhost:8888/items/1');
 * console.log(response.json());
 * client.close();
 * ```
 */
export class AsyncHTTPClient {
  readonly maxClients: number;
  private readonly defaults: HTTPRequestOptions;
  private readonly keepAliveMs: number;
  private readonly agents = new Map<string, Agent>();
  /** `maxClients` requests in flight; the rest wait in line. */
  private readonly slots: Semaphore;
  private closed = false;

  constructor(options: AsyncHTTPClientOptions = {}) {
    const { maxClients = 10, keepAliveTimeout = 4, ...defaults } = options;
    if (!Number.isInteger(maxClients) || maxClients < 1) throw invalidArgument(RangeError, `maxClients must be a positive integer, got ${maxClients}`);
    this.maxClients = maxClients;
    this.slots = new Semaphore(maxClients);
    this.keepAliveMs = keepAliveTimeout * 1000;
    this.defaults = defaults;
  }

  /** Fetches a URL (or an HTTPRequest, whose fields win over `options` and the client defaults). */
  async fetch(request: string | HTTPRequest, options: HTTPRequestOptions = {}): Promise<HTTPResponse> {
    if (this.closed) throw new InvalidStateError('fetch() called on a closed AsyncHTTPClient: make a new client, or fetch before close()');
    const prepared = typeof request === 'string'
      ? new HTTPRequest(request, { ...this.defaults, ...options, headers: { ...this.defaults.headers, ...options.headers } })
      : Object.assign(new HTTPRequest(request.url, { ...this.defaults, ...options }), request);
    return this.slots.runExclusive(() => this.fetchFollowing(prepared, performance.now()));
  }

  /** Closes pooled connections; later fetches fail. */
  close(): void {
    this.closed = true;
    for (const agent of this.agents.values()) void agent.close().catch(() => undefined);
    this.agents.clear();
  }

  private async fetchFollowing(request: HTTPRequest, started: number): Promise<HTTPResponse> {
    let current = request;
    let url = parseUrl(current.url);
    for (let redirects = 0; ; redirects++) {
      const follow = (current.followRedirects ?? true) && redirects < (current.maxRedirects ?? 5);
      const hop = await this.exchange(current, url, follow);
      const location = hop.headers.get('location');
      if (follow && REDIRECTS.has(hop.code) && location) {
        const next = new URL(location, url);
        current = redirected(current, hop.code, url, next);
        url = next;
        continue;
      }
      const response = new HTTPResponse(current, hop.code, hop.reason, hop.headers, hop.body, url.toString(), (performance.now() - started) / 1000);
      if ((current.raiseError ?? true) && (hop.code < 200 || hop.code >= 300)) {
        throw new HTTPClientError(hop.code, hop.reason, response);
      }
      return response;
    }
  }

  /** One request and its response; a redirect that will be followed is not streamed or reported. */
  private exchange(request: HTTPRequest, url: URL, willFollow: boolean): Promise<Hop> {
    const { headers, body } = outgoing(request);
    const dispatcher = this.agentFor(request);
    return new Promise<Hop>((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      let hop: Hop | undefined;
      let decoder: Transform | undefined;
      /** The Content-Encoding to decode the body with, once one arrives ('' for none). */
      let decodeWith = '';
      let streaming = false;
      const chunks: Buffer[] = [];
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        decoder?.destroy();
        reject(error instanceof HTTPClientError ? error : toClientError(error, url));
      };
      const timer = setTimeout(
        () => {
          const error = new HTTPClientError(599, `Timeout during request to ${url.origin}`);
          controller?.abort(error);
          fail(error);
        },
        (request.requestTimeout ?? 20) * 1000,
      );
      const deliver = (chunk: Buffer) => {
        if (!streaming) {
          chunks.push(chunk);
          return;
        }
        try {
          const pending = request.streamingCallback!(chunk);
          if (pending instanceof Promise) {
            controller?.pause();
            pending.then(() => controller?.resume(), (error) => controller?.abort(error));
          }
        } catch (error) {
          controller?.abort(error as Error);
        }
      };
      const finish = () => {
        if (settled || !hop) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...hop, body: Buffer.concat(chunks) });
      };
      dispatcher.dispatch(
        { origin: url.origin, path: url.pathname + url.search, method: request.method as Dispatcher.HttpMethod, headers, body },
        {
          onRequestStart: (c) => {
            controller = c;
          },
          onResponseStart: (c, code, _headers, statusMessage) => {
            if (code < 200) return;
            const pairs = rawPairs(c.rawHeaders);
            hop = { code, reason: statusMessage || '', headers: new HTTPHeaders(pairs), body: Buffer.alloc(0) };
            const followed = willFollow && REDIRECTS.has(code) && hop.headers.has('location');
            if (followed) return;
            if (request.headerCallback) {
              request.headerCallback(`HTTP/1.1 ${code} ${statusMessage ?? ''}\r\n`);
              for (const [name, value] of pairs) request.headerCallback(`${name}: ${value}\r\n`);
              request.headerCallback('\r\n');
            }
            streaming = Boolean(request.streamingCallback);
            const encoding = (hop.headers.get('content-encoding') ?? '').trim().toLowerCase();
            // Decoded from the first byte of body on: a response without one (HEAD, 204, 304, an
            // empty 200) is empty whatever its Content-Encoding says, as in Tornado.
            decodeWith = (request.decompressResponse ?? true) && DECODERS[encoding] ? encoding : '';
          },
          onResponseData: (c, chunk) => {
            if (!hop || (willFollow && REDIRECTS.has(hop.code) && hop.headers.has('location'))) return;
            if (!decoder && decodeWith && chunk.length) {
              const encoding = decodeWith;
              decoder = DECODERS[encoding]();
              decoder.on('data', deliver);
              decoder.on('error', (error: Error) => {
                controller?.abort(error);
                fail(new HTTPClientError(599, `Cannot decode the ${encoding} response body: ${error.message}`, undefined, { cause: error }));
              });
              decoder.on('end', finish);
            }
            if (!decoder) return deliver(chunk);
            if (!decoder.write(chunk)) {
              c.pause();
              decoder.once('drain', () => c.resume());
            }
          },
          onResponseEnd: () => {
            if (decoder) decoder.end();
            else finish();
          },
          onResponseError: (_c, error) => fail(error),
        },
      );
    });
  }

  private agentFor(request: HTTPRequest): Agent {
    const connectTimeout = request.connectTimeout ?? 20;
    const validateCert = request.validateCert ?? true;
    const key = `${connectTimeout}|${validateCert}`;
    let agent = this.agents.get(key);
    if (!agent) {
      // undici is loaded on first use: it costs a process about 20 MB that a server making no requests need not pay.
      const { Agent } = require('undici') as typeof import('undici');
      agent = new Agent({ connect: { timeout: connectTimeout * 1000, rejectUnauthorized: validateCert }, keepAliveTimeout: this.keepAliveMs });
      this.agents.set(key, agent);
    }
    return agent;
  }

}

function parseUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`unsupported scheme ${url.protocol}`);
    return url;
  } catch (error) {
    throw new HTTPClientError(599, `Invalid URL ${JSON.stringify(text)}: ${(error as Error).message}`, undefined, { cause: error });
  }
}

/** Headers and body as sent: defaults, basic auth, JSON bodies, content negotiation. */
function outgoing(request: HTTPRequest): { headers: Record<string, string | string[]>; body?: string | Buffer } {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers['user-agent'] ??= request.userAgent ?? USER_AGENT;
  if (request.decompressResponse ?? true) headers['accept-encoding'] ??= 'gzip, deflate, br';
  if (request.authUsername !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${request.authUsername}:${request.authPassword ?? ''}`).toString('base64')}`;
  }
  const raw = request.body;
  if (raw === undefined || raw === null) return { headers };
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) return { headers, body: raw };
  if (raw instanceof Uint8Array) return { headers, body: Buffer.from(raw) };
  headers['content-type'] ??= 'application/json';
  return { headers, body: JSON.stringify(raw) };
}

/** The request for the next hop of a redirect, as Tornado: 301/302 POST and 303 become GET; credentials stay on their origin. */
function redirected(request: HTTPRequest, code: number, from: URL, to: URL): HTTPRequest {
  const next = Object.assign(new HTTPRequest(to.toString()), request, { url: to.toString(), headers: { ...request.headers } });
  if (((code === 301 || code === 302) && request.method === 'POST') || (code === 303 && request.method !== 'HEAD')) {
    next.method = 'GET';
    next.body = undefined;
    for (const name of Object.keys(next.headers)) if (BODY_HEADERS.includes(name.toLowerCase())) delete next.headers[name];
  }
  if (to.origin !== from.origin) {
    for (const name of Object.keys(next.headers)) if (CREDENTIAL_HEADERS.includes(name.toLowerCase())) delete next.headers[name];
    next.authUsername = undefined;
    next.authPassword = undefined;
  }
  return next;
}

function rawPairs(raw: Dispatcher.DispatchController['rawHeaders']): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (!Array.isArray(raw)) return pairs;
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([String(raw[i]), String(raw[i + 1])]);
  return pairs;
}

function toClientError(error: Error, url: URL): HTTPClientError {
  const code = (error as { code?: string }).code;
  const message =
    code === 'UND_ERR_CONNECT_TIMEOUT' ? `Timeout while connecting to ${url.host}`
    : code === 'ECONNREFUSED' ? `Connection refused by ${url.host}`
    : error.message;
  return new HTTPClientError(599, message, undefined, { cause: error });
}
