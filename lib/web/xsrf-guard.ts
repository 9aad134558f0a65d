import { HTTPError } from '../common/http-errors';
import { formatSetCookie, type CookieOptions } from './cookies';
import type { HandlerInternals } from './handler-internals';
import type { RequestHandler } from './request-handler';
import { decodeXsrfToken, maskXsrfToken, newXsrfToken, sameXsrfSecret } from './xsrf';

/**
 * The XSRF guard of a handler, as Tornado's `xsrf_token` and `check_xsrf_cookie`: the secret
 * lives in the `xsrfCookieName` cookie; pages carry it masked afresh each time (a version-2
 * token); unsafe requests must send it back as `_xsrf` or `X-XSRFToken`/`X-CSRFToken`.
 */

/** The masked token of this request, setting the XSRF cookie when the client has none. */
export function xsrfTokenFor(handler: RequestHandler, internals: HandlerInternals): string {
  const rare = internals.rare();
  if (rare.xsrfToken) return rare.xsrfToken;
  const settings = handler.settings;
  const raw = (rare.rawXsrf ??= decodeXsrfToken(handler.getCookie(settings.xsrfCookieName)) ?? newXsrfToken());
  const token = (rare.xsrfToken = maskXsrfToken(raw));
  if (raw.version === undefined) {
    const options: CookieOptions = { ...settings.xsrfCookieOptions };
    // A logged-in user's cookie outlives the browser session (Tornado sets expires_days=30 then).
    if (handler.currentUser && options.expiresDays === undefined && options.expires === undefined) options.expiresDays = 30;
    internals.out.setCookieHeader(settings.xsrfCookieName, formatSetCookie(settings.xsrfCookieName, token, options, true));
  }
  return token;
}

/**
 * Checks the token the request sent against the cookie's secret (constant-time).
 *
 * @throws HTTPError 403 when it is missing, malformed or does not match
 */
export function checkXsrf(handler: RequestHandler): void {
  const sent = handler.getArgument('_xsrf', null) ?? handler.request.headers.get('x-xsrftoken') ?? handler.request.headers.get('x-csrftoken');
  if (!sent) throw new HTTPError(403, "'_xsrf' argument missing from POST");
  const token = decodeXsrfToken(sent);
  if (!token) throw new HTTPError(403, "'_xsrf' argument has invalid format");
  const expected = decodeXsrfToken(handler.getCookie(handler.settings.xsrfCookieName));
  if (!expected || !sameXsrfSecret(token.token, expected.token)) throw new HTTPError(403, 'XSRF cookie does not match POST argument');
}
