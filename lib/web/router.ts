import type { DependencyContainer } from 'tsyringe';
import { ConfigurationError } from '../common/errors';
import { getRouteMetadata, type Constructor, type RouteMetadata } from '../di/reflection';
import type { RouteMatch } from './lifecycle';
import { HandlerRoute } from './handler-route';
import type { RequestHandler } from './request-handler';
import { insertInMatchOrder, UrlPattern } from './url-pattern';
import { UpgradeRequiredHandler } from './upgrade-required-handler';

/**
 * One entry of `handlers`: a decorated class, or Tornado's tuple
 * `[pattern, HandlerClass, initArgs?, name?]`.
 */
export type HandlerSpec =
  | Constructor
  | [string | RegExp, Constructor, Record<string, unknown>?, string?];

/** A route of a WebSocket handler class (served by the WebSocket layer). */
export interface WebSocketRouteSpec {
  pattern: string | RegExp;
  handlerClass: Constructor;
  initArgs: Record<string, unknown>;
  name?: string;
  options: Record<string, unknown>;
}

/** The application's routes: native ones for uWS, RegExp ones tried in order, names for reversing. */
export class Router {
  readonly native: HandlerRoute[] = [];
  readonly regex: HandlerRoute[] = [];
  readonly websocket: WebSocketRouteSpec[] = [];
  private readonly named = new Map<string, { reverse(args: Array<string | number>): string }>();
  private readonly seen = new Map<string, string>();

  constructor(private readonly container: DependencyContainer) {}

  /** Adds every spec, in order. */
  addAll(specs: readonly HandlerSpec[]): void {
    for (const spec of specs) this.addSpec(spec);
  }

  /** Adds one HTTP route. */
  addHttp(pattern: string | RegExp, handlerClass: Constructor, initArgs: Record<string, unknown> = {}, name?: string): HandlerRoute {
    this.claim(pattern, handlerClass);
    const route = new HandlerRoute(pattern, handlerClass as Constructor<RequestHandler>, initArgs, name, this.container);
    if (route.pattern.native) this.native.push(route);
    else insertInMatchOrder(this.regex, route);
    if (name) this.nameRoute(name, route.pattern, handlerClass);
    return route;
  }

  /** The route for paths nothing else matches (not reachable by pattern). */
  addDefault(handlerClass: Constructor, initArgs: Record<string, unknown>): HandlerRoute {
    return new HandlerRoute('/*', handlerClass as Constructor<RequestHandler>, initArgs, undefined, this.container);
  }

  /** Finds the first RegExp route matching a raw path. */
  matchRegex(path: string): RouteMatch | null {
    for (const route of this.regex) {
      const found = route.pattern.match(path);
      if (found) return { route, ...found };
    }
    return null;
  }

  /** Path of a named route. */
  reverse(name: string, args: Array<string | number>): string {
    const route = this.named.get(name);
    if (!route) throw new ConfigurationError(`No route named '${name}' (names: ${[...this.named.keys()].join(', ') || 'none'})`);
    return route.reverse(args);
  }

  /** Registers a name for any reversible pattern (HTTP or WebSocket). */
  nameRoute(name: string, pattern: { reverse(args: Array<string | number>): string }, owner: Constructor): void {
    if (this.named.has(name)) throw new ConfigurationError(`Route name '${name}' is used twice (second time by ${owner.name})`);
    this.named.set(name, pattern);
  }

  /** Refuses a pattern registered twice, naming both classes. */
  claim(pattern: string | RegExp, owner: Constructor): void {
    const key = typeof pattern === 'string' ? pattern : `/${pattern.source}/`;
    const previous = this.seen.get(key);
    if (previous) throw new ConfigurationError(`Route '${key}' is registered twice (${previous}, ${owner.name})`);
    this.seen.set(key, owner.name);
  }

  private addSpec(spec: HandlerSpec): void {
    if (Array.isArray(spec)) {
      const [pattern, handlerClass, initArgs, name] = spec;
      if (typeof handlerClass !== 'function') throw new ConfigurationError(`Handler tuple for '${String(pattern)}' has no handler class`);
      // The class decides the kind (Tornado's own form: ['/websocket', EchoWebSocket]).
      const options = getRouteMetadata(handlerClass)[0]?.options;
      this.addRoute({ kind: routeKindOf(handlerClass), pattern, initArgs, name, options }, handlerClass);
      return;
    }
    if (typeof spec !== 'function') throw new ConfigurationError(`handlers entries are classes or [pattern, Class, initArgs?, name?] tuples, got ${String(spec)}`);
    const routes = getRouteMetadata(spec);
    if (routes.length === 0) {
      throw new ConfigurationError(`${spec.name} has no @Route or @WebSocket decorator: decorate it or give it as [pattern, ${spec.name}]`);
    }
    for (const route of routes) this.addRoute(route, spec);
  }

  private addRoute(meta: RouteMetadata, handlerClass: Constructor): void {
    if (meta.kind !== routeKindOf(handlerClass)) {
      const decorator = meta.kind === 'websocket' ? '@WebSocket' : '@Route';
      const fix = meta.kind === 'websocket' ? 'extend WebSocketHandler, or use @Route' : 'use @WebSocket for a WebSocketHandler';
      throw new ConfigurationError(`${handlerClass.name} is routed with ${decorator}('${String(meta.pattern)}') but is ${meta.kind === 'websocket' ? 'not a' : 'a'} WebSocketHandler: ${fix}`);
    }
    if (meta.kind === 'websocket') {
      // Checked here, naming the class: the plain-HTTP route below belongs to UpgradeRequiredHandler.
      const pattern = new UrlPattern(meta.pattern, handlerClass.name);
      this.claim(meta.pattern, handlerClass);
      this.websocket.push({ pattern: meta.pattern, handlerClass, initArgs: meta.initArgs ?? {}, name: meta.name, options: meta.options ?? {} });
      if (meta.name) this.nameRoute(meta.name, pattern, handlerClass);
      // Plain HTTP requests on the same path get 426 instead of a 404.
      const plain = new HandlerRoute(meta.pattern, UpgradeRequiredHandler, {}, undefined, this.container);
      if (plain.pattern.native) this.native.push(plain);
      else insertInMatchOrder(this.regex, plain);
      return;
    }
    this.addHttp(meta.pattern, handlerClass, meta.initArgs ?? {}, meta.name);
  }
}

/** `'websocket'` for WebSocketHandler classes, `'http'` for other handlers (and any other class). */
function routeKindOf(handlerClass: Constructor): 'http' | 'websocket' {
  return (handlerClass as unknown as { routeKind?: 'http' | 'websocket' }).routeKind ?? 'http';
}
