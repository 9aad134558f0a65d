import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const printed = new Set<string>();

/**
 * Skips the calling suite when a Debian package it drives is missing, with one visible line
 * naming the package to install. `.ci/run` installs them all, so CI skips nothing.
 */
export function requirePackage(ctx: Mocha.Context, debianPackage: string, available: boolean): void {
  if (available) return;
  if (!printed.has(debianPackage)) {
    printed.add(debianPackage);
    process.stdout.write(`      [skipped: install the Debian package '${debianPackage}' (apt-get install -y ${debianPackage}) to run these specs]\n`);
  }
  ctx.skip();
}

/** True when `python3` with the tornado module runs. */
export function hasPythonTornado(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import tornado'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasChromium = () => existsSync('/usr/bin/chromium');
export const hasRedis = () => existsSync('/usr/bin/redis-server');
export const hasOpenssl = () => existsSync('/usr/bin/openssl');
export const hasWrk = () => existsSync('/usr/bin/wrk');
