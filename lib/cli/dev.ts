import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../common/errors';
import { watchFiles } from '../common/file-watcher';
import { AUTORELOAD_ENV } from '../web/autoreload';

/** The files whose change means compiling again: TypeScript, and the JSON configuring it. */
const SOURCES = ['.ts', '.tsx', '.mts', '.cts', '.json'];

/** How long a script that was asked to stop may take before it is killed (ms). */
const STOP_GRACE = 10_000;

/**
 * `typhoon dev <script> [args]`, the development loop of a project compiled by tsc: compiles
 * (`tsc --noEmitOnError`, the project's own TypeScript and tsconfig.json), runs
 * `node --enable-source-maps <script> [args]` (stacks show .ts lines), and compiles again
 * whenever a TypeScript or JSON file of the project changes (not under `node_modules` or the
 * script's output folder). The script restarts only after a compile without errors: code that
 * failed to type-check never runs, the last good build goes on serving. Typhoon's own autoreload
 * stays off in the script (`TYPHOON_AUTORELOAD=off`): this loop is what restarts it.
 *
 * @returns the exit code, once a signal (Ctrl-C) has ended the loop
 * @throws InvalidArgumentError when the project has no TypeScript installed
 */
export function runDev(script: string, args: readonly string[], cwd = process.cwd()): Promise<number> {
  const tsc = typescriptCompiler(cwd);
  const output = path.relative(cwd, path.resolve(cwd, script)).split(path.sep)[0];
  let state: 'compiling' | 'idle' | 'closing' = 'idle';
  let changedWhileCompiling = false;
  let compiler: ChildProcess | null = null;
  let app: ChildProcess | null = null;
  const say = (message: string) => console.log(`typhoon dev: ${message}`);

  const start = () => {
    const child = spawn(process.execPath, ['--enable-source-maps', script, ...args], { cwd, stdio: 'inherit', env: { ...process.env, [AUTORELOAD_ENV]: 'off' } });
    child.once('exit', (code, signal) => {
      if (app !== child) return;
      app = null;
      if (state !== 'closing') say(`${script} exited (${signal ?? `code ${code}`}); it starts again once a change compiles`);
    });
    app = child;
  };

  const compile = () => {
    if (state === 'closing') return;
    if (state === 'compiling') {
      changedWhileCompiling = true;
      return;
    }
    state = 'compiling';
    compiler = spawn(process.execPath, [tsc, '--noEmitOnError'], { cwd, stdio: 'inherit' });
    compiler.once('exit', (code) => {
      compiler = null;
      if (state === 'closing') return;
      state = 'idle';
      if (changedWhileCompiling) {
        changedWhileCompiling = false;
        return compile();
      }
      if (code !== 0) return say(`tsc found errors; ${app ? 'the last build that compiled goes on running' : `${script} starts once they are fixed`}`);
      if (!app) return start();
      say(`restarting ${script}`);
      const running = app;
      app = null;
      // A compile begun meanwhile restarts it again if it succeeds; until then this build serves.
      void stop(running).then(() => state !== 'closing' && !app && start());
    });
  };

  const watcher = watchFiles(cwd, { extensions: SOURCES, ignore: output && output !== '..' ? [path.join(cwd, output)] : [] }, (changed) => {
    say(`${changed[0]}${changed.length > 1 ? ` and ${changed.length - 1} more` : ''} changed; compiling`);
    compile();
  });
  compile();

  return new Promise((resolve) => {
    const end = (signal: NodeJS.Signals) => {
      if (state === 'closing') return;
      state = 'closing';
      watcher.close();
      compiler?.kill(signal);
      const running = app;
      app = null;
      void (running ? stop(running, signal) : Promise.resolve()).then(() => resolve(0));
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => end(signal));
  });
}

/** Asks `child` to stop (SIGTERM: a Typhoon application closes gracefully), killing it after {@link STOP_GRACE}. */
function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** The project's `tsc` (a script node runs, for TypeScript 5 and 7 alike). */
function typescriptCompiler(cwd: string): string {
  let manifest: string;
  try {
    manifest = require.resolve('typescript/package.json', { paths: [cwd] });
  } catch {
    throw new InvalidArgumentError(`typhoon dev compiles with the project's TypeScript, and ${cwd} has none: npm install --save-dev typescript`);
  }
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { tsc: string } };
  return path.join(path.dirname(manifest), bin.tsc);
}
