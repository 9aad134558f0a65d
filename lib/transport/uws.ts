import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../common/errors';

/** The uWebSockets.js module, loaded on first use so importing Typhoon never fails. */
export type Uws = typeof import('uWebSockets.js');

/** The native build, or why there is none here. */
export type UwsAvailability = { uws: Uws; reason?: undefined } | { uws?: undefined; reason: string };

let availability: UwsAvailability | undefined;

/**
 * Loads uWebSockets.js's native build, once. Its packages fall back to a slow pure-JavaScript
 * server (with a warning on stderr) when no binary fits this Node.js; Typhoon never serves on
 * that, so a missing binary is looked for first and reported as the reason instead.
 */
export function uwsAvailability(): UwsAvailability {
  return (availability ??= probe());
}

/** The native build, or a ConfigurationError naming why it cannot be had and what to do. */
export function loadUws(): Uws {
  const found = uwsAvailability();
  if (found.uws) return found.uws;
  throw new ConfigurationError(
    `transport 'uws' is not available: ${found.reason}. Use transport: 'node' (or 'auto', the default, which picks it), ` +
      'or a Node.js version the installed uWebSockets.js build supports.',
  );
}

function probe(): UwsAvailability {
  const forced = process.env.UWS_USE_FALLBACK;
  if (forced && /^(1|true)$/i.test(forced)) return { reason: `the environment variable UWS_USE_FALLBACK=${forced} disables the native uWebSockets.js build` };
  let root: string;
  try {
    root = path.dirname(require.resolve('uWebSockets.js/package.json'));
  } catch {
    return { reason: 'the uWebSockets.js package is not installed' };
  }
  // Truffle's republication keeps its binaries in binaries/, the official releases at the top.
  const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  if (!existsSync(path.join(root, 'binaries', binary)) && !existsSync(path.join(root, binary))) {
    return { reason: `the installed uWebSockets.js has no native binary for Node.js ${process.versions.node} (${binary})` };
  }
  let uws: Uws;
  try {
    uws = require('uWebSockets.js') as Uws;
  } catch (error) {
    return { reason: `uWebSockets.js failed to load: ${(error as Error).message.split('\n')[0]}` };
  }
  if (!isNative(uws)) return { reason: `uWebSockets.js could not load its native binary ${binary} and fell back to JavaScript` };
  // uWS marks every response with a `uWebSockets: 20` header unless told to be silent (its
  // `_cfg`, exported by every release from v20.30): a server should not advertise its stack.
  (uws as Uws & { _cfg?: (key: string) => void })._cfg?.('silent');
  return { uws };
}

/** True when the loaded module is the native addon (native functions print `[native code]`). */
export function isNative(uws: Uws): boolean {
  return /\[native code\]/.test(Function.prototype.toString.call(uws.App));
}
