import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A server running in a child process (for memory and file-descriptor checks). */
export interface ChildServer {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts `script` with Node and waits for it to print its port (`PORT <n>` unless `ready` says
 * otherwise). Its stderr is the spec run's, unless `stderr: 'pipe'` keeps it to be read;
 * `nodeArgs` go to Node before the script (`--max-old-space-size=512`).
 */
export function startChildServer(script: string, args: string[] = [], env: Record<string, string> = {}, ready = /PORT (\d+)/, stderr: 'inherit' | 'pipe' = 'inherit', nodeArgs: string[] = []): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env: { ...process.env, TYPHOON_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', stderr] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`child server did not start: ${output}`)), 10_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          port: Number(match[1]),
          stop: () => new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`child server exited with ${code}: ${output}`)));
  });
}

/** Resident memory of a process, in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Paths of the files a process has open (Linux /proc). */
export function openFilesOf(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}
