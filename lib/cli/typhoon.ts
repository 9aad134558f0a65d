#!/usr/bin/env node
// The `typhoon` command: `typhoon new <dir>` writes a new project (see starter.ts).
import { STARTER_UWS, writeStarter } from './starter';

const USAGE = `Usage: typhoon new <dir> [--name <package-name>] [--typhoon <version or path>] [--uws <spec> | --uws none]

Writes a new Typhoon project into <dir>: TypeScript with decorators, a page, a JSON route with an
injected service, a WebSocket, a template, a static file and a spec. Then:
  cd <dir> && npm install && npm start

--uws: the uWebSockets.js build its package.json asks for, which serves on Node.js 22 and later
where glibc is 2.38 or newer (default ${STARTER_UWS}; the official release is
github:uNetworking/uWebSockets.js#v20.57.0); none leaves it out (Node.js 20 keeps Typhoon's own).`;

function main(argv: string[]): number {
  const [command, dir, ...rest] = argv;
  if (command !== 'new' || !dir || dir.startsWith('-')) {
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
  try {
    const files = writeStarter(dir, { name: option('--name'), typhoon: option('--typhoon'), uws: option('--uws') });
    console.log(`Wrote ${files.length} files in ${dir}:\n  ${files.join('\n  ')}\n\nNext: cd ${dir} && npm install && npm start`);
    return 0;
  } catch (error) {
    console.error(`typhoon new: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
