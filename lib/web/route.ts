import { injectable } from 'tsyringe';
import { requireLegacyDecorators } from '../di/legacy-decorators';
import { addRouteMetadata, type Constructor } from '../di/reflection';

/** Options of {@link Route}. */
export interface RouteOptions {
  /** Name for `reverseUrl`. */
  name?: string;
  /** Passed to the handler's `initialize(args)`. */
  initArgs?: Record<string, unknown>;
}

/**
 * Routes a `RequestHandler` class. Patterns: `/items/:id` and `/files/*` (native uWS routing),
 * or a RegExp whose capture groups become positional arguments. A class may carry several.
 * The class becomes injectable: its constructor parameters are resolved per request.
 *
 * @example
 * ```ts
 * @Route('/items/:id', { name: 'item' })
 * class ItemHandler extends RequestHandler {
 *   get(id: string) { this.write({ id }); }
 * }
 * ```
 */
export function Route(pattern: string | RegExp, options: RouteOptions = {}): ClassDecorator {
  return function (target) {
    requireLegacyDecorators('Route', arguments);
    injectable()(target as unknown as Constructor);
    addRouteMetadata(target as unknown as Constructor, { kind: 'http', pattern, name: options.name, initArgs: options.initArgs });
  };
}
