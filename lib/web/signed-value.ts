import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from '../common/errors';

/** `cookieSecret`: one key, or keys by version for rotation (used with `keyVersion`). */
export type CookieSecret = string | Record<string | number, string>;

/** Options of {@link createSignedValue}. */
export interface SignOptions {
  /** Which key of a versioned secret signs (required for a versioned secret). */
  keyVersion?: string | number;
  /** Seconds since the epoch; for tests. */
  now?: number;
}

/** Options of {@link decodeSignedValue}. */
export interface VerifyOptions {
  /** Values older than this are refused (default 31). */
  maxAgeDays?: number;
  now?: number;
}

const SIGNED_FORMAT_VERSION = '2';

function field(text: string): string {
  return `${Buffer.byteLength(text)}:${text}`;
}

function keyFor(secret: CookieSecret, version: string | number | undefined): string | undefined {
  if (typeof secret === 'string') return secret;
  return version === undefined ? undefined : secret[version];
}

function sign(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

/**
 * Signs and timestamps `value` for the cookie `name`, in Tornado's version 2 format
 * (`2|1:0|10:1700000000|4:name|8:dmFsdWU=|<hmac-sha256>`), readable by Tornado too.
 */
export function createSignedValue(secret: CookieSecret, name: string, value: string | Buffer, options: SignOptions = {}): string {
  const version = typeof secret === 'string' ? 0 : options.keyVersion;
  const key = keyFor(secret, version);
  if (!key) {
    throw new ConfigurationError(
      `No cookie secret for key version ${String(version)}: set "keyVersion" to one of ${Object.keys(secret).join(', ')}`,
    );
  }
  const timestamp = String(Math.floor(options.now ?? Date.now() / 1000));
  const encoded = Buffer.from(value).toString('base64');
  const toSign = [SIGNED_FORMAT_VERSION, field(String(version)), field(timestamp), field(name), field(encoded), ''].join('|');
  return toSign + sign(key, toSign);
}

/** Reads `length:text|` fields of a signed value; null when malformed. */
function readFields(signed: string, count: number): { fields: string[]; rest: string } | null {
  const fields: string[] = [];
  let rest = signed;
  for (let i = 0; i < count; i++) {
    const colon = rest.indexOf(':');
    if (colon <= 0 || colon > 10 || !/^\d+$/.test(rest.slice(0, colon))) return null;
    const length = Number(rest.slice(0, colon));
    const bytes = Buffer.from(rest.slice(colon + 1));
    if (bytes.length < length + 1 || bytes[length] !== 0x7c /* | */) return null;
    const text = bytes.subarray(0, length).toString();
    fields.push(text);
    rest = rest.slice(colon + 1 + text.length + 1);
  }
  return { fields, rest };
}

/**
 * Returns the value signed by {@link createSignedValue}, or null when the signature, the name,
 * the format or the age does not check out. Never throws on hostile input.
 */
export function decodeSignedValue(secret: CookieSecret, name: string, signed: string | undefined, options: VerifyOptions = {}): string | null {
  if (!signed || !signed.startsWith(`${SIGNED_FORMAT_VERSION}|`)) return null;
  const parsed = readFields(signed.slice(2), 4);
  if (!parsed) return null;
  const [version, timestamp, fieldName, encoded] = parsed.fields;
  const key = keyFor(secret, version);
  if (!key) return null;
  const toSign = signed.slice(0, signed.length - parsed.rest.length);
  const expected = Buffer.from(sign(key, toSign));
  const actual = Buffer.from(parsed.rest);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  if (fieldName !== name || !/^\d+$/.test(timestamp)) return null;
  const now = options.now ?? Date.now() / 1000;
  const age = now - Number(timestamp);
  if (age > (options.maxAgeDays ?? 31) * 86400) return null;
  // A timestamp far in the future is as suspicious as an old one.
  if (age < -31 * 86400) return null;
  return Buffer.from(encoded, 'base64').toString();
}
