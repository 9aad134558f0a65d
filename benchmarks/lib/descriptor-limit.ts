/**
 * How many descriptors the benchmark's processes may open. Raising the limit above the hard
 * one needs CAP_SYS_RESOURCE (root outside a container that drops it); where that fails the
 * processes get the hard limit, and a benchmark spreads its connections over more processes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface DescriptorLimit {
  /** Descriptors each process spawned through {@link limitPrefix} may open. */
  perProcess: number;
  /** Whether `perProcess` is what was asked for (the limit was high enough, or could be raised). */
  granted: boolean;
  /** Why it could not be raised (prlimit's complaint), when it was not granted. */
  refusal?: string;
  /** This process's hard limit (`ulimit -Hn`). */
  hard: number;
  /** The kernel's ceiling for any process (`/proc/sys/fs/nr_open`). */
  nrOpen: number;
}

/** Asks for `wanted` descriptors per process: tries `prlimit --nofile=wanted:wanted`, else settles for the hard limit. */
export function descriptorLimit(wanted: number): DescriptorLimit {
  const hard = hardLimit();
  const nrOpen = Number(readText('/proc/sys/fs/nr_open') ?? hard);
  if (wanted <= hard) return { perProcess: wanted, granted: true, hard, nrOpen };
  if (wanted > nrOpen) return { perProcess: hard, granted: false, refusal: `above the kernel's nr_open (${nrOpen})`, hard, nrOpen };
  try {
    execFileSync('prlimit', [`--nofile=${wanted}:${wanted}`, 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { perProcess: wanted, granted: true, hard, nrOpen };
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    return { perProcess: hard, granted: false, refusal: stderr || (error as Error).message, hard, nrOpen };
  }
}

let prlimitFound: boolean | undefined;

/** The command prefix that starts a process with `limit` descriptors (soft and hard); none without util-linux's prlimit. */
export function limitPrefix(limit: number): string[] {
  prlimitFound ??= runs('prlimit', ['--version']);
  return prlimitFound ? ['prlimit', `--nofile=${limit}:${limit}`] : [];
}

function runs(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function hardLimit(): number {
  const line = /^Max open files\s+\S+\s+(\d+|unlimited)/m.exec(readText('/proc/self/limits') ?? '');
  if (!line) return 1024;
  return line[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(line[1]);
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'latin1').trim();
  } catch {
    return null;
  }
}
