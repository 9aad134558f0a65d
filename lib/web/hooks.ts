import { ConfigurationError } from '../common/errors';
import { appLog } from '../common/log';
import type { RequestHandler } from './request-handler';

/** The points of the lifecycle an application can hook into (Fastify's names). */
export type HookName = 'onRequest' | 'preHandler' | 'onResponse' | 'onError';

/** A hook of the request: `onRequest`, `preHandler` or `onResponse`; may be async. */
export type RequestHook = (handler: RequestHandler) => void | Promise<void>;
/** An `onError` hook: an uncaught error of the handler, before the error page is written. */
export type ErrorHook = (handler: RequestHandler, error: unknown) => void | Promise<void>;

/** What each hook name takes. */
export interface HookFunctions {
  onRequest: RequestHook;
  preHandler: RequestHook;
  onResponse: RequestHook;
  onError: ErrorHook;
}

/**
 * An application's hooks, in the order they were added. An application with none runs none of
 * the hook machinery (the lifecycle leaves the steps out).
 */
export class Hooks {
  readonly onRequest: RequestHook[] = [];
  readonly preHandler: RequestHook[] = [];
  readonly onResponse: RequestHook[] = [];
  readonly onError: ErrorHook[] = [];

  /**
   * @param prefix a path without a trailing slash, as the application joins and checks it: the
   *   hook runs only for request paths under it
   * @throws ConfigurationError for an unknown name or a hook that is not a function
   */
  add<N extends HookName>(name: N, hook: HookFunctions[N], prefix?: string): void {
    const list = (this as unknown as Record<string, unknown[] | undefined>)[name];
    if (!Array.isArray(list) || !(['onRequest', 'preHandler', 'onResponse', 'onError'] as string[]).includes(name)) {
      throw new ConfigurationError(`Unknown hook '${String(name)}': use 'onRequest', 'preHandler', 'onResponse' or 'onError'`);
    }
    if (typeof hook !== 'function') throw new ConfigurationError(`The ${name} hook must be a function, got ${typeof hook}`);
    if (prefix === undefined || prefix === '/') return void list.push(hook);
    const under = (path: string) => path === prefix || path.startsWith(`${prefix}/`);
    const scoped = (handler: RequestHandler, error?: unknown) => (under(handler.request.path) ? (hook as ErrorHook)(handler, error) : undefined);
    list.push(scoped);
  }
}

/**
 * Runs request hooks in order, each after the previous one settled, and stops once one finished
 * the request. Returns a promise only when a hook is async, resolving to true when the request
 * was finished by a hook.
 */
export function runRequestHooks(hooks: readonly RequestHook[], handler: RequestHandler, from = 0): boolean | Promise<boolean> {
  for (let i = from; i < hooks.length; i++) {
    if (handler.finished) return true;
    const result = hooks[i](handler);
    if (result instanceof Promise) return result.then(() => runRequestHooks(hooks, handler, i + 1));
  }
  return handler.finished;
}

/** Runs `onError` hooks; their own failures are logged, never replacing the error being handled. */
export async function runErrorHooks(hooks: readonly ErrorHook[], handler: RequestHandler, error: unknown): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook(handler, error);
    } catch (failure) {
      appLog.error(`An onError hook failed for ${handler.constructor.name}`, failure);
    }
  }
}

/** Runs `onResponse` hooks after the response went out; failures are logged. */
export function runResponseHooks(hooks: readonly RequestHook[], handler: RequestHandler): void {
  for (const hook of hooks) {
    try {
      const result = hook(handler);
      if (result instanceof Promise) result.catch((failure) => appLog.error(`An onResponse hook failed for ${handler.constructor.name}`, failure));
    } catch (failure) {
      appLog.error(`An onResponse hook failed for ${handler.constructor.name}`, failure);
    }
  }
}

/**
 * A path prefix under another: `/api` + `/v1` is `/api/v1` (trailing slashes dropped).
 *
 * @throws ConfigurationError for a prefix that does not start with `/`
 */
export function joinPrefix(outer: string | undefined, inner: string): string {
  if (!inner.startsWith('/')) throw new ConfigurationError(`A hook prefix is a path starting with '/', got ${JSON.stringify(inner)}`);
  const trim = (path: string) => path.replace(/\/+$/, '');
  return `${trim(outer ?? '')}${trim(inner)}` || '/';
}
