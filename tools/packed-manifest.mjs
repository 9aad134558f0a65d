// The package.json that `npm pack` puts in the tarball: `prepack` runs `strip`, `postpack` runs
// `restore`. Users install the tarball as a `file:` dependency, and npm 11 lists a non-registry
// package's `prepare` script among the install scripts it asks them to approve, though it never
// runs it for a tarball (it needs this repository's sources anyway). So the packed manifest
// keeps what installing needs and drops the scripts and devDependencies; the clone keeps them
// (`npm install` in a clone, and a git URL, still build through `prepare`). `overrides` and
// `allowScripts` (and the `//` note on them) concern the clone's own install only — npm reads
// them from the project being installed, never from a dependency — so they are dropped too.
//
//   node tools/packed-manifest.mjs strip     package.json -> the packed one (the full one kept aside)
//   node tools/packed-manifest.mjs restore   the full one back
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = path.join(root, 'package.json');
// Left in place only when a pack died between its prepack and postpack; strip then starts from it.
const kept = path.join(root, '.package.json.before-pack');

const command = process.argv[2];
if (command === 'strip') {
  if (!existsSync(kept)) renameSync(manifest, kept);
  const { scripts, devDependencies, overrides, allowScripts, '//': note, ...packed } = JSON.parse(readFileSync(kept, 'utf8'));
  writeFileSync(manifest, `${JSON.stringify(packed, null, 2)}\n`);
} else if (command === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  console.error('usage: node tools/packed-manifest.mjs strip|restore');
  process.exitCode = 2;
}
