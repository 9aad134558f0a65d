import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const lib = path.join(__dirname, '..', '..', 'lib');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The folder of lib/ a file is in (`.` for lib/index.ts). */
function folderOf(file: string): string {
  const parts = path.relative(lib, file).split(path.sep);
  return parts.length > 1 ? parts[0] : '.';
}

/** Every module a file imports, re-exports or requires (type-only imports included: they are dependencies too). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'|\brequire\('([^']+)'\)/gm)].map((match) => match[1] ?? match[2] ?? match[3]);
}

describe('the layout of lib/ (README, "How the code is laid out")', () => {
  const files = sources(lib);

  it('has no import cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const file of files) {
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const from = folderOf(file);
        const to = folderOf(path.resolve(path.dirname(file), specifier));
        if (from !== to) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
      }
    }
    // A depth-first search: a folder met again while still on the path closes a cycle.
    const cycles: string[] = [];
    const done = new Set<string>();
    const visit = (folder: string, trail: string[]) => {
      if (trail.includes(folder)) return void cycles.push([...trail.slice(trail.indexOf(folder)), folder].join(' -> '));
      if (done.has(folder)) return;
      for (const next of edges.get(folder) ?? []) visit(next, [...trail, folder]);
      done.add(folder);
    };
    for (const folder of edges.keys()) visit(folder, []);
    expect(cycles).to.deep.equal([]);
    expect(edges.get('common') ?? new Set(), 'lib/common imports no other folder').to.be.empty;
  });

  it('names uWebSockets.js only in lib/transport/', () => {
    const outside = files.filter((file) => folderOf(file) !== 'transport' && importsOf(readFileSync(file, 'utf8')).includes('uWebSockets.js'));
    expect(outside.map((file) => path.relative(lib, file))).to.deep.equal([]);
  });

  it('keeps every file under 400 lines', () => {
    const long = files.map((file) => [path.relative(lib, file), readFileSync(file, 'utf8').split('\n').length] as const).filter(([, lines]) => lines > 400);
    expect(long).to.deep.equal([]);
  });
});
