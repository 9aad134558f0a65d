import { requireLegacyDecorators } from '../../di/legacy-decorators';
import { HTTPError } from '../../common/http-errors';
import type { RequestHandler } from '../request-handler';

type Verb = (this: RequestHandler, ...args: string[]) => unknown;

/** Wraps a verb method: a redirect when `target` names another path, else the method, its return value passed on. */
function wrap(descriptor: PropertyDescriptor, target: (path: string) => string | null): PropertyDescriptor {
  const verb = descriptor.value as Verb;
  descriptor.value = function (this: RequestHandler, ...args: string[]) {
    const path = this.request.path;
    const wanted = target(path);
    if (wanted === null) return verb.apply(this, args);
    const method = this.request.method;
    if (method !== 'GET' && method !== 'HEAD') throw new HTTPError(404);
    // "//host/" → "//host" would be a protocol-relative URL off the site: keep one leading slash.
    const local = wanted.replace(/^[/\\]{2,}/, '/');
    const url = this.request.query ? `${local}?${this.request.query}` : local;
    return this.redirect(url, true);
  };
  return descriptor;
}

/**
 * Redirects `/path/` to `/path` (301, GET/HEAD; other methods 404). Route the pattern with an
 * optional trailing slash, e.g. `/^\/items\/?$/`.
 */
export function removeslash(_target: object, _key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor {
  requireLegacyDecorators('removeslash', arguments);
  return wrap(descriptor, (path) => (path.length > 1 && path.endsWith('/') ? path.replace(/\/+$/, '') || '/' : null));
}

/** Redirects `/path` to `/path/` (301, GET/HEAD; other methods 404). */
export function addslash(_target: object, _key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor {
  requireLegacyDecorators('addslash', arguments);
  return wrap(descriptor, (path) => (path.endsWith('/') ? null : `${path}/`));
}
