import { StreamClosedError } from '../common/errors';
import { invalidArgument } from '../common/invalid-argument';
import { Finish, HTTPError } from '../common/http-errors';
import { appLog, genLog } from '../common/log';
import type { BodyReader } from './body-reader';
import { answerPreflight, isPreflight } from './cors';
import { decodeComponent, parseMultipart } from './form-data';
import type { HandlerRoute } from './handler-route';
import { runErrorHooks, runRequestHooks, type Hooks, type RequestHook } from './hooks';
import { RequestHandler } from './request-handler';
import type { ResolvedSettings } from './settings';
import { INTERNALS } from './handler-internals';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The path arguments the router found for one request. */
export interface PathMatch {
  /** Raw (percent-encoded) positional path arguments. */
  args: string[];
  /** Raw named path arguments. */
  named: Record<string, string> | null;
}

/** What the router found for one request. */
export interface RouteMatch extends PathMatch {
  route: HandlerRoute;
}

/** A step's way of saying the request is over (answered early). */
export const STOP = Symbol('stop');

/** One step of the lifecycle; a promise is awaited, `STOP` ends the request there. */
export type Step = (handler: RequestHandler, match: PathMatch, body: BodyReader | null) => unknown;

/**
 * What one kind of route brings to the lifecycle: an HTTP route its method check, body and verb;
 * a WebSocket route its handshake checks, origin check and upgrade.
 */
export interface LifecycleShape {
  /** Named parameters of the route's pattern. */
  paramNames: readonly string[];
  /** Whether the pattern has parameters at all. */
  hasArgs: boolean;
  initArgs: Record<string, unknown>;
  /** Before any user code runs (a handshake's RFC 6455 header checks). */
  first?: Step;
  /** After the onRequest hooks, before the path arguments (the method check, CORS preflights). */
  admit?: Step;
  /** After the path arguments (a handshake's origin check). */
  guard?: Step;
  /** The body: read whole before prepare(), streamed to `dataReceived` after the preHandler hooks, or none. */
  body: 'buffered' | 'streamed' | 'none';
  /** The XSRF check of unsafe methods applies (`xsrfCookies`). */
  xsrf: boolean;
  /** The end: the verb method and the automatic finish, or the upgrade. */
  end: Step[];
}

const base = RequestHandler.prototype;
const overrides = (proto: RequestHandler, name: 'initialize' | 'prepare' | 'getCurrentUser') => proto[name] !== base[name];

/**
 * The lifecycle of a request or a WebSocket handshake, as Tornado's `RequestHandler._execute`,
 * one step each: (handshake checks) → initialize → onRequest hooks → (method check) → path
 * args → (origin check) → body → XSRF → current user → prepare → preHandler hooks → (streamed
 * body) → the verb (a value it returns is the response) and auto-finish, or the upgrade. Any
 * exception becomes an error page. Built once per route and handler class, leaving out the
 * steps that cannot do anything for them (hooks the class does not override, settings that are
 * off), so a plain handler runs only a few.
 */
export function lifecycleSteps(handlerClass: Function, settings: ResolvedSettings, hooks: Hooks, shape: LifecycleShape): Step[] {
  const proto = handlerClass.prototype as RequestHandler;
  const steps: Step[] = [];
  const initialize = overrides(proto, 'initialize');
  const loadsUser = overrides(proto, 'getCurrentUser');
  const prepare = overrides(proto, 'prepare');
  if (shape.first) steps.push(shape.first);
  if (initialize) steps.push((handler) => handler.initialize(shape.initArgs));
  if (hooks.onRequest.length) steps.push(hookStep(hooks.onRequest));
  if (shape.admit) steps.push(shape.admit);
  if (shape.hasArgs) steps.push((handler, match) => decodePathArgs(handler, match, shape.paramNames));
  if (shape.guard) steps.push(shape.guard);
  if (shape.body === 'buffered') steps.push((handler, _match, body) => (body ? readBody(handler, body) : undefined));
  if (shape.xsrf && settings.xsrfCookies) {
    steps.push((handler) => {
      if (!SAFE_METHODS.has(handler.request.method)) handler.checkXsrfCookie();
    });
  }
  if (loadsUser) steps.push((handler) => handler[INTERNALS].loadCurrentUser());
  if (prepare) steps.push((handler) => handler.prepare());
  // Only these hooks can finish the request before the verb runs.
  if (initialize || loadsUser || prepare) steps.push((handler) => (handler.finished ? STOP : undefined));
  if (hooks.preHandler.length) steps.push(hookStep(hooks.preHandler));
  if (shape.body === 'streamed') steps.push((handler, _match, body) => (body ? streamBody(handler, body) : undefined));
  steps.push(...shape.end);
  return steps;
}

/** The shape of an HTTP route: method check (with CORS preflights), body, XSRF, the verb. */
export function httpShape(route: HandlerRoute): LifecycleShape {
  const verbs = route.verbs;
  return {
    paramNames: route.pattern.paramNames,
    hasArgs: !route.pattern.fixed,
    initArgs: route.initArgs,
    admit: (handler) => {
      const cors = handler.settings.cors;
      if (cors && isPreflight(handler)) return answerPreflight(handler, cors, [...verbs.keys()]).then(() => STOP);
      if (!verbs.has(handler.request.method)) throw new HTTPError(405, undefined, { headers: { Allow: route.allowHeader } });
    },
    body: route.streamBody ? 'streamed' : 'buffered',
    xsrf: true,
    end: [(handler) => verbStep(handler, verbs.get(handler.request.method)!), (handler) => (handler.finished ? undefined : handler[INTERNALS].autoFinish()), lifecycleDone],
  };
}

