import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Options of {@link watchFiles}. */
export interface WatchFilesOptions {
  /** The file name endings that count, e.g. `['.js', '.json']`. */
  extensions: readonly string[];
  /** Folders (absolute) left out, besides every `node_modules` and dot-folder. */
  ignore?: readonly string[];
  /** Quiet time after the last event before the changes are reported, in ms. @defaultValue 100 */
  debounce?: number;
  /** Whether the watch alone keeps the process running. @defaultValue true */
  persistent?: boolean;
}

/** What {@link watchFiles} returns. */
export interface FileWatcher {
  /** Stops watching. */
  close(): void;
}

/**
 * Watches the files under `root` whose names end with one of `extensions`, and calls `onChange`
 * with the ones whose content changed (paths relative to `root`), once events have been quiet
 * for `debounce` ms. A file written again with the same content is no change: a compiler that
 * rewrites its whole output (tsc on start) restarts nothing. One `fs.watch` per folder, so a
 * `node_modules` inside is never walked.
 *
 * @example
 * const watcher = watchFiles('dist', { extensions: ['.js'] }, (changed) => console.log(changed));
 * watcher.close();
 */
export function watchFiles(root: string, options: WatchFilesOptions, onChange: (changed: string[]) => void): FileWatcher {
  const ignore = new Set((options.ignore ?? []).map((folder) => path.resolve(folder)));
  const digests = new Map<string, string>();
  const folders = new Map<string, FSWatcher>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const counts = (file: string) => options.extensions.some((extension) => file.endsWith(extension));
  const skipped = (folder: string) => ignore.has(folder) || /^(\.|node_modules$)/.test(path.basename(folder));

  const flush = () => {
    const changed: string[] = [];
    for (const file of pending) {
      if (isFolder(file)) {
        if (!folders.has(file) && !skipped(file)) changed.push(...add(file, true));
      } else if (counts(file)) {
        const digest = digestOf(file);
        if (digest !== digests.get(file)) changed.push(path.relative(root, file));
        if (digest === undefined) digests.delete(file);
        else digests.set(file, digest);
      }
    }
    pending.clear();
    if (changed.length) onChange(changed);
  };

  /** Watches `folder` and what is below it; returns the files found (all new when `fresh`). */
  const add = (folder: string, fresh: boolean): string[] => {
    const found: string[] = [];
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
      const watcher = watch(folder, { persistent: options.persistent ?? true }, (_event, name) => {
        if (name === null) return;
        pending.add(path.join(folder, name.toString()));
        clearTimeout(timer);
        timer = setTimeout(flush, options.debounce ?? 100);
      });
      // The folder went away: its watcher ends; a folder made again in its place is added then.
      watcher.on('error', () => folders.delete(folder) && watcher.close());
      folders.set(folder, watcher);
    } catch {
      return found;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skipped(full)) found.push(...add(full, fresh));
      } else if (counts(entry.name)) {
        const digest = digestOf(full);
        if (digest !== undefined) digests.set(full, digest);
        if (fresh) found.push(path.relative(root, full));
      }
    }
    return found;
  };

  add(path.resolve(root), false);
  return {
    close: () => {
      clearTimeout(timer);
      for (const watcher of folders.values()) watcher.close();
      folders.clear();
    },
  };
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function digestOf(file: string): string | undefined {
  try {
    return createHash('sha1').update(readFileSync(file)).digest('base64');
  } catch {
    return undefined;
  }
}
