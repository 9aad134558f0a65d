import type { RequestHandler } from './request-handler';

/** The `cors` setting: which cross-origin requests browsers may make, answered without hand-written `options()`. */
export interface CorsOptions {
  /** Allowed origins: `'*'`, a list (`'https://app.example'`), or a function deciding per origin. */
  origins: '*' | string[] | ((origin: string) => boolean);
  /** Methods allowed in preflights (default: the methods the route implements). */
  methods?: string[];
  /** Request headers allowed in preflights (default: whatever the preflight asks for). */
  headers?: string[];
  /** Response headers scripts may read. */
  exposeHeaders?: string[];
  /** Allow cookies and credentials (then the origin is echoed, never `*`). Default false. */
  credentials?: boolean;
  /** Seconds a browser may cache a preflight answer (default 600). */
  maxAge?: number;
}

/** True when `origin` may make cross-origin requests. */
export function corsAllows(options: CorsOptions, origin: string): boolean {
  if (options.origins === '*') return true;
  if (typeof options.origins === 'function') return options.origins(origin);
  return options.origins.includes(origin);
}

/** Adds the CORS headers of an actual (non-preflight) response; survives `clear()`. */
export function decorateCors(handler: RequestHandler, options: CorsOptions): void {
  const origin = handler.request.headers.get('origin');
  if (!origin || !corsAllows(options, origin)) return;
  const wildcard = options.origins === '*' && !options.credentials;
  handler.setHeader('Access-Control-Allow-Origin', wildcard ? '*' : origin);
  if (!wildcard) handler.addHeader('Vary', 'Origin');
  if (options.credentials) handler.setHeader('Access-Control-Allow-Credentials', 'true');
  if (options.exposeHeaders?.length) handler.setHeader('Access-Control-Expose-Headers', options.exposeHeaders.join(', '));
}

/**
 * Answers a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): 204 with
 * the allowed methods and headers, or 403 when the origin or method is not allowed.
 */
export async function answerPreflight(handler: RequestHandler, options: CorsOptions, routeMethods: string[]): Promise<void> {
  const headers = handler.request.headers;
  const origin = headers.get('origin')!;
  const method = (headers.get('access-control-request-method') ?? '').toUpperCase();
  const methods = options.methods?.map((m) => m.toUpperCase()) ?? routeMethods.filter((m) => m !== 'OPTIONS');
  handler.clearHeader('Content-Type');
  if (!corsAllows(options, origin) || !methods.includes(method)) {
    handler.clear();
    handler.setStatus(403);
    await handler.finish(`CORS preflight refused for origin ${origin} and method ${method || '(none)'}`);
    return;
  }
  handler.setStatus(204);
  handler.setHeader('Access-Control-Allow-Methods', methods.join(', '));
  const requested = headers.get('access-control-request-headers');
  const allowedHeaders = options.headers ? options.headers.join(', ') : requested;
  if (allowedHeaders) handler.setHeader('Access-Control-Allow-Headers', allowedHeaders);
  handler.setHeader('Access-Control-Max-Age', options.maxAge ?? 600);
  if (!options.headers && requested) handler.addHeader('Vary', 'Access-Control-Request-Headers');
  await handler.finish();
}

/** True for a CORS preflight request. */
export function isPreflight(handler: RequestHandler): boolean {
  const headers = handler.request.headers;
  return handler.request.method === 'OPTIONS' && headers.has('origin') && headers.has('access-control-request-method');
}
