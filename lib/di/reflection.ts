/**
 * Every `Reflect.*` metadata access of Typhoon lives here. Decorators only record; the
 * `Application` reads at start-up.
 */
import 'reflect-metadata';

/** Any class (handler or service). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructors take anything DI gives them
export type Constructor<T = unknown> = new (...args: any[]) => T;

/** What `@Route` or `@WebSocket` recorded for one pattern. */
export interface RouteMetadata {
  kind: 'http' | 'websocket';
  pattern: string | RegExp;
  name?: string;
  initArgs?: Record<string, unknown>;
  /** Extra options of `@WebSocket` (sizes, compression...). */
  options?: Record<string, unknown>;
}

const ROUTES = Symbol.for('typhoon:routes');
const STREAM_BODY = Symbol.for('typhoon:streamRequestBody');

/** Every class that carries a route, in decoration (import) order. */
const decorated: Constructor[] = [];

/** Records a route on a class (a class may carry several). */
export function addRouteMetadata(target: Constructor, route: RouteMetadata): void {
  const own: RouteMetadata[] = Reflect.getOwnMetadata(ROUTES, target) ?? [];
  // Decorators apply bottom-up; unshift keeps the order in which they are written.
  Reflect.defineMetadata(ROUTES, [route, ...own], target);
  if (!decorated.includes(target)) decorated.push(target);
}

/** Routes declared on this very class (not inherited: a subclass needs its own `@Route`). */
export function getRouteMetadata(target: Constructor): RouteMetadata[] {
  return Reflect.getOwnMetadata(ROUTES, target) ?? [];
}

/** Every decorated class imported so far. */
export function decoratedClasses(): readonly Constructor[] {
  return decorated;
}

/** Marks a handler class as reading its body in chunks (`@streamRequestBody`). */
export function markStreamRequestBody(target: Constructor): void {
  Reflect.defineMetadata(STREAM_BODY, true, target);
}

/** True for classes (or their parents) marked with `@streamRequestBody`. */
export function isStreamRequestBody(target: Constructor): boolean {
  return Reflect.getMetadata(STREAM_BODY, target) === true;
}

/** Constructor parameter types the TypeScript compiler recorded (`emitDecoratorMetadata`). */
export function constructorParamTypes(target: Constructor): unknown[] | undefined {
  return Reflect.getMetadata('design:paramtypes', target);
}

/**
 * The token tsyringe resolves for each constructor parameter: the recorded type, or the token
 * of an `@inject(token)` on that parameter (tsyringe keeps those under "injectionTokens").
 * Entries that are objects describe `@injectAll`/transforms: callers must let tsyringe handle them.
 */
export function constructorTokens(target: Constructor): unknown[] | undefined {
  const types = constructorParamTypes(target);
  if (!types) return undefined;
  const overrides: Record<string, unknown> = Reflect.getOwnMetadata('injectionTokens', target) ?? {};
  return types.map((type, index) => (index in overrides ? overrides[index] : type));
}
