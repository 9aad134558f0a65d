import { ConfigurationError } from '../errors';

/** The uWebSockets.js module, loaded on first use so importing Typhoon never fails. */
export type Uws = typeof import('uWebSockets.js');

let loaded: Uws | undefined;

/**
 * Loads uWebSockets.js and refuses its silent pure-JavaScript fallback (slow, incomplete),
 * unless `allowFallback` or `TYPHOON_ALLOW_UWS_FALLBACK=1` says otherwise.
 */
export function loadUws(allowFallback = false): Uws {
  if (!loaded) loaded = require('uWebSockets.js') as Uws;
  if (!isNative(loaded) && !allowFallback && process.env.TYPHOON_ALLOW_UWS_FALLBACK !== '1') {
    const cause = process.env.UWS_USE_FALLBACK
      ? `the environment variable UWS_USE_FALLBACK=${process.env.UWS_USE_FALLBACK} forces it`
      : `no native binary for ${process.platform}-${process.arch} with Node ABI ${process.versions.modules} ` +
        `(Node ${process.versions.node}) could be loaded`;
    throw new ConfigurationError(
      `uWebSockets.js is running its slow JavaScript fallback because ${cause}. Typhoon refuses to ` +
        'serve on it: use a Node.js version the native build supports (16, 18 or 20), unset ' +
        'UWS_USE_FALLBACK, or opt in with the setting allowUwsFallback: true / TYPHOON_ALLOW_UWS_FALLBACK=1.',
    );
  }
  return loaded;
}

/** True when the loaded module is the native addon (native functions print `[native code]`). */
export function isNative(uws: Uws): boolean {
  return /\[native code\]/.test(Function.prototype.toString.call(uws.App));
}
