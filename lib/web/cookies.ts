import { parse as parseCookieHeader, serialize } from 'cookie';
import { UnsafeValueError } from '../common/errors';

/** Attributes of a cookie set with `setCookie`. */
export interface CookieOptions {
  domain?: string;
  /** Default `/`. */
  path?: string;
  expires?: Date;
  /** Days from now; sets `expires`. */
  expiresDays?: number;
  /** Seconds; sets `Max-Age`. */
  maxAge?: number;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'strict' | 'lax' | 'none' | boolean;
  partitioned?: boolean;
}

/**
 * Parses a `Cookie` header. Values are percent-decoded where they decode cleanly, and a value
 * in double quotes is unquoted (RFC 6265 §4.1.1): browsers send a cookie back as it was set,
 * and Tornado quotes signed values that contain `=`; `cookie` 1.x keeps the quotes.
 */
export function parseCookies(header: string): Record<string, string> {
  if (!header) return Object.create(null);
  const cookies = parseCookieHeader(header) as Record<string, string>;
  for (const name in cookies) {
    const value = cookies[name];
    if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) cookies[name] = value.slice(1, -1);
  }
  return cookies;
}

const identity = (value: string) => value;

/**
 * Formats one `Set-Cookie` value. `raw` skips percent-encoding (for signed values, whose
 * alphabet is already cookie-safe). Names, values and attributes that are not allowed by
 * RFC 6265 (spaces, `;`, CR, LF, control characters) are refused with UnsafeValueError.
 */
export function formatSetCookie(name: string, value: string, options: CookieOptions = {}, raw = false): string {
  const expires = options.expiresDays !== undefined ? new Date(Date.now() + options.expiresDays * 86400_000) : options.expires;
  try {
    return serialize(name, value, {
      encode: raw ? identity : encodeURIComponent,
      domain: options.domain,
      path: options.path ?? '/',
      expires,
      maxAge: options.maxAge,
      httpOnly: options.httpOnly,
      secure: options.secure,
      sameSite: options.sameSite,
      partitioned: options.partitioned,
    });
  } catch (error) {
    throw new UnsafeValueError(
      `Cannot set cookie ${JSON.stringify(name)}: ${(error as Error).message}. Cookie names must be HTTP tokens and ` +
        'attributes may not contain ";", spaces or control characters',
    );
  }
}
