import { STATUS_CODES } from 'node:http';
import { UnsafeValueError } from '../common/errors';

/** Standard reason phrase of a status code, or `Unknown`. */
export function reasonPhrase(code: number): string {
  return STATUS_CODES[code] ?? 'Unknown';
}

const SAFE_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Refuses a header value that would break the response (CR, LF, NUL, other controls). */
export function checkHeaderValue(name: string, value: string): string {
  if (!SAFE_TEXT.test(value)) {
    throw new UnsafeValueError(`Unsafe value for header ${name}: ${JSON.stringify(value.slice(0, 60))} contains control characters (CR/LF are never allowed)`);
  }
  return value;
}

/** Refuses a header name that is not an HTTP token. */
export function checkHeaderName(name: string): string {
  if (!TOKEN.test(name)) throw new UnsafeValueError(`Invalid header name ${JSON.stringify(name.slice(0, 60))}: names are HTTP tokens`);
  return name;
}

/** Refuses a reason phrase with control characters. */
export function checkReason(reason: string): string {
  if (!SAFE_TEXT.test(reason)) throw new UnsafeValueError(`Unsafe reason phrase ${JSON.stringify(reason.slice(0, 60))}: control characters are not allowed`);
  return reason;
}
