import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../common/errors';

/** This Typhoon: the clone or installed package the `typhoon` command runs from. */
export const TYPHOON_ROOT = path.join(__dirname, '..', '..', '..');

/**
 * Refuses a `--typhoon` spec `npm install` could not install in the project at `dir`: a `file:`
 * path that does not exist from there (npm reads it from the project's folder), or a version
 * range or tag, which asks the npm registry, where Typhoon is not. Git URLs, GitHub shorthands,
 * `https:` tarballs and `npm:` aliases of other packages pass as they are.
 *
 * @throws InvalidArgumentError naming the fix
 */
export function checkTyphoonSpec(spec: string, dir: string): void {
  const file = /^file:(.+)$/.exec(spec)?.[1];
  if (file !== undefined) {
    if (existsSync(path.resolve(dir, file))) return;
    const fromHere = path.resolve(file);
    const fix = existsSync(fromHere)
      ? `; from there it is --typhoon file:${path.relative(path.resolve(dir), fromHere)}`
      : '; give the tarball `npm pack` made in a Typhoon clone, or leave --typhoon out to pack this Typhoon into the project';
    throw new InvalidArgumentError(`--typhoon ${spec}: npm reads a file: path from the new project's folder (${dir}), and ${path.resolve(dir, file)} does not exist${fix}`);
  }
  const elsewhere = /^(git\+|git:|github:|gitlab:|bitbucket:|https?:)/.test(spec) || /^[\w.-]+\/[\w.-]+(#.*)?$/.test(spec)
    || (spec.startsWith('npm:') && !/^npm:typhoon(@|$)/.test(spec));
  if (!elsewhere) {
    throw new InvalidArgumentError(`--typhoon ${spec} asks the npm registry for typhoon, which is not there, so npm install would fail: leave --typhoon out to pack this Typhoon into the project's vendor/ folder, or give file:<the tarball npm pack makes in a Typhoon clone> or a git URL`);
  }
}

/**
 * Packs {@link TYPHOON_ROOT} into `folder` with `npm pack`: in a clone its `prepack` builds it
 * and leaves the scripts out of the packed package.json; an installed copy packs as it is.
 *
 * @returns the tarball's file name (`typhoon-<version>.tgz`)
 * @throws InvalidArgumentError when npm pack fails, with its last lines and the fix
 */
export function packTyphoon(folder: string): string {
  const { name, version } = JSON.parse(readFileSync(path.join(TYPHOON_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  mkdirSync(folder, { recursive: true });
  const packed = spawnSync('npm', ['pack', '--pack-destination', path.resolve(folder)], { cwd: TYPHOON_ROOT, encoding: 'utf8', shell: process.platform === 'win32' });
  const tarball = `${name}-${version}.tgz`;
  if (packed.status !== 0 || !existsSync(path.join(folder, tarball))) {
    const said = `${packed.stdout ?? ''}${packed.stderr ?? ''}${packed.error?.message ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new InvalidArgumentError(`npm pack in ${TYPHOON_ROOT} failed, so there is no Typhoon to put in the project:\n${said}\n` +
      'Fix the build there (npm install, then npm run build) and run typhoon new again, or pass --typhoon file:<a tarball npm pack made>');
  }
  return tarball;
}
