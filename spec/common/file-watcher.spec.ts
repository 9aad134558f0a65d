import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { watchFiles } from '../../lib/common/file-watcher';
import { waitFor } from '../helpers/promises';

describe('watchFiles', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'typhoon-watch-'));
    for (const name of ['a.js', 'notes.md', 'node_modules/x/index.js', '.cache/b.js', 'ignored/c.js', 'sub/d.js']) write(name, '1');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the files of the given kinds whose content changed, relative to the root, below node_modules, dot-folders and ignored folders only', async () => {
    const reports: string[][] = [];
    const watcher = watchFiles(dir, { extensions: ['.js'], ignore: [path.join(dir, 'ignored')], debounce: 50 }, (changed) => reports.push(changed));
    try {
      write('a.js', readFileSync(path.join(dir, 'a.js'), 'utf8')); // the same bytes: no change
      for (const name of ['notes.md', 'node_modules/x/index.js', '.cache/b.js', 'ignored/c.js']) write(name, '2');
      write('sub/d.js', '2');
      await waitFor(() => reports.length > 0, 10_000, 'a report');
      expect(reports).to.deep.equal([[path.join('sub', 'd.js')]]);
      // A folder made later is watched too, and its files count as changed.
      write('later/e.js', '1');
      await waitFor(() => reports.flat().includes(path.join('later', 'e.js')), 10_000, 'later/e.js');
      write('later/e.js', '2');
      await waitFor(() => reports.flat().filter((name) => name === path.join('later', 'e.js')).length === 2, 10_000, 'later/e.js again');
    } finally {
      watcher.close();
    }
  });
});
