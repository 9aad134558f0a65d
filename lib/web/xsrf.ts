import { randomBytes, timingSafeEqual } from 'node:crypto';

/** An XSRF secret as read from (or made for) the cookie. */
export interface RawXsrfToken {
  /** Format version the cookie had; undefined when the token was just made. */
  version: number | undefined;
  token: Buffer;
  timestamp: number;
}

function mask(maskBytes: Buffer, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ maskBytes[i % 4];
  return out;
}

/** A fresh random XSRF secret. */
export function newXsrfToken(): RawXsrfToken {
  return { version: undefined, token: randomBytes(16), timestamp: Math.floor(Date.now() / 1000) };
}

/**
 * Tornado's version-2 token: `2|mask|masked-token|timestamp` with a new random mask each time,
 * so the token differs on every page (defeats BREACH) while the secret stays the same.
 */
export function maskXsrfToken(raw: RawXsrfToken): string {
  const maskBytes = randomBytes(4);
  return ['2', maskBytes.toString('hex'), mask(maskBytes, raw.token).toString('hex'), String(raw.timestamp)].join('|');
}

const HEX = /^(?:[0-9a-f]{2})+$/i;

/** Reads a token (version 2, or Tornado's unmasked version 1 hex); null when malformed. */
export function decodeXsrfToken(text: string | undefined | null): RawXsrfToken | null {
  if (!text) return null;
  const version = /^([1-9][0-9]*)\|/.exec(text);
  if (!version) {
    // Version 1: the bare secret in hex.
    return HEX.test(text) ? { version: 1, token: Buffer.from(text, 'hex'), timestamp: Math.floor(Date.now() / 1000) } : null;
  }
  if (version[1] !== '2') return null;
  const parts = text.split('|');
  if (parts.length !== 4) return null;
  const [, maskHex, maskedHex, timestamp] = parts;
  if (maskHex.length !== 8 || !HEX.test(maskHex) || !HEX.test(maskedHex) || !/^\d+$/.test(timestamp)) return null;
  return { version: 2, token: mask(Buffer.from(maskHex, 'hex'), Buffer.from(maskedHex, 'hex')), timestamp: Number(timestamp) };
}

/** Constant-time comparison of two secrets. */
export function sameXsrfSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
