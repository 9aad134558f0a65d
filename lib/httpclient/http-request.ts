/** Options of a request (Tornado's `HTTPRequest` arguments, camelCase). Timeouts in seconds. */
export interface HTTPRequestOptions {
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string | string[]>;
  /** Strings and Buffers as they are; other objects as JSON (with `Content-Type: application/json`). */
  body?: string | Buffer | Uint8Array | object;
  /** Seconds to establish the connection (default 20). */
  connectTimeout?: number;
  /** Seconds for the whole request (default 20). */
  requestTimeout?: number;
  /** Follow 3xx redirects (default true). */
  followRedirects?: boolean;
  /** At most this many redirects (default 5); beyond, the 3xx response is returned. */
  maxRedirects?: number;
  /** Ask for and undo gzip/deflate/br encoding (default true). */
  decompressResponse?: boolean;
  /** HTTP basic authentication. */
  authUsername?: string;
  authPassword?: string;
  /** Receives the body chunk by chunk instead of `response.body` (may be async: the download waits). */
  streamingCallback?: (chunk: Buffer) => void | Promise<void>;
  /** Receives the status line, each header line and the final empty line, as Tornado. */
  headerCallback?: (line: string) => void;
  /** `User-Agent` header (default `Typhoon/<version>`). */
  userAgent?: string;
  /** Check the server's TLS certificate (default true). */
  validateCert?: boolean;
  /** Non-2xx responses reject with HTTPClientError (default true). Network errors always do. */
  raiseError?: boolean;
}

/**
 * A request to fetch: a URL plus options. `client.fetch(url, options)` builds one for you.
 *
 * @example
 * ```ts
 * const request = new HTTPRequest('https://example.com/api', { method: 'POST', body: { q: 1 } });
 * const response = await client.fetch(request);
 * ```
 */
// The class carries every option as a field (declaration merging: no second list to keep in step).
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
export interface HTTPRequest extends HTTPRequestOptions {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class HTTPRequest {
  readonly url: string;
  method: string;
  headers: Record<string, string | string[]>;

  constructor(url: string, options: HTTPRequestOptions = {}) {
    this.url = url;
    Object.assign(this, options);
    this.method = (options.method ?? 'GET').toUpperCase();
    this.headers = { ...options.headers };
  }
}
