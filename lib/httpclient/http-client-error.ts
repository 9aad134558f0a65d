import { inspect } from 'node:util';
import { TyphoonError } from '../common/errors';
import type { HTTPResponse } from './http-response';

/**
 * An HTTP client request failed (AsyncHTTPClient, websocketConnect). As in Tornado, `code` is
 * the HTTP status, or 599 for timeouts and network failures (then `cause` says why). It is
 * the one error whose `code` is a number; its stable string code is `errorCode`.
 *
 * @example
 * ```ts
 * try {
 *   await new AsyncHTTPClient().fetch('http://localhost:8888/missing');
 * } catch (error) {
 *   if (error instanceof HTTPClientError && error.code === 404) console.log('not there');
 * }
 * ```
 */
export class HTTPClientError extends TyphoonError<number> {
  readonly errorCode = 'TYPHOON_ERR_HTTP_CLIENT' as const;
  /** The response, when there was one (non-2xx with `raiseError`). */
  readonly response?: HTTPResponse;

  constructor(code: number, message?: string, response?: HTTPResponse, options?: { cause?: unknown }) {
    super(code, `HTTP ${code}: ${message ?? 'request failed'}`, options);
    this.response = response;
  }

  /** What an uncaught one prints: the stack and the cause, not the response's bytes and fields. */
  [inspect.custom](): string {
    const cause = this.cause instanceof Error ? `\n  cause: ${this.cause.message}` : '';
    const body = this.response ? `\n  response: ${this.response.code} ${this.response.reason}, ${this.response.body.length} bytes from ${this.response.effectiveUrl}` : '';
    return `${this.stack ?? `${this.name}: ${this.message}`}${body}${cause}`;
  }
}
