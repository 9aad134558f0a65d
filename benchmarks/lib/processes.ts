import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A benchmark server process, pinned to CPU 0. */
export interface RunningServer {
  name: string;
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** Starts `command args...` on `cpus` (default CPU 0) and waits for it to print `PORT <n>`. */
export function startServer(name: string, command: string, args: string[], cwd: string, options: { cpus?: string; env?: Record<string, string> } = {}): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TYPHOON_LOG_LEVEL: 'warn', ...options.env };
    const child: ChildProcess = spawn('taskset', ['-c', options.cpus ?? '0', command, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 15 s: ${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /PORT (\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        name,
        pid: child.pid!,
        port: Number(match[1]),
        stop: () => new Promise((done) => {
          // A process killed by a signal (SIGABRT) has no exit code, only a signal code.
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code}: ${output.trim()}`));
    });
  });
}

/** Resident memory of a process in bytes (0 when it is gone). */
export function rss(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS while something runs; gives the peak and every sample. */
export async function sampleRss<T>(pid: number, everyMs: number, work: () => Promise<T>): Promise<{ result: T; peak: number; samples: Array<[number, number]> }> {
  const samples: Array<[number, number]> = [];
  const started = performance.now();
  const take = () => samples.push([(performance.now() - started) / 1000, rss(pid)]);
  take();
  const timer = setInterval(take, everyMs);
  try {
    const result = await work();
    take();
    return { result, peak: Math.max(...samples.map(([, value]) => value)), samples };
  } finally {
    clearInterval(timer);
  }
}

/** Runs a command to completion, returning its stdout (stderr on failure). */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}: ${err || out}`))));
  });
}
