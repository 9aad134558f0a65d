import { HTTPError } from '../../common/http-errors';
import { requireLegacyDecorators } from '../../di/legacy-decorators';
import type { RequestHandler } from '../request-handler';

type Verb = (this: RequestHandler, ...args: string[]) => unknown;

/**
 * Requires a logged-in user (`currentUser`) for a verb method. Without one, GET and HEAD
 * redirect to `loginUrl?next=<uri>`; other methods answer 403. With one, the method runs and
 * what it returns is passed on (a returned value is the response).
 *
 * @example
 * ```ts
 * class Profile extends RequestHandler {
 *   @authenticated
 *   get() { return { user: this.currentUser }; }
 * }
 * ```
 */
export function authenticated(_target: object, _key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor {
  requireLegacyDecorators('authenticated', arguments);
  const verb = descriptor.value as Verb;
  descriptor.value = function (this: RequestHandler, ...args: string[]) {
    if (this.currentUser) return verb.apply(this, args);
    const method = this.request.method;
    if (method !== 'GET' && method !== 'HEAD') throw new HTTPError(403);
    const loginUrl = this.settings.loginUrl;
    if (!loginUrl) throw new HTTPError(403, '@authenticated needs the "loginUrl" application setting to redirect');
    if (loginUrl.includes('?')) return this.redirect(loginUrl);
    // An absolute login URL (another host) gets an absolute `next`, as in Tornado.
    const next = /^[a-z][a-z0-9+.-]*:/i.test(loginUrl) ? this.request.fullUrl() : this.request.uri;
    return this.redirect(`${loginUrl}?next=${encodeURIComponent(next)}`);
  };
  return descriptor;
}
