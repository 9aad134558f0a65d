import { createHash, hash } from 'node:crypto';
import { createReadStream, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { stat, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type mime from 'mime-types';
import { appLog } from '../common/log';
import type { Router } from './router';
import type { ResolvedSettings } from './settings';

/** What is known of one file: identity, hash, and (small files) its bytes. */
export interface StaticEntry {
  absolutePath: string;
  size: number;
  mtimeMs: number;
  /** Content hash (hex); for files over {@link HASH_LIMIT}, derived from size and mtime. */
  version: string;
  /** True when `version` hashes the content (a strong ETag). */
  strong: boolean;
  /** The file's bytes when small enough to keep in memory. */
  content?: Buffer;
  /** Precompressed siblings (`file.br`, `file.gz`), best first. */
  variants: StaticVariant[];
  /** Response header values, computed once per version of the file. */
  etag: string;
  lastModified: string;
  contentType: string;
  /** The headers of a plain 200 for this version (wire order), for the in-memory fast path. */
  responseHeaders: string[];
  /** When the entry was last checked against the disk (ms). */
  checkedAt: number;
}

/** A precompressed sibling of a static file. */
export interface StaticVariant {
  encoding: 'br' | 'gzip';
  etag: string;
  absolutePath: string;
  size: number;
  content?: Buffer;
}

const VARIANTS: Array<[StaticVariant['encoding'], string]> = [['br', '.br'], ['gzip', '.gz']];

/** Files up to this size are kept in memory. */
export const MEMORY_LIMIT = 256 * 1024;
/** Files up to this size get a content-hash ETag; larger ones a weak size+mtime ETag. */
export const HASH_LIMIT = 64 * 1024 * 1024;
/**
 * How long a cached entry is trusted without looking at the disk again (not in debug); after
 * that it is still served while one background look checks the file.
 */
const RECHECK_MS = 1000;

/** True when the real path `real` is the folder `root` or below it (symlinks already resolved). */
function isInside(real: string, root: string): boolean {
  return real === root || real.startsWith(root + path.sep);
}

function weakVersion(stats: Stats): string {
  return `${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}`;
}

/**
 * One application's view of its static folder: safe path resolution, content hashes for
 * `staticUrl` and ETags, and small files kept in memory. Caches are per application and
 * off in debug mode (every request looks at the disk).
 */
export class StaticFiles {
  private readonly entries = new Map<string, StaticEntry>();
  /** URL path → absolute candidate path, for the paths served from memory. */
  private readonly resolved = new Map<string, string>();

  /** The absolute path a URL path names under the root (still to be checked: symlinks, `..`). */
  private candidate(relative: string): string {
    return path.resolve(this.root, `.${path.posix.sep}${relative}`);
  }

  private remember(key: string, candidate: string): string {
    if (this.resolved.size < 10_000) this.resolved.set(key, candidate);
    return candidate;
  }

  /** Entries being checked against the disk right now. */
  private readonly revalidating = new Set<string>();
  /** Descriptions being made, by path, size and mtime: requests arriving together share one. */
  private readonly describing = new Map<string, Promise<StaticEntry>>();
  /** Hashes computed for `staticUrl` of files not served yet. */
  private readonly versions = new Map<string, string>();
  private rootReal: string | undefined;

  constructor(readonly root: string, private readonly cache: boolean) {}

  /** Adds `/static/*`, `/robots.txt` and `/favicon.ico` routes. */
  addRoutes(router: Router, settings: ResolvedSettings): void {
    const handlerClass = settings.staticHandlerClass ?? require('./static-file-handler').StaticFileHandler;
    const args = { ...settings.staticHandlerArgs, path: this.root };
    router.addHttp(`${settings.staticUrlPrefix}*`, handlerClass, args);
    router.addHttp(/^\/(robots\.txt|favicon\.ico)$/, handlerClass, args);
  }

  /** `prefix + path?v=hash` (Tornado's `make_static_url`). */
  url(relative: string, prefix: string, includeVersion: boolean): string {
    const url = prefix + relative.replace(/^\/+/, '');
    if (!includeVersion) return url;
    const version = this.versionSync(relative);
    return version ? `${url}?v=${version}` : url;
  }

  /**
   * The file for a URL path, or a reason it cannot be served: `outside` (escapes the root,
   * symlinks included), `missing`, `directory`.
   */
  async lookup(relative: string): Promise<StaticEntry | 'outside' | 'missing' | 'directory'> {
    const candidate = this.candidate(relative);
    const cached = this.cache ? this.entries.get(candidate) : undefined;
    if (cached && performance.now() - cached.checkedAt < RECHECK_MS) return cached;
    const rootReal = (this.rootReal ??= await realpath(this.root));
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      return 'missing';
    }
    if (!isInside(real, rootReal)) return 'outside';
    let stats: Stats;
    try {
      stats = await stat(real);
    } catch {
      return 'missing';
    }
    if (stats.isDirectory()) return 'directory';
    if (!stats.isFile()) return 'missing';
    if (cached && cached.size === stats.size && cached.mtimeMs === stats.mtimeMs) {
      cached.checkedAt = performance.now();
      return cached;
    }
    // Requests that arrive together for a file not described yet share one description: each
    // would otherwise hash the whole file (200 downloads of a 50 MB file hashed it 200 times
    // at once, and the C allocator kept the memory that took).
    const key = `${candidate}\0${stats.size}\0${stats.mtimeMs}`;
    let describing = this.describing.get(key);
    if (!describing) {
      describing = this.describe(real, stats, candidate).finally(() => this.describing.delete(key));
      this.describing.set(key, describing);
    }
    const entry = await describing;
    if (this.cache) this.entries.set(candidate, entry);
    return entry;
  }

  /** A cached entry still fresh enough to serve without touching the disk (sync fast path). */
  fresh(relative: string): StaticEntry | undefined {
    if (!this.cache) return undefined;
    // The same URL path maps to the same file: skip path.resolve on the hot path.
    const candidate = this.resolved.get(relative) ?? this.remember(relative, this.candidate(relative));
    const entry = this.entries.get(candidate);
    if (!entry?.content) return undefined;
    // Stale: serve it this once more and look at the disk in the background (one look at a
    // time), instead of making every request of the next moment wait for the disk.
    if (performance.now() - entry.checkedAt >= RECHECK_MS && !this.revalidating.has(candidate)) {
      this.revalidating.add(candidate);
      entry.checkedAt = 0;
      this.lookup(relative)
        .then((found) => {
          if (typeof found === 'string') this.entries.delete(candidate);
        }, () => this.entries.delete(candidate))
        .finally(() => this.revalidating.delete(candidate));
    }
    return entry;
  }

  /** Reads what serving needs: hash, small contents, siblings, and the header values. */
  private async describe(absolutePath: string, stats: Stats, requested: string): Promise<StaticEntry> {
    let content: Buffer | undefined;
    let version: string;
    let strong = true;
    if (stats.size <= MEMORY_LIMIT) {
      content = await readFile(absolutePath);
      version = hash('sha1', content);
    } else if (stats.size > HASH_LIMIT) {
      version = weakVersion(stats);
      strong = false;
    } else {
      const hasher = createHash('sha1');
      for await (const chunk of createReadStream(absolutePath)) hasher.update(chunk as Buffer);
      version = hasher.digest('hex');
    }
    const tag = (suffix: string) => (strong ? `"${version}${suffix}"` : `W/"${version}${suffix}"`);
    const variants: StaticVariant[] = [];
    for (const [encoding, suffix] of VARIANTS) {
      const sibling = await stat(absolutePath + suffix).catch(() => null);
      if (!sibling?.isFile()) continue;
      const siblingContent = sibling.size <= MEMORY_LIMIT ? await readFile(absolutePath + suffix) : undefined;
      variants.push({ encoding, etag: tag(`-${encoding}`), absolutePath: absolutePath + suffix, size: siblingContent?.length ?? sibling.size, content: siblingContent });
    }
    const etag = tag('');
    const lastModified = new Date(Math.floor(stats.mtimeMs / 1000) * 1000).toUTCString();
    // mime-types (its database ≈ 3 MB in memory) is loaded when the first file is looked up.
    const types = require('mime-types') as typeof mime;
    const contentType = types.contentType(types.lookup(requested) || 'application/octet-stream') || 'application/octet-stream';
    return {
      absolutePath, size: content?.length ?? stats.size, mtimeMs: stats.mtimeMs, checkedAt: performance.now(), variants,
      version, strong, content, etag, lastModified, contentType,
      // The order StaticFileHandler sends them in (Content-Type is the first default header).
      responseHeaders: ['Content-Type', contentType, 'Accept-Ranges', 'bytes', 'Etag', etag, 'Last-Modified', lastModified],
    };
  }

  /** Content hash for `staticUrl` (sync, as templates need it); cached unless debug. */
  private versionSync(relative: string): string | null {
    const candidate = this.candidate(relative);
    const cached = this.cache ? this.entries.get(candidate) ?? this.versions.get(candidate) : undefined;
    if (cached) return typeof cached === 'string' ? cached : cached.version;
    try {
      const real = realpathSync(candidate);
      const rootReal = (this.rootReal ??= realpathSync(this.root));
      if (!isInside(real, rootReal)) return null;
      const stats = statSync(real);
      if (!stats.isFile()) return null;
      if (stats.size > HASH_LIMIT) return weakVersion(stats);
      const version = hash('sha1', readFileSync(real));
      if (this.cache) this.versions.set(candidate, version);
      return version;
    } catch (error) {
      appLog.error(`Could not open static file ${JSON.stringify(relative)}`, error);
      return null;
    }
  }
}
