import type { RequestListener } from 'node:http';
import { HTTPHeaders } from '../common/http-headers';
import { injectRequest } from '../transport/inject';
import type { InjectOptions } from './application-options';

/** A complete response, read whole: what `TestServer.fetch` and `app.inject` return. */
export interface TestResponse {
  status: number;
  reason: string;
  headers: HTTPHeaders;
  body: Buffer;
  text: string;
  json<T = unknown>(): T;
  /** URL of the response (the last one when redirects were followed). */
  url: string;
}

/**
 * A request body as sent by the test clients: strings and Buffers as they are, `URLSearchParams`
 * as a form (`application/x-www-form-urlencoded`, as `fetch` sends it), other objects as JSON.
 */
export type TestBody = string | Buffer | URLSearchParams | object;

/**
 * The bytes of a test request's body, adding its `Content-Type` to `headers` (in place) when
 * none was given: `application/x-www-form-urlencoded;charset=UTF-8` for `URLSearchParams`,
 * `application/json` for an object sent as JSON.
 *
 * @throws TypeError for a body `fetch` would send in a form JSON cannot stand for (`FormData`,
 * `Blob`, a stream, a typed array other than a Buffer), naming what to send instead
 */
export function testRequestPayload(body: TestBody | undefined, headers: Record<string, string | string[]>): string | Buffer | undefined {
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) return body;
  const typed = !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (body instanceof URLSearchParams) {
    if (typed) headers['Content-Type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    return body.toString();
  }
  const kind = [FormData, Blob, ReadableStream, ArrayBuffer].find((type) => body instanceof type)?.name ?? (ArrayBuffer.isView(body) ? body.constructor.name : null);
  if (kind) {
    throw new TypeError(`A test request's body is a string, a Buffer, URLSearchParams (a form) or a value sent as JSON, not a ${kind}: ` +
      'for a multipart form, write its bytes and Content-Type yourself; for bytes, pass a Buffer (Buffer.from(...))');
  }
  if (typed) headers['Content-Type'] = 'application/json';
  return JSON.stringify(body);
}

/** A {@link TestResponse} from its parts. */
export function testResponse(status: number, reason: string, pairs: Array<[string, string]>, body: Buffer, url: string): TestResponse {
  return {
    status,
    reason,
    headers: new HTTPHeaders(pairs),
    body,
    text: body.toString(),
    json: <T>() => JSON.parse(body.toString()) as T,
    url,
  };
}

/** `app.inject()`: one request through an in-process listener, answered as a TestResponse. */
export async function injectInto(listener: RequestListener, request: InjectOptions): Promise<TestResponse> {
  const headers: Record<string, string | string[]> = { ...request.headers };
  const body = testRequestPayload(request.body, headers);
  const answer = await injectRequest(listener, { method: request.method ?? 'GET', url: request.url, headers, body, remoteAddress: request.remoteAddress });
  return testResponse(answer.status, answer.reason, answer.headers, answer.body, request.url);
}
