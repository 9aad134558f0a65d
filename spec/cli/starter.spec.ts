import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const cli = path.join(__dirname, '..', '..', 'lib', 'cli', 'typhoon.js');

/** Runs the typhoon command in `cwd`, resolving with its exit code and what it printed. */
function typhoon(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [cli, ...args], { cwd }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('the typhoon command', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'typhoon-cli-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('refuses, naming the fix and writing nothing, a --typhoon npm could not install: a registry range, a file: path missing from the project', async () => {
    const range = await typhoon(['new', 'my-app', '--typhoon', '^0.1.0'], work);
    expect(range.code).to.equal(1);
    expect(range.stderr).to.contain('typhoon new: --typhoon ^0.1.0 asks the npm registry for typhoon, which is not there')
      .and.contain("leave --typhoon out to pack this Typhoon into the project's vendor/ folder");
    expect(existsSync(path.join(work, 'my-app'))).to.equal(false);
    // A path that exists from here, not from the project's folder, where npm reads it.
    mkdirSync(path.join(work, 'packs'));
    writeFileSync(path.join(work, 'packs', 'typhoon-0.1.0.tgz'), '');
    const file = await typhoon(['new', 'apps/my-app', '--typhoon', 'file:packs/typhoon-0.1.0.tgz'], work);
    expect(file.code).to.equal(1);
    expect(file.stderr).to.contain("npm reads a file: path from the new project's folder (apps/my-app)")
      .and.contain(`from there it is --typhoon file:${path.join('..', '..', 'packs', 'typhoon-0.1.0.tgz')}`);
    expect(existsSync(path.join(work, 'apps'))).to.equal(false);
  });

  it('typhoon dev names the install when the project has no TypeScript', async () => {
    const dev = await typhoon(['dev', 'dist/main.js'], work);
    expect(dev.code).to.equal(1);
    expect(dev.stderr).to.contain("typhoon dev: typhoon dev compiles with the project's TypeScript").and.contain('npm install --save-dev typescript');
  });
});
