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

/** A step's way of saying the request is over (answered early). */
const STOP = Symbol('stop');

type Step = (handler: RequestHandler, match: RouteMatch, body: BodyReader | null) => unknown;

/**
 * The request lifecycle, as Tornado's `RequestHandler._execute`, one step each: initialize →
 * CORS preflight / method check → path args → body → XSRF → current user → prepare →
 * (streamed body) → verb → auto-finish. Any exception becomes an error page.
 */
const STEPS: readonly Step[] = [
  (handler, match) => handler.initialize(match.route.initArgs),
  (handler, match) => {
    const cors = handler.settings.cors;
    if (cors && isPreflight(handler)) return answerPreflight(handler, cors, [...match.route.verbs.keys()]).then(() => STOP);
    if (!match.route.verbs.has(handler.request.method)) throw new HTTPError(405, undefined, { headers: { Allow: match.route.allowHeader } });
  },
  (handler, match) => decodePathArgs(handler, match),
  (handler, match, body) => (body && !match.route.streamBody ? readBody(handler, body) : undefined),
  (handler) => {
    if (handler.settings.xsrfCookies && !SAFE_METHODS.has(handler.request.method)) handler.checkXsrfCookie();
  },
  (handler) => handler._loadCurrentUser(),
  (handler) => handler.prepare(),
  (handler) => (handler.finished ? STOP : undefined),
  (handler, match, body) => (body && match.route.streamBody ? streamBody(handler, body) : undefined),
  (handler, match) => (handler as unknown as Record<string, (...args: string[]) => unknown>)[match.route.verbs.get(handler.request.method)!](...handler.pathArgs),
  (handler) => (handler.finished ? undefined : handler._finishNow()),
];

/**
 * Runs the lifecycle. Each step is awaited only if it returned a promise, so a handler that
 * never awaits completes inside the native callback and no promise is made at all (the result
 * is then `undefined`); otherwise the promise settles when the request is done.
 */
export function execute(handler: RequestHandler, match: RouteMatch, body: BodyReader | null): Promise<void> | undefined {
  return runSteps(handler, match, body, 0);
}

function runSteps(handler: RequestHandler, match: RouteMatch, body: BodyReader | null, from: number): Promise<void> | undefined {
  for (let i = from; i < STEPS.length; i++) {
    let result: unknown;
    try {
      result = STEPS[i](handler, match, body);
    } catch (error) {
      return handleException(handler, error);
    }
    if (result === STOP) return undefined;
    if (result instanceof Promise) {
      return result.then(
        (value) => (value === STOP ? undefined : runSteps(handler, match, body, i + 1)),
        (error) => handleException(handler, error),
      );
    }
  }
  return undefined;
}

export function decodePathArgs(handler: RequestHandler, match: Pick<RouteMatch, 'args' | 'named'>): void {
  if (match.args.length) {
    // Most arguments have nothing to decode: keep the transport's array then.
    handler.pathArgs = anyEncoded(match.args) ? match.args.map((arg) => decodeComponent(arg, false, 'path')) : match.args;
  }
  const named = match.named;
  if (!named) return;
  let encoded = false;
  for (const name in named) if (named[name].includes('%')) encoded = true;
  if (!encoded) {
    handler.pathKwargs = named;
    return;
  }
  const kwargs: Record<string, string> = {};
  for (const [name, raw] of Object.entries(named)) kwargs[name] = decodeComponent(raw, false, 'path');
  handler.pathKwargs = kwargs;
}

function anyEncoded(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) if (args[i].includes('%')) return true;
  return false;
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
