import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { isMainThread, workerData } from 'node:worker_threads';
import { ConfigurationError } from '../common/errors';
import { MIN_HEAD_LIMIT } from './types';
import { advice, compareVersions, glibcVersion, OLDEST, parseVersion } from './uws-platform';

export { glibcVersion } from './uws-platform';

/** The uWebSockets.js module, loaded on first use so importing Typhoon never fails. */
export type Uws = typeof import('uWebSockets.js');

/** The uWebSockets.js build that serves: its module, version and where it was found. */
export interface UwsBuild {
  uws: Uws;
  /** `major.minor.patch` from the build's package.json, e.g. `'20.57.0'`. */
  version: string;
  /** The package folder, as resolved (`node_modules/uWebSockets.js`, or nested under typhoon). */
  root: string;
  /** The name its package.json gives (`uWebSockets.js`, or a republication's scoped name). */
  packageName: string;
  /** It is the build Typhoon depends on (not one the application installed). */
  typhoons: boolean;
  /**
   * The build lets an App set how long idle HTTP connections live (`setIdleTimeout` before a
   * request, `setResponseTimeout` between requests; 30 s by default in v20.57). v20.30 closes
   * them after a fixed 10 s (`HTTP_IDLE_TIMEOUT_S`).
   */
  settableIdleTimeout: boolean;
  /**
   * The largest request head the build takes before answering 431 itself: builds after v20.30
   * read it from `UWS_HTTP_MAX_HEADERS_SIZE` when they load (4 KiB when unset; Typhoon sets the
   * first Application's `maxHeaderSize`, at least 64 KiB). Null for v20.30, whose limit is fixed
   * (about 100 KB and 48 header fields; beyond, the connection drops or idles).
   */
  headLimit: number | null;
}

/**
 * The native build, or why there is none here. `skipped` says why other candidates were passed
 * over, `notes` what else a user should know about the build serving.
 */
export type UwsAvailability =
  | { uws: Uws; build: UwsBuild; skipped: string[]; notes: string[]; reason?: undefined }
  | { uws?: undefined; build?: undefined; skipped: string[]; notes: string[]; reason: string };

/** What the build serves on by default when `UWS_HTTP_MAX_HEADERS_SIZE` is not set as it loads. */
const NATIVE_HEAD_DEFAULT = 4096;

let availability: UwsAvailability | undefined;

/**
 * Finds and loads uWebSockets.js's native build, once per thread. The application's own
 * `uWebSockets.js` (resolved from its entry script's folder, real or through a link, and from
 * the working directory) comes first, then the one Typhoon depends on; the first whose native
 * binary loads serves. A package's pure-JavaScript fallback is never loaded: a build with no
 * binary for this Node.js is passed over before it is required.
 *
 * @param headLimit request-head bytes the build should take (an Application's `maxHeaderSize`),
 * used only by the call that loads it: `UWS_HTTP_MAX_HEADERS_SIZE` is set to it, or to 64 KiB if
 * larger, unless the environment sets it
 * @throws ConfigurationError when `UWS_HTTP_MAX_HEADERS_SIZE` is set but not a whole number of bytes
 */
export function uwsAvailability(headLimit?: number): UwsAvailability {
  return (availability ??= probe(headLimit));
}

/** The native build, or a ConfigurationError naming why it cannot be had and what to do. */
export function loadUws(): UwsBuild {
  const found = uwsAvailability();
  if (found.build) return found.build;
  throw new ConfigurationError(
    `transport 'uws' is not available: ${found.reason}. Use transport: 'node' (or 'auto', the default, which picks it), ` +
      'or install a uWebSockets.js build for this Node.js.',
  );
}

/** One start-up line: which build serves and from where, or why none does and what would give one. */
export function describeUws(found: UwsAvailability = uwsAvailability()): string {
  const after = [...found.notes, ...(found.skipped.length ? [`passed over: ${found.skipped.join('; ')}`] : [])];
  if (!found.build) return found.reason;
  const { version, packageName, root, typhoons } = found.build;
  const name = packageName === 'uWebSockets.js' ? '' : ` (${packageName})`;
  return `${typhoons ? "Typhoon's own " : ''}uWebSockets.js ${version}${name} from ${displayPath(root)}${after.map((note) => `; ${note}`).join('')}`;
}

