import { spawn } from 'node:child_process';
import { isMainThread } from 'node:worker_threads';
import { genLog } from '../common/log';

/** Set in the process that serves under `node --watch`, so it does not supervise again. */
const CHILD = 'TYPHOON_AUTORELOAD_CHILD';

/**
 * Whether `listen()` should hand this process's work to a watched copy of itself (Tornado's
 * autoreload): the script was run by the user (not a test runner or tool from node_modules),
 * on the main thread, not already under `node --watch`.
 */
export function shouldAutoreload(): boolean {
  const entry = process.argv[1];
  return isMainThread && !process.env[CHILD] && Boolean(entry) && !/[\\/]node_modules[\\/]/.test(entry)
    && !process.execArgv.some((flag) => flag.startsWith('--watch'));
}

/**
 * Runs the same script again under `node --watch`, which restarts it whenever a module it
 * loaded changes (on the same port: the old process exits first), and, when the new code
 * fails to start (a syntax error), says so and waits for the next change instead of ending.
 * This process only waits for it, passing on signals, and exits with its exit code; the
 * promise never settles, so the rest of the caller's start-up runs in the watched process only.
 */
export function serveUnderWatch(): Promise<never> {
  const args = ['--watch', '--watch-preserve-output', ...process.execArgv, ...process.argv.slice(1)];
  genLog.info(`autoreload: serving from a copy of this process under node --watch (${process.argv[1]}); it restarts when a loaded file changes`);
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, [CHILD]: '1' } });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return new Promise<never>(() => undefined);
}
