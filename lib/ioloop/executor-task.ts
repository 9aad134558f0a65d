import { isAbsolute } from 'node:path';
import { InvalidArgumentError } from '../common/errors';
import { invalidArgument } from '../common/invalid-argument';

/**
 * A function named by where it lives, for {@link IOLoop.runInExecutor} and
 * {@link ThreadPoolExecutor.submit}: a worker thread loads `module` and calls its export
 * `name`. The way to reach a function of an ES module (a CommonJS export can be passed as
 * the function itself); `module` is an absolute path or a `file:` URL.
 *
 * @example
 * ```ts
 * // tasks.js (ES module): export function wordCount(text) { return text.split(/\s+/).length; }
 * const task: ExecutorTask = { module: new URL('./tasks.js', import.meta.url).href, name: 'wordCount' };
 * const words = await IOLoop.current().runInExecutor<number>(task, 'a few words');
 * ```
 */
export interface ExecutorTask {
  /** Absolute path or `file:` URL of the module (`require.resolve('./tasks')`, `new URL('./tasks.js', import.meta.url).href`). */
  module: string;
  /** The export to call (`default` for a default export, or a CommonJS `module.exports = fn`). */
  name: string;
}

/** @internal Where a worker finds the function, and how to name it in messages. */
export interface ResolvedTask extends ExecutorTask {
  label: string;
}

/** Functions already found, so `require.cache` is searched once per function. */
const found = new WeakMap<object, ResolvedTask>();

/**
 * @internal `fn` as a module and export name a worker thread can load.
 *
 * @throws TypeError (code `TYPHOON_ERR_INVALID_ARGUMENT`) when `fn` is neither a function nor an {@link ExecutorTask}
 * @throws InvalidArgumentError when `fn` is a function no loaded CommonJS module exports (a
 *   closure, an inline arrow, a method) or only the entry script does, or `module` is relative
 */
export function resolveTask(fn: unknown): ResolvedTask {
  if (typeof fn === 'function') return found.get(fn) ?? findExport(fn as (...args: never[]) => unknown);
  if (isTask(fn)) {
    if (!fn.module.startsWith('file:') && !isAbsolute(fn.module)) {
      throw new InvalidArgumentError(`runInExecutor: module '${fn.module}' must be an absolute path or a file: URL (worker threads have no "here" to resolve it from): require.resolve('${fn.module}') or new URL('${fn.module}', import.meta.url).href`);
    }
    return { module: fn.module, name: fn.name, label: `${fn.name}() of ${fn.module}` };
  }
  throw invalidArgument(TypeError, `runInExecutor takes a function exported from a module, or { module, name }; got ${fn === null ? 'null' : typeof fn}`);
}

function isTask(value: unknown): value is ExecutorTask {
  const task = value as ExecutorTask | null;
  return typeof task === 'object' && task !== null && typeof task.module === 'string' && typeof task.name === 'string';
}

/**
 * Searches the loaded CommonJS modules for one that exports `fn` itself as a plain property,
 * where it is defined: re-exports are getters, and getters are never called (some packages
 * load code lazily in theirs).
 */
function findExport(fn: (...args: never[]) => unknown): ResolvedTask {
  const label = `${fn.name || '<anonymous>'}()`;
  let inEntry = false;
  for (const module of Object.values(require.cache)) {
    const name = module?.filename ? exportNameOf(module.exports, fn) : undefined;
    if (name === undefined) continue;
    // The entry script would run again, whole, in every worker thread (a second server...).
    if (module!.id === '.' || module === require.main) {
      inEntry = true;
      continue;
    }
    const task = { module: module!.filename, name, label };
    found.set(fn, task);
    return task;
  }
  throw new InvalidArgumentError(inEntry
    ? `runInExecutor(${label}): ${label} is exported by the entry script, which every worker thread would run again from the top; move it to a module of its own and import it from there`
    : `runInExecutor(${label}): a worker thread cannot reach ${label}: it runs only functions it can load by name, and no loaded CommonJS module exports this one (a closure, an inline arrow or a method cannot be sent to another thread). Export it from a module (export function ${fn.name || 'work'}(...) in tasks.ts) and pass the imported function, or pass { module: <absolute path or file: URL>, name: '${fn.name || 'work'}' } for an ES module`);
}

/** The name under which `exports` holds `fn` as a plain property (`default` when it is `module.exports`). */
function exportNameOf(exports: unknown, fn: unknown): string | undefined {
  if (exports === fn) return 'default';
  if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null) return undefined;
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(exports))) {
    if (descriptor.value === fn) return name;
  }
  return undefined;
}