/** A step running request hooks; the request ends there when one of them finished it. */
function hookStep(hooks: readonly RequestHook[]): Step {
  return (handler) => {
    const finished = runRequestHooks(hooks, handler);
    if (finished === true) return STOP;
    if (finished === false) return undefined;
    return finished.then((done) => (done ? STOP : undefined));
  };
}

/** The last step: from now on a misuse of the response API is logged, not thrown. */
function lifecycleDone(handler: RequestHandler): void {
  handler[INTERNALS].out.lifecycleDone = true;
}

/**
 * Calls the verb method `name`; what it returns, or its promise resolves to, other than
 * `undefined` is the response (see `HandlerInternals.returned`).
 */
function verbStep(handler: RequestHandler, name: string): unknown {
  const result = callVerb(handler, name);
  if (result === undefined) return undefined;
  if (result instanceof Promise) return result.then((value) => (value === undefined ? undefined : handler[INTERNALS].returned(name, value)));
  return handler[INTERNALS].returned(name, result);
}

/** Calls the handler method `name` with the path arguments. */
function callVerb(handler: RequestHandler, name: string): unknown {
  const verb = (handler as unknown as Record<string, (...args: string[]) => unknown>)[name];
  const args = handler.pathArgs;
  switch (args.length) {
    case 0:
      return verb.call(handler);
    case 1:
      return verb.call(handler, args[0]);
    case 2:
      return verb.call(handler, args[0], args[1]);
    default:
      return verb.apply(handler, args);
  }
}

/**
 * Runs the lifecycle. Each step is awaited only if it returned a promise, so a handler that
 * never awaits completes inside the native callback and no promise is made at all (the result
 * is then `undefined`); otherwise the promise settles when the request is done.
 */
export function execute(handler: RequestHandler, match: RouteMatch, body: BodyReader | null): Promise<void> | undefined {
  return runSteps(handler, match, body, match.route.lifecycle(handler), 0);
}

/** Runs `steps` (a lifecycle from lifecycleSteps) for a handler; see `execute`. */
export function runSteps(handler: RequestHandler, match: PathMatch, body: BodyReader | null, steps: Step[], from = 0): Promise<void> | undefined {
  for (let i = from; i < steps.length; i++) {
    let result: unknown;
    try {
      result = steps[i](handler, match, body);
    } catch (error) {
      return handleException(handler, error);
    }
    if (result === STOP) return undefined;
    if (result instanceof Promise) {
      return result.then(
        (value) => (value === STOP ? undefined : runSteps(handler, match, body, steps, i + 1)),
        (error) => handleException(handler, error),
      );
    }
  }
  return undefined;
}

/**
 * Decodes the path arguments onto the handler. Named arguments of native patterns are not
 * copied per request: the handler derives `pathKwargs` from `names` when asked.
 */
export function decodePathArgs(handler: RequestHandler, match: PathMatch, names: readonly string[]): void {
  if (match.args.length) {
    // Most arguments have nothing to decode: keep the transport's array then.
    handler.pathArgs = anyEncoded(match.args) ? match.args.map((arg) => decodeComponent(arg, false, 'path')) : match.args;
  }
  const named = match.named;
  if (!named) {
    if (names.length) handler[INTERNALS].kwargs = names;
    return;
  }
  const kwargs: Record<string, string> = {};
  for (const [name, raw] of Object.entries(named)) kwargs[name] = raw.includes('%') ? decodeComponent(raw, false, 'path') : raw;
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
    throw invalidArgument(TypeError, `${handler.constructor.name} is decorated with @streamRequestBody but has no dataReceived(chunk) method`);
  }
  await body.pipeTo((chunk) => receiver.dataReceived!(chunk));
}

/** Tornado's `_handle_request_exception`: Finish ends normally, the rest becomes an error page. */
export async function handleException(handler: RequestHandler, error: unknown): Promise<void> {
  try {
    await answerException(handler, error);
  } finally {
    handler[INTERNALS].out.lifecycleDone = true;
  }
}

async function answerException(handler: RequestHandler, error: unknown): Promise<void> {
  try {
    if (error instanceof Finish) {
      if (handler.finished) return;
      // A body write() refuses (a function, a Promise...) is the handler's mistake: its error page.
      try {
        await handler.finish(error.body);
      } catch (failure) {
        await answerException(handler, failure);
      }
      return;
    }
    if (error instanceof StreamClosedError && handler[INTERNALS].exchange.state === 'aborted') return;
    // After a handler timeout the 503 is out: what the handler does later is moot.
    if (handler[INTERNALS].timedOutAfter !== undefined) return;
    logException(handler, error);
    const onError = handler.application.hooks.onError;
    if (onError.length) await runErrorHooks(onError, handler, error);
    if (handler.finished) return;
    await handler.sendError(error instanceof HTTPError ? error.statusCode : 500, { error });
  } catch (secondary) {
    appLog.error(`Exception while handling an error of ${handler.request.method} ${handler.request.uri}`, secondary);
    const exchange = handler[INTERNALS].exchange;
    if (exchange.state === 'open') exchange.close();
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
