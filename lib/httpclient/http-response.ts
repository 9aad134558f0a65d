import type { HTTPHeaders } from '../common/http-headers';
import type { HTTPRequest } from './http-request';

/**
 * A response of `AsyncHTTPClient.fetch`, as Tornado's `HTTPResponse`.
 *
 * @example
 * ```ts
 * const response = await client.fetch(url);
 * console.log(response.code, response.headers.get('content-type'), response.json());
 * ```
 */
export class HTTPResponse {
  constructor(
    /** The request as sent last (after redirects). */
    readonly request: HTTPRequest,
    /** HTTP status code. */
    readonly code: number,
    /** Reason phrase of the status line. */
    readonly reason: string,
    readonly headers: HTTPHeaders,
    /** The body (empty with `streamingCallback`). */
    readonly body: Buffer,
    /** Final URL after redirects. */
    readonly effectiveUrl: string,
    /** Seconds from the start of the fetch to the end of the body. */
    readonly requestTime: number,
  ) {}

  /** The body decoded as UTF-8. */
  get text(): string {
    return this.body.toString();
  }

  /** The body parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text) as T;
  }
}