function probe(headLimit: number | undefined): UwsAvailability {
  const forced = process.env.UWS_USE_FALLBACK;
  if (forced && /^(1|true)$/i.test(forced)) {
    return { skipped: [], notes: [], reason: `the environment variable UWS_USE_FALLBACK=${forced} disables the native uWebSockets.js build` };
  }
  const notes: string[] = [];
  const head = prepareHeadLimit(headLimit, notes);
  const skipped: string[] = [];
  const own = ownMain();
  try {
    for (const found of candidates(own)) {
      if ('skip' in found) {
        skipped.push(found.skip);
        continue;
      }
      const loaded = load(found.main, found.main === own, head.limit);
      if ('uws' in loaded) return { uws: loaded.uws, build: loaded, skipped, notes };
      skipped.push(loaded.skip);
    }
  } finally {
    head.restore();
  }
  if (!skipped.length) return { skipped, notes, reason: `the uWebSockets.js package is not installed; ${advice()}` };
  return { skipped: [], notes, reason: `${skipped.join('; ')}; ${advice()}` };
}

/**
 * Builds after v20.30 answer 431 themselves to heads over `UWS_HTTP_MAX_HEADERS_SIZE`, read with
 * C's atoi when the binary loads (4 KiB unset, every request refused when empty or not a
 * number). Sets it where the environment does not, for the loading only (`restore()` takes it
 * away again, so child processes inherit the environment as it was), and says what the build
 * will use.
 */
function prepareHeadLimit(wanted: number | undefined, notes: string[]): { limit: number; restore(): void } {
  const name = 'UWS_HTTP_MAX_HEADERS_SIZE';
  const given = process.env[name];
  if (given !== undefined && given !== '') {
    if (!/^\d+$/.test(given) || Number(given) < 1) {
      throw new ConfigurationError(`${name} must be a whole number of bytes (the largest request head uWebSockets.js takes), got ${JSON.stringify(given)}; unset, Typhoon uses 64 KiB`);
    }
    return { limit: Number(given), restore() {} };
  }
  // A worker thread's process.env is its own copy: native code never sees what it sets. In
  // Typhoon's workers the supervisor loaded the build first, with the same settings.
  if (!isMainThread && !(workerData as { typhoon?: unknown } | null)?.typhoon) {
    notes.push(`request heads over ${NATIVE_HEAD_DEFAULT} bytes get 431: uWS loaded in a worker thread, where ${name} cannot be set for it (set it in the environment)`);
    return { limit: NATIVE_HEAD_DEFAULT, restore() {} };
  }
  const limit = Math.max(MIN_HEAD_LIMIT, wanted ?? 0);
  process.env[name] = String(limit);
  return {
    limit,
    restore() {
      if (given === undefined) delete process.env[name];
      else process.env[name] = given;
    },
  };
}

/** Typhoon's own uWebSockets.js main file, or null. */
function ownMain(): string | null {
  try {
    return realpathSync(require.resolve('uWebSockets.js'));
  } catch {
    return null;
  }
}

/**
 * The main files (real paths) of the uWebSockets.js packages in reach, the application's first.
 * Resolving the main file (not `package.json`) works whether or not the package has an
 * `exports` map; one whose map offers nothing to `require` is passed over, saying so.
 */
