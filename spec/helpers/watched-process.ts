import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A command running in its own process group, its stdout and stderr read together. */
export interface WatchedProcess {
  child: ChildProcess;
  /** Everything printed so far. */
  output(): string;
  /** How many times `pattern` (global) occurs in the output so far. */
  count(pattern: RegExp): number;
  /** Waits until `pattern` has occurred `times` times (default once), failing after `seconds`. */
  waitFor(pattern: RegExp, times?: number, seconds?: number): Promise<void>;
  /** Ends the process group (SIGTERM, SIGKILL after 10 s) and whatever it left. */
  stop(): Promise<void>;
}

/** Starts `command args` in `cwd` in its own process group (so `stop` ends what it starts too). */
export function startWatched(command: string, args: string[], cwd: string, env: Record<string, string> = {}): WatchedProcess {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const read = (chunk: Buffer) => {
    text += chunk;
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  const count = (pattern: RegExp) => [...text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))].length;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is gone already
    }
  };
  return {
    child,
    output: () => text,
    count,
    async waitFor(pattern, times = 1, seconds = 60) {
      const deadline = Date.now() + seconds * 1000;
      while (count(pattern) < times) {
        if (Date.now() > deadline) throw new Error(`${pattern} was printed ${count(pattern)} times, not ${times}, within ${seconds} s:\n${text}`);
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before printing ${pattern} ${times} times:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () => new Promise((resolve) => {
      const done = () => {
        // Whatever the group's leader left running goes too.
        signal('SIGKILL');
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const timer = setTimeout(() => signal('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      signal('SIGTERM');
    }),
  };
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Polls `url` until `check` accepts its status and text (generous deadline, no fixed sleeps). */
export async function untilAnswer(url: string, check: (text: string, status: number) => boolean, seconds = 60): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    const [status, text] = await fetch(url).then(async (response) => [response.status, await response.text()] as const, (error: Error) => [0, `(${error.message})`] as const);
    last = text;
    if (check(text, status)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} still answered ${JSON.stringify(last)} after ${seconds} s`);
}
