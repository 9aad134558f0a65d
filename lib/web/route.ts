import { injectable } from 'tsyringe';
import { requireLegacyDecorators } from '../di/legacy-decorators';
import { addRouteMetadata, type Constructor } from '../di/reflection';
import { checkPattern } from './pattern-mistakes';

/** Options of {@link Route}. */
export interface RouteOptions {
  /** Name for `reverseUrl`. */
  name?: string;
  /** Passed to the handler's `initialize(args)`. */
  initArgs?: Record<string, unknown>;
}

/**
 * Routes a `RequestHandler` class (Tornado's `URLSpec`). Patterns: `/items/:id` and `/files/*`
 * (native uWS routing), or a RegExp, or a string in regular-expression syntax as Tornado's
 * (`/article/([0-9]+)`), whose capture groups become positional arguments and named groups
 * `(?<id>...)` also `pathKwargs`. A class may carry several. The class becomes injectable: its
 * constructor parameters are resolved per request.
 *
 * @throws ConfigurationError when the class is defined, for a pattern that cannot mean what was
 * written, saying what to write: `{id}` or `<id>` (write `:id`), Express's `:id?`, `:id(\d+)`
 * and `:id.json`, Python's `(?P<id>...)` (JavaScript writes `(?<id>...)`), `*` other than as
 * the last segment, a query string, characters clients percent-encode, a parameter name used twice
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
    checkPattern(pattern, target.name);
    injectable()(target as unknown as Constructor);
    addRouteMetadata(target as unknown as Constructor, { kind: 'http', pattern, name: options.name, initArgs: options.initArgs });
  };
}
