import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request handed to a request listener without a socket. */
export interface InjectedRequest {
  method: string;
  /** Path and query, e.g. `/items/1?full=1`. */
  url: string;
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
  /** The client address the application sees (default `127.0.0.1`). */
  remoteAddress?: string;
}

/** What the listener answered: status, reason, header lines in order (names as written), body. */
export interface InjectedAnswer {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

/**
 * Runs one request through a `node:http` request listener in memory, with `light-my-request`
 * (Fastify's `inject`), loaded on first use.
 */
export async function injectRequest(listener: (req: IncomingMessage, res: ServerResponse) => void, request: InjectedRequest): Promise<InjectedAnswer> {
  const { inject } = require('light-my-request') as typeof import('light-my-request');
  const response = await inject(listener, {
    method: request.method as never,
    url: request.url,
    headers: request.headers,
    payload: request.body,
    remoteAddress: request.remoteAddress ?? '127.0.0.1',
  });
  // The head as written: light-my-request's header object misses headers given to writeHead() as a list.
  const head = (response.raw.res as unknown as { _header?: string | null })._header ?? '';
  return { status: response.statusCode, reason: response.statusMessage, headers: headerLines(head), body: response.rawPayload };
}

/** `Name: value` lines of a response head (after its status line). */
function headerLines(head: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) pairs.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return pairs;
}
