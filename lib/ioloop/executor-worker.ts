// The script each executor worker thread runs (piscina calls `runTask` per task): loads the
// module a task names, calls the export with the task's arguments and answers with its result
// or the error it threw. Never imported by the main thread, nor public.
import { pathToFileURL } from 'node:url';
import { sendError, type ExecutorOutcome, type ExecutorRequest } from './executor-messages';

type Exported = (...args: unknown[]) => unknown;

/** Loaded exports by `module#name`: each module is loaded once per thread. */
const loaded = new Map<string, Exported>();

/** Runs one task. Never throws: a failure is answered as data (see executor-messages). */
export async function runTask(request: ExecutorRequest): Promise<ExecutorOutcome> {
  let value: unknown;
  try {
    const fn = loaded.get(`${request.module}#${request.name}`) ?? (await load(request.module, request.name));
    value = await fn(...request.args);
  } catch (error) {
    return { error: sendError(error) };
  }
  // A value that cannot be cloned would fail in piscina's postMessage, which ends this thread
  // and loses the reason; copying it here first (off the main thread) keeps the reason.
  if (typeof value === 'object' && value !== null) {
    try {
      structuredClone(value);
    } catch (error) {
      return { error: { name: 'DataCloneError', message: `The result of ${request.name}() cannot be sent back from its worker thread (results must be structured-cloneable): ${(error as Error).message}` } };
    }
  }
  return { value };
}

/**
 * The export, through `import()`: ES modules and CommonJS alike. A CommonJS module's
 * `module.exports` is its `default`, so `name` is looked for there too (TypeScript's
 * `export default` compiles to `exports.default`, which is `namespace.default.default`).
 */
async function load(module: string, name: string): Promise<Exported> {
  const url = module.startsWith('file:') ? module : pathToFileURL(module).href;
  const namespace = (await import(url)) as Record<string, unknown> & { default?: Record<string, unknown> };
  const fn = [namespace[name], namespace.default?.[name]].find((candidate) => typeof candidate === 'function');
  if (typeof fn !== 'function') throw new TypeError(`${module} has no function export named '${name}' (it has: ${Object.keys(namespace).join(', ') || 'none'})`);
  loaded.set(`${module}#${name}`, fn as Exported);
  return fn as Exported;
}
