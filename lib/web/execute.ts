import { Finish, HTTPError, StreamClosedError } from '../errors';
import { appLog, genLog } from '../log';
import type { BodyReader } from './body-reader';
import { answerPreflight, isPreflight } from './cors';
import { decodeComponent, parseMultipart } from './form-data';
import type { HandlerRoute } from './handler-route';
import type { RequestHandler } from './request-handler';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the router found for one request. */
export interface RouteMatch {
  route: HandlerRoute;
  /** Raw (percent-encoded) positional path arguments. */
  args: string[];
  /** Raw named path arguments. */
  named: Record<string, string> | null;
}

/**
 * The request lifecycle, as Tornado's `RequestHandler._execute`: method check → path args →
 * body → XSRF → current user → prepare → (streamed body) → verb → auto-finish; any exception
 * becomes an error page. Each step is awaited only if it returned a promise, so a handler that
 * never awaits completes inside the native callback, with no extra copies.
 */
export async function execute(handler: RequestHandler, match: RouteMatch, body: BodyReader | null): Promise<void> {
  const { route } = match;
  const request = handler.request;
  try {
    const init = handler.initialize(route.initArgs);
    if (init instanceof Promise) await init;
    const cors = handler.settings.cors;
    if (cors && isPreflight(handler)) return await answerPreflight(handler, cors, [...route.verbs.keys()]);
    const verb = route.verbs.get(request.method);
    if (!verb) throw new HTTPError(405, undefined, { headers: { Allow: route.allowHeader } });
    decodePathArgs(handler, match);
    if (body && !route.streamBody) await readBody(handler, body);
    if (handler.settings.xsrfCookies && !SAFE_METHODS.has(request.method)) handler.checkXsrfCookie();
    const user = handler._loadCurrentUser();
    if (user) await user;
    const prepared = handler.prepare();
    if (prepared instanceof Promise) await prepared;
    if (handler.finished) return;
    if (body && route.streamBody) await streamBody(handler, body);
    const result = (handler as unknown as Record<string, (...args: string[]) => unknown>)[verb](...handler.pathArgs);
    if (result instanceof Promise) await result;
    if (!handler.finished) await handler.finish();
  } catch (error) {
    await handleException(handler, error);
  }
}

export function decodePathArgs(handler: RequestHandler, match: Pick<RouteMatch, 'args' | 'named'>): void {
  if (match.args.length) handler.pathArgs = match.args.map((arg) => decodeComponent(arg, false, 'path'));
  if (match.named) {
    const kwargs: Record<string, string> = {};
    for (const [name, raw] of Object.entries(match.named)) kwargs[name] = decodeComponent(raw, false, 'path');
    handler.pathKwargs = kwargs;
  }
}

async function readBody(handler: RequestHandler, body: BodyReader): Promise<void> {
  const request = handler.request;
  request.body = await body.readAll();
  const type = request.headers.get('content-type') ?? '';
  if (type.toLowerCase().startsWith('multipart/form-data')) {
    const { args, files } = await parseMultipart(request.body, type);
    request.setBodyArguments(args, files);
  }
}

async function streamBody(handler: RequestHandler, body: BodyReader): Promise<void> {
  const receiver = handler as unknown as { dataReceived?: (chunk: Buffer) => void | Promise<void> };
  if (typeof receiver.dataReceived !== 'function') {
    throw new TypeError(`${handler.constructor.name} is decorated with @streamRequestBody but has no dataReceived(chunk) method`);
  }
  await body.pipeTo((chunk) => receiver.dataReceived!(chunk));
}

/** Tornado's `_handle_request_exception`: Finish ends normally, the rest becomes an error page. */
export async function handleException(handler: RequestHandler, error: unknown): Promise<void> {
  try {
    if (error instanceof Finish) {
      if (!handler.finished) await handler.finish(error.body);
      return;
    }
    if (error instanceof StreamClosedError && handler._exchange.state === 'aborted') return;
    // After a handler timeout the 503 is out: what the handler does later is moot.
    if (handler._timedOutAfter !== undefined) return;
    logException(handler, error);
    if (handler.finished) return;
    await handler.sendError(error instanceof HTTPError ? error.statusCode : 500, { error });
  } catch (secondary) {
    appLog.error(`Exception while handling an error of ${handler.request.method} ${handler.request.uri}`, secondary);
    if (handler._exchange.state === 'open') handler._exchange.close();
  }
}

function logException(handler: RequestHandler, error: unknown): void {
  const request = handler.request;
  const summary = `${request.method} ${request.uri} (${request.remoteIp})`;
  if (error instanceof HTTPError) {
    if (error.logMessage) genLog.warn(`${error.statusCode} ${summary}: ${error.logMessage}`);
    return;
  }
  appLog.error(`Uncaught exception ${summary} in ${handler.constructor.name}`, error);
}
