import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../common/errors';
import { MIN_HEAD_LIMIT } from './types';

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
  /**
   * The build lets an App set how long idle HTTP connections live (`setIdleTimeout` before a
   * request, `setResponseTimeout` between requests; builds since about v20.5x, 30 s by default).
   * Older builds close them after a fixed 10 s (`HTTP_IDLE_TIMEOUT_S`).
   */
  settableIdleTimeout: boolean;
  /**
   * The largest request head the build takes before answering 431 itself: builds after v20.30
   * read it from `UWS_HTTP_MAX_HEADERS_SIZE` when they load (Typhoon sets 64 KiB unless the
   * environment says otherwise). Null for v20.30, whose limit is fixed (about 100 KB and 48
   * headers; beyond, the connection drops or idles).
   */
  headLimit: number | null;
}

/** The native build, or why there is none here; `skipped` says why each other candidate was passed over. */
export type UwsAvailability =
  | { uws: Uws; build: UwsBuild; skipped: string[]; reason?: undefined }
  | { uws?: undefined; build?: undefined; skipped: string[]; reason: string };

/** The oldest release whose API and behaviour the transport was written and tested against. */
const OLDEST = [20, 30, 0];
/** The glibc that official uWebSockets.js builds since about v20.55 (those for Node.js 22+) need. */
const GLIBC_NEEDED = '2.38';
/** The current build CI runs on, as a user installs it (docs/transports.md). */
const TESTED = 'v20.57.0';

let availability: UwsAvailability | undefined;

/**
 * Finds and loads uWebSockets.js's native build, once per thread. The application's own
 * `uWebSockets.js` (resolved from its entry script's folder and from the working directory)
 * comes first, then the one Typhoon depends on; the first whose native binary loads serves.
 * A package's pure-JavaScript fallback is never loaded: a build with no binary for this
 * Node.js is passed over before it is required.
 */
export function uwsAvailability(): UwsAvailability {
  return (availability ??= probe());
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
  const skipped = found.skipped.length ? `; passed over: ${found.skipped.join('; ')}` : '';
  if (!found.build) return found.reason;
  const { version, packageName, root } = found.build;
  const name = packageName === 'uWebSockets.js' ? '' : ` (${packageName})`;
  return `uWebSockets.js ${version}${name} from ${displayPath(root)}${skipped}`;
}

function probe(): UwsAvailability {
  const forced = process.env.UWS_USE_FALLBACK;
  if (forced && /^(1|true)$/i.test(forced)) {
    return { skipped: [], reason: `the environment variable UWS_USE_FALLBACK=${forced} disables the native uWebSockets.js build` };
  }
  const skipped: string[] = [];
  for (const main of candidates()) {
    const loaded = load(main);
    if ('uws' in loaded) return { uws: loaded.uws, build: loaded, skipped };
    skipped.push(loaded.skip);
  }
  if (!skipped.length) return { skipped, reason: `the uWebSockets.js package is not installed; ${advice()}` };
  return { skipped: [], reason: `${skipped.join('; ')}; ${advice()}` };
}

/**
 * The main files of the uWebSockets.js packages in reach, the application's first. Resolving
 * the main file (not `package.json`) works whether or not the package has an `exports` map.
 */
function candidates(): string[] {
  const from = [process.argv[1] ? path.dirname(process.argv[1]) : null, process.cwd(), __dirname];
  const mains: string[] = [];
  const seen = new Set<string>();
  for (const dir of from) {
    if (!dir) continue;
    let main: string;
    try {
      main = require.resolve('uWebSockets.js', { paths: [dir] });
    } catch {
      continue; // not installed where this folder looks
    }
    const real = realpathSync(main);
    if (!seen.has(real)) mains.push(main);
    seen.add(real);
  }
  return mains;
}

