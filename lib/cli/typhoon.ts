#!/usr/bin/env node
// The `typhoon` command: `typhoon new <dir>` writes a new project (see starter.ts), `typhoon dev`
// runs one while it is being written (see dev.ts).
import { runDev } from './dev';
import { STARTER_UWS, writeStarter } from './starter';

const USAGE = `Usage: typhoon new <dir> [--name <package-name>] [--typhoon <spec>] [--uws <spec> | --uws none]
       typhoon dev <script> [args...]

typhoon new writes a new Typhoon project into <dir>: TypeScript with decorators, a page, a JSON
route with an injected service, a WebSocket, a template, a static file and a spec. Then:
  cd <dir> && npm install && npm start

--typhoon: what its package.json asks for as typhoon: file:<tarball> (read from <dir>), a git
URL, or left out: this Typhoon, packed (npm pack) into <dir>/vendor/. Typhoon is not in the npm
registry, so a version range would not install and is refused.
--uws: the uWebSockets.js build its package.json asks for, which serves on Node.js 22 and later
where glibc is 2.38 or newer (default ${STARTER_UWS}; the official release is
github:uNetworking/uWebSockets.js#v20.57.0); none leaves it out (Node.js 20 keeps Typhoon's own).

typhoon dev compiles the project with its tsc, runs node --enable-source-maps <script> [args],
and on each change to a TypeScript file compiles again, restarting the script only when the
compile finds no errors (npm run dev in a new project: typhoon dev dist/main.js --debug).`;

function main(argv: string[]): number | Promise<number> {
  const [command, first, ...rest] = argv;
  if (command === 'dev' && first && !first.startsWith('-')) return runDev(first, rest);
  if (command !== 'new' || !first || first.startsWith('-')) {
    console.error(USAGE);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  const option = (flag: string) => {
    const at = rest.indexOf(flag);
    if (at < 0) return undefined;
    const value = rest[at + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value\n\n${USAGE}`);
    return value;
  };
  const files = writeStarter(first, { name: option('--name'), typhoon: option('--typhoon'), uws: option('--uws') });
  console.log(`Wrote ${files.length} files in ${first}:\n  ${files.join('\n  ')}\n\nNext: cd ${first} && npm install && npm start`);
  return 0;
}

void (async () => {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    console.error(`typhoon ${process.argv[2]}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
})();
