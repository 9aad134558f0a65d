import { readFileSync, readdirSync, statSync } from 'node:fs';
import { genLog } from '../common/log';

/**
 * The process's limit on open file descriptors (`ulimit -n`; Node.js raises the soft limit to
 * the hard one at start-up), or null where it cannot be read (not Linux).
 */
export function descriptorLimit(): number | null {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    if (!line) return null;
    return line[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(line[1]);
  } catch {
    return null;
  }
}

/**
 * Descriptors the process has open now, or null where that cannot be read. Linux 6.2+ reports
 * the count as the size of `/proc/self/fd` (one `stat`); older kernels report 0 and the folder
 * is listed instead.
 */
export function openDescriptors(): number | null {
  try {
    const size = statSync('/proc/self/fd').size;
    return size > 0 ? size : readdirSync('/proc/self/fd').length - 1;
  } catch {
    return null;
  }
}

/**
 * The default `maxConnections` for a descriptor limit: nine tenths of it, less 32 for files,
 * pipes and the like, so the server stops accepting before `accept()` fails with EMFILE (where
 * uSockets' accept loop would spin a core).
 */
export function connectionsFor(limit: number | null): number | undefined {
  if (limit === null || limit >= Number.MAX_SAFE_INTEGER) return undefined;
  return Math.max(Math.floor(limit * 0.9) - 32, 1);
}

/** Below this many descriptors a server is warned about at start-up. */
export const LOW_DESCRIPTOR_LIMIT = 4096;

let descriptorsChecked = false;

/** Says once per process when the descriptor limit caps the connections low (a container's default 1024, say). */
export function warnIfFewDescriptors(maxConnections: number | undefined): void {
  if (descriptorsChecked) return;
  descriptorsChecked = true;
  const limit = descriptorLimit();
  if (limit === null || limit >= LOW_DESCRIPTOR_LIMIT) return;
  genLog.warn(
    `This process may open only ${limit} files (ulimit -n), so it holds at most ${maxConnections ?? limit} connections; ` +
      'for production raise the limit (systemd: LimitNOFILE=65536; Docker: --ulimit nofile=65536:65536; a shell: ulimit -n 65536)',
  );
}