/** Loads the package whose main file is `main`, or says why it was passed over. */
function load(main: string): UwsBuild | { skip: string } {
  const root = packageRoot(main);
  let pkg: { name?: string; version?: string };
  try {
    pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    pkg = {};
  }
  const version = /^\d+\.\d+\.\d+/.exec(pkg.version ?? '')?.[0] ?? '0.0.0';
  const where = `uWebSockets.js ${pkg.version ?? '(no version)'} in ${displayPath(root)}`;
  if (compareVersions(version, OLDEST) < 0) return { skip: `${where} is older than v${OLDEST.join('.')}, the oldest Typhoon supports` };
  const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const shipped = binariesIn(root);
  if (shipped.length && !shipped.includes(binary)) {
    return { skip: `${where} has no binary for Node.js ${process.versions.node} (${binary})` };
  }
  // Builds after v20.30 refuse heads over UWS_HTTP_MAX_HEADERS_SIZE (4 KiB unless set, read as
  // the binary loads) with a 431 of their own: allow what the Node transport allows.
  process.env.UWS_HTTP_MAX_HEADERS_SIZE ??= String(MIN_HEAD_LIMIT);
  let uws: Uws;
  try {
    uws = require(main) as Uws;
  } catch (error) {
    return { skip: `${where} did not load: ${loadFailure(error as Error)}` };
  }
  if (!isNative(uws)) return { skip: `${where} could not load its native binary ${binary} and fell back to JavaScript` };
  // uWS marks every response with a `uWebSockets: 20` header unless told to be silent (its
  // `_cfg`, in every release from v20.30 to v20.57 at least): a server should not advertise its stack.
  (uws as Uws & { _cfg?: (key: string) => void })._cfg?.('silent');
  const headLimit = compareVersions(version, [20, 31, 0]) >= 0 ? Number(process.env.UWS_HTTP_MAX_HEADERS_SIZE) || 4096 : null;
  return { uws, version, root, packageName: pkg.name ?? 'uWebSockets.js', settableIdleTimeout: hasIdleTimeouts(uws), headLimit };
}

/** Whether an App of this build has the idle-timeout setters (they are on instances, not on `App.prototype`). */
function hasIdleTimeouts(uws: Uws): boolean {
  const app = uws.App() as ReturnType<Uws['App']> & IdleTimeouts;
  const settable = typeof app.setIdleTimeout === 'function' && typeof app.setResponseTimeout === 'function';
  (app as { close?(): void }).close?.();
  return settable;
}

/** The idle-timeout setters of builds since about v20.5x (missing from their typings). */
export interface IdleTimeouts {
  setIdleTimeout?(seconds: number): unknown;
  setResponseTimeout?(seconds: number): unknown;
}

/** The folder holding the package.json above a main file (Truffle's is in src/). */
function packageRoot(main: string): string {
  let dir = path.dirname(main);
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
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

/** Why a native binary did not load, in the words a user can act on. */
function loadFailure(error: Error): string {
  const glibc = /GLIBC_(\d+\.\d+)'? not found/.exec(error.message);
  if (glibc) return `its binary needs glibc ${glibc[1]}, and ${glibcHere()}`;
  const lines = error.message.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? error.message;
}

/** What to do about it: the build to install, or what the system lacks for one. */
function advice(): string {
  const glibc = glibcVersion();
  if (!glibc || compareVersions(glibc, GLIBC_NEEDED.split('.').map(Number)) < 0) {
    return `uWebSockets.js builds for Node.js 22 and later (v20.55 and newer) need glibc ${GLIBC_NEEDED} (Debian 13, Ubuntu 24.04, RHEL 10 or later), and ${glibcHere()}`;
  }
  return (
    `install a build for Node.js ${process.versions.node.split('.')[0]} beside Typhoon: ` +
    `npm install uWebSockets.js@github:uNetworking/uWebSockets.js#${TESTED} (or its republication in the npm registry, uWebSockets.js@npm:@btc-vision/uwebsockets.js@${TESTED.slice(1)})`
  );
}

function glibcHere(): string {
  const glibc = glibcVersion();
  return glibc ? `this system has glibc ${glibc}` : 'this system has no glibc (musl?)';
}

/** The C library's version on glibc systems (`'2.36'`), else undefined. */
export function glibcVersion(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

function compareVersions(version: string, than: number[]): number {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < than.length; i++) {
    const difference = (parts[i] ?? 0) - than[i];
    if (difference) return difference;
  }
  return 0;
}

function displayPath(folder: string): string {
  const relative = path.relative(process.cwd(), folder);
  return relative && !relative.startsWith('..') ? relative : folder;
}

/** True when the loaded module is the native addon (native functions print `[native code]`). */
export function isNative(uws: Uws): boolean {
  return /\[native code\]/.test(Function.prototype.toString.call(uws.App));
}