function candidates(own: string | null): Array<{ main: string } | { skip: string }> {
  const entry = process.argv[1];
  const from = [entry && path.dirname(entry), entry && path.dirname(realPath(entry)), process.cwd()];
  const found: Array<{ main: string } | { skip: string }> = [];
  const seen = new Set<string>();
  for (const dir of from) {
    if (!dir) continue;
    try {
      const main = realpathSync(require.resolve('uWebSockets.js', { paths: [dir] }));
      if (!seen.has(main)) found.push({ main });
      seen.add(main);
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      // Not installed where this folder looks; anything else is worth saying.
      if (code !== 'MODULE_NOT_FOUND' && !seen.has(message)) found.push({ skip: `the uWebSockets.js reached from ${displayPath(dir)} cannot be required: ${message.split('\n')[0]}` });
      seen.add(message);
    }
  }
  if (own && !seen.has(own)) found.push({ main: own });
  return found;
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** Loads the package whose main file is `main`, or says why it was passed over. Never throws. */
function load(main: string, typhoons: boolean, headLimit: number): UwsBuild | { skip: string } {
  const { root, pkg } = packageOf(main);
  const version = parseVersion(pkg.version);
  const where = `${typhoons ? "Typhoon's own " : ''}uWebSockets.js${pkg.version ? ` ${pkg.version}` : ''} in ${displayPath(root)}`;
  if (!version) return { skip: `${where} has no version in its package.json (Typhoon needs v${OLDEST.join('.')} or later)` };
  if (compareVersions(version, OLDEST) < 0) return { skip: `${where} is older than v${OLDEST.join('.')}, the oldest Typhoon supports` };
  const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const shipped = binariesIn(root);
  if (shipped.length && !shipped.includes(binary)) {
    return { skip: `${where} has no binary for Node.js ${process.versions.node} (${binary})` };
  }
  let uws: Uws;
  try {
    uws = require(main) as Uws;
  } catch (error) {
    return { skip: `${where} did not load: ${loadFailure(error)}` };
  }
  if (!isNative(uws)) return { skip: `${where} is not a native uWebSockets.js build (or could not load its binary ${binary} and fell back to JavaScript)` };
  try {
    // uWS marks every response with a `uWebSockets: 20` header unless told to be silent (its
    // `_cfg`, in v20.30 and v20.57 at least): a server should not advertise its stack.
    (uws as Uws & { _cfg?: (key: string) => void })._cfg?.('silent');
    const limit = compareVersions(version, [20, 31, 0]) >= 0 ? headLimit : null;
    return { uws, version, root, packageName: pkg.name ?? 'uWebSockets.js', typhoons, settableIdleTimeout: hasIdleTimeouts(uws), headLimit: limit };
  } catch (error) {
    return { skip: `${where} failed when tried: ${loadFailure(error)}` };
  }
}

/** Whether an App of this build has the idle-timeout setters (they are on instances, not on `App.prototype`). */
function hasIdleTimeouts(uws: Uws): boolean {
  const app = uws.App() as ReturnType<Uws['App']> & IdleTimeouts;
  const settable = typeof app.setIdleTimeout === 'function' && typeof app.setResponseTimeout === 'function';
  (app as { close?(): void }).close?.();
  return settable;
}

/** The idle-timeout setters of later builds such as v20.57 (missing from their typings). */
export interface IdleTimeouts {
  setIdleTimeout?(seconds: number): unknown;
  setResponseTimeout?(seconds: number): unknown;
}

/**
 * The package a main file belongs to: the nearest package.json above it that names a package
 * (Truffle's main is in src/; a `lib/cjs/package.json` saying only `"type"` is passed by).
 */
function packageOf(main: string): { root: string; pkg: { name?: string; version?: string } } {
  let dir = path.dirname(main);
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name) return { root: dir, pkg };
    } catch {
      // none here, or not JSON: look further up
    }
    if (path.dirname(dir) === dir || path.basename(dir) === 'node_modules') return { root: path.dirname(main), pkg: {} };
    dir = path.dirname(dir);
  }
}

/** The native binaries a package ships (at its top, or in binaries/ as Truffle's does). */
function binariesIn(root: string): string[] {
  const names: string[] = [];
  for (const dir of [root, path.join(root, 'binaries')]) {
    try {
      names.push(...readdirSync(dir).filter((name) => /^uws_.+\.node$/.test(name)));
    } catch {
      // no such folder
    }
  }
  return names;
}

/** Why a build did not load, in the words a user can act on. */
function loadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const glibc = /GLIBC_(\d+\.\d+)'? not found/.exec(message);
  if (glibc) return `its binary needs glibc ${glibc[1]}, and this system has ${glibcVersion() ? `glibc ${glibcVersion()}` : 'no glibc (musl?)'}`;
  const lines = message.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? message;
}

/** A folder as the user sees it: relative to the working directory when inside it. */
function displayPath(folder: string): string {
  const cwd = process.cwd();
  const relative = path.relative(cwd, folder);
  return relative && !relative.startsWith('..') && path.dirname(cwd) !== cwd ? relative : folder;
}

/** True when the loaded module is the native addon (native functions print `[native code]`). */
export function isNative(uws: Uws): boolean {
  return typeof uws?.App === 'function' && /\[native code\]/.test(Function.prototype.toString.call(uws.App));
}
