/** The oldest uWebSockets.js release whose API and behaviour the transport was written and tested against. */
export const OLDEST = [20, 30, 0];
/** The glibc that official uWebSockets.js builds since about v20.55 (those for Node.js 22+) need. */
const GLIBC_NEEDED = [2, 38];
/** The current build CI runs on, as a user installs it (docs/transports.md). */
const TESTED = '20.57.0';

let glibc: string | null | undefined;

/** The C library's version on glibc systems (`'2.36'`), else undefined. Read once. */
export function glibcVersion(): string | undefined {
  if (glibc === undefined) {
    glibc = null;
    // excludeNetwork: Node 20.13 and later (missing from @types/node 20's typings).
    const report = process.report as (NodeJS.ProcessReport & { excludeNetwork?: boolean }) | undefined;
    if (process.platform === 'linux' && report) {
      // A report looks up the name of every open socket's peer: with a slow resolver that took
      // seconds. The C library's version is all that is wanted here.
      const excluded = report.excludeNetwork;
      report.excludeNetwork = true;
      try {
        glibc = (report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime ?? null;
      } finally {
        report.excludeNetwork = excluded;
      }
    }
  }
  return glibc ?? undefined;
}

/** `major.minor.patch` of a package.json version (`'20.57.0'`, `'v20.30.0-unofficial.0'`), or null. */
export function parseVersion(version: string | undefined): string | null {
  return /^v?(\d+\.\d+\.\d+)/.exec(version ?? '')?.[1] ?? null;
}

/** Negative, zero or positive as `version` is before, at or after `than`. */
export function compareVersions(version: string, than: number[]): number {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < than.length; i++) {
    const difference = (parts[i] ?? 0) - than[i];
    if (difference) return difference;
  }
  return 0;
}

/** What would give this machine a uWS build: the one to install, or what the system lacks for one. */
export function advice(): string {
  const node = Number(process.versions.node.split('.')[0]);
  const libc = glibcVersion();
  if (node <= 20) {
    return `reinstall the dependencies (npm ci): Typhoon's own uWebSockets.js (v20.30) has binaries for Node.js 16, 18 and 20 on glibc 2.27 or later${libc ? '' : ', and this system has no glibc (musl?)'}`;
  }
  if (!libc || compareVersions(libc, GLIBC_NEEDED) < 0) {
    return `uWebSockets.js builds for Node.js 22 and later (v20.55 and newer) need glibc ${GLIBC_NEEDED.join('.')} (Debian 13, Ubuntu 24.04, RHEL 10 or later), and this system has ${libc ? `glibc ${libc}` : 'no glibc (musl?)'}`;
  }
  return (
    `install a build for Node.js ${node} in the application: npm install --save-exact uWebSockets.js@npm:@btc-vision/uwebsockets.js@${TESTED} ` +
    `(the npm registry's republication of v${TESTED}), or uWebSockets.js@github:uNetworking/uWebSockets.js#v${TESTED} (the official release)`
  );
}
