import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { watchFiles, type FileWatcher } from '../common/file-watcher';
import { genLog } from '../common/log';

/**
 * `off` where something else restarts this process: `typhoon dev`, and the copies autoreload
 * runs under `node --watch` after the first change. Set it yourself to turn autoreload off.
 */
export const AUTORELOAD_ENV = 'TYPHOON_AUTORELOAD';

/** The files whose change restarts the process: code, and the JSON it may require. */
const CODE = ['.js', '.mjs', '.cjs', '.json', '.node', '.ts', '.mts', '.cts'];

/** What autoreload needs of an Application: where its non-code files are, and how to close it. */
export interface Reloadable {
  readonly settings: { readonly staticPath?: string; readonly templatePath?: string };
  close(options: { timeout: number }): Promise<void>;
}

/**
 * Whether `listen()` should reload this process on change (Tornado's autoreload): the script was
 * run by the user (not a test runner or a tool from node_modules), on the main thread, with
 * nothing else restarting it (`node --watch`, `typhoon dev`, `TYPHOON_AUTORELOAD=off`).
 */
export function shouldAutoreload(): boolean {
  const entry = process.argv[1];
  return isMainThread && process.env[AUTORELOAD_ENV] !== 'off' && !process.env.WATCH_REPORT_DEPENDENCIES
    && !process.env.NODE_TEST_CONTEXT && Boolean(entry) && !/[\\/]node_modules[\\/]/.test(entry)
    && !process.execArgv.some((flag) => flag.startsWith('--watch'));
}

let watching: { apps: Set<Reloadable>; watcher: FileWatcher } | null = null;

/**
 * Restarts this process when a code file changes in the folder of the script that was run (its
 * subfolders too, less `node_modules` and the applications' static and template folders, which
 * debug mode reads afresh anyway). The first start runs here, so the script's top-level code runs
 * once; on the first change the applications close and the process becomes `node --watch` of the
 * same command (`process.execve`, Node.js 22.15 and later: same process id, nothing of the old
 * code left). From then on `node --watch` restarts it on each change of a file it loaded, and,
 * when new code fails to load, says so and waits for the next change. On Node.js 20 (no
 * `execve`) this process stays, closed, as the parent of that `node --watch`: timers its code
 * started keep running there.
 */
export function reloadOnChange(app: Reloadable): void {
  if (watching) {
    watching.apps.add(app);
    return;
  }
  const entry = realpathSync(process.argv[1]);
  const root = path.dirname(entry);
  const ignore = [app.settings.staticPath, app.settings.templatePath].filter((folder) => folder !== undefined);
  // Not persistent: when the application closes for good, the watch does not keep the process up.
  const watcher = watchFiles(root, { extensions: CODE, ignore, persistent: false }, (changed) => void restart(changed));
  watching = { apps: new Set([app]), watcher };
  genLog.info(`autoreload: this process restarts when code in ${path.relative(process.cwd(), root) || '.'} changes`);
}

async function restart(changed: string[]): Promise<void> {
  const { apps, watcher } = watching!;
  watcher.close();
  genLog.info(`autoreload: ${changed[0]}${changed.length > 1 ? ` and ${changed.length - 1} more` : ''} changed; restarting under node --watch`);
  // The port is free again before the new code binds it (a second of grace for requests in flight).
  await Promise.all([...apps].map((app) => app.close({ timeout: 1 }).catch((error: unknown) => genLog.warn('autoreload: closing failed', error))));
  const args = ['--watch', '--watch-preserve-output', ...process.execArgv, ...process.argv.slice(1)];
  const env = { ...process.env, [AUTORELOAD_ENV]: 'off' };
  // Node.js 22.15+, 23.11+ (not in @types/node 20).
  const proc = process as NodeJS.Process & { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never };
  if (proc.execve) proc.execve(process.execPath, [process.execPath, ...args], env);
  const child = spawn(process.execPath, args, { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  process.once('exit', () => child.kill());
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
