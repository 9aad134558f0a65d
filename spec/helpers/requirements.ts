import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolveTransport, transportSetting } from '../../lib/transport/create-transport';
import { nodeHasReusePort } from '../../lib/transport/node-server';
import type { TransportKind } from '../../lib/transport/types';

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

/** The transport the specs' applications serve on: `TYPHOON_TRANSPORT`, else what `'auto'` picks on this Node.js. */
export function specTransport(): TransportKind {
  return resolveTransport(transportSetting(undefined));
}

/**
 * Skips the calling suite when it needs several workers on one port and the transport cannot
 * give them here (the Node transport on a Node.js without `listen()`'s `reusePort`), with one
 * visible line saying so.
 */
export function requireWorkers(ctx: Mocha.Context): void {
  if (specTransport() !== 'node' || nodeHasReusePort()) return;
  if (!printed.has('workers')) {
    printed.add('workers');
    process.stdout.write(`      [skipped: workers on the Node transport need Node.js 22.12 or later (listen's reusePort); this is ${process.versions.node}]\n`);
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
