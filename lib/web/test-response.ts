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

/** A request body as sent by the test clients: strings and Buffers as they are, other objects as JSON. */
export type TestBody = string | Buffer | object;

/**
 * The bytes of a test request's body, adding `Content-Type: application/json` to `headers`
 * (in place) for an object sent as JSON when no content type was given.
 */
export function testRequestPayload(body: TestBody | undefined, headers: Record<string, string | string[]>): string | Buffer | undefined {
  const payload = body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  if (payload !== undefined && body !== payload && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  return payload;
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
