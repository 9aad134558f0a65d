import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../common/errors';
import { checkTyphoonSpec, packTyphoon, TYPHOON_ROOT } from './typhoon-source';

/** Options of {@link writeStarter}. */
export interface StarterOptions {
  /** The project's package name (default: the folder's name). */
  name?: string;
  /**
   * What the project's package.json asks for as `typhoon`: a `file:` tarball or folder (its path
   * as npm reads it, from the new project's folder), a git URL, or an `npm:` alias of another
   * package. Default: this Typhoon, packed into the project's `vendor/` folder, since Typhoon is
   * not in the npm registry.
   */
  typhoon?: string;
  /**
   * What it asks for as `uWebSockets.js`, the native build for Node.js 22 and later (Typhoon
   * brings one for Node.js 20 only), or `'none'` to leave it out. Default {@link STARTER_UWS}.
   */
  uws?: string;
}

/**
 * The uWebSockets.js build a new project asks for: v20.57.0 as republished in the npm registry
 * (binaries for Node.js 20, 22, 24 and 25; glibc 2.38 or later). The official release is
 * `github:uNetworking/uWebSockets.js#v20.57.0`.
 */
export const STARTER_UWS = 'npm:@btc-vision/uwebsockets.js@20.57.0';

/**
 * Writes a new Typhoon project into `dir` (created; it must be empty if it exists): an ES-module
 * TypeScript project with a page rendered from a template, a JSON route using an injected
 * service, a WebSocket echo, a static file, a spec on node's test runner, and the scripts
 * `npm start`, `npm run dev` (`typhoon dev`: compile and restart on change) and `npm test`.
 * Without `options.typhoon`, this Typhoon is packed (`npm pack`, which builds a clone) into the
 * project's `vendor/` folder and installed from there, so the project does not depend on where
 * the clone is or what it holds later.
 *
 * @returns the files written, relative to `dir`
 * @throws InvalidArgumentError when `dir` exists and is not empty, for a `--typhoon` or `--uws`
 * npm could not install, or when packing this Typhoon fails
 */
export function writeStarter(dir: string, options: StarterOptions = {}): string[] {
  const name = (options.name ?? path.basename(path.resolve(dir))).toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  const uws = options.uws === 'none' ? null : (options.uws ?? STARTER_UWS);
  // The package is installed under the name uWebSockets.js, so its spec names where it comes from.
  if (uws !== null && !/^(npm:|github:|git\+|git:|https?:|file:)/.test(uws)) {
    throw new InvalidArgumentError(`--uws takes 'none' or where uWebSockets.js comes from (npm:@btc-vision/uwebsockets.js@20.57.0, github:uNetworking/uWebSockets.js#v20.57.0, file:...), got ${JSON.stringify(uws)}`);
  }
  if (options.typhoon !== undefined) checkTyphoonSpec(options.typhoon, dir);
  if (existsSync(dir) && readdirSync(dir).length) throw new InvalidArgumentError(`${dir} is not empty: choose a new folder`);
  const created = !existsSync(dir);
  let vendored: string | undefined;
  if (options.typhoon === undefined) {
    try {
      vendored = `vendor/${packTyphoon(path.join(dir, 'vendor'))}`;
    } catch (error) {
      if (created) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const files = starterFiles(name, options.typhoon ?? `file:${vendored}`, uws, vendored);
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return [...(vendored ? [vendored] : []), ...Object.keys(files)];
}

/** Where the README says this project's Typhoon came from, and how to move to another. */
function typhoonNote(typhoon: string, vendored: string | undefined): string {
  if (!vendored) return `\`package.json\` asks for \`typhoon\` as \`${typhoon}\`.`;
  return `Typhoon is not in the npm registry: \`${vendored}\` is the Typhoon this project installs,
packed by \`typhoon new\` from the Typhoon in ${TYPHOON_ROOT}. Keep it with the project. For
another version, run \`npm pack\` in a Typhoon clone, copy the tarball it makes into \`vendor/\`,
and \`npm install ./vendor/<its name>\`.`;
}

function starterFiles(name: string, typhoon: string, uws: string | null, vendored: string | undefined): Record<string, string> {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      build: 'tsc',
      start: 'tsc && node --enable-source-maps dist/main.js',
      dev: 'typhoon dev dist/main.js --debug',
      test: 'tsc && node --enable-source-maps --test dist/*.test.js',
    },
    dependencies: uws ? { typhoon, 'uWebSockets.js': uws } : { typhoon },
    devDependencies: { '@types/node': '^20.19.0', typescript: '^5.9.0 || ^7.0.0' },
    // Optional dependencies of the uWebSockets.js build Typhoon brings for Node.js 20, for a
    // fallback Typhoon never loads; their install step only compiles where no prebuilt binary fits.
    allowScripts: { bufferutil: false, 'utf-8-validate': false },
    engines: { node: '>=20.19' },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      rootDir: 'src',
      outDir: 'dist',
      strict: true,
      // Typhoon's decorators and constructor injection need both (tsc records parameter types).
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      // Code that does not type-check never reaches dist/, so never runs.
      noEmitOnError: true,
      sourceMap: true,
      types: ['node'],
    },
    include: ['src'],
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\n',
    'README.md': `# ${name}

A [Typhoon](node_modules/typhoon/README.md) application. Typhoon's guide comes with it:
[node_modules/typhoon/docs/guide.md](node_modules/typhoon/docs/guide.md), with its
[settings](node_modules/typhoon/docs/settings.md) and [errors](node_modules/typhoon/docs/errors.md).

\`\`\`sh
npm install
npm start        # http://localhost:8888/ ($PORT to change)
npm run dev      # the same in debug mode, compiled and restarted on each change that type-checks
npm test         # the specs in src/*.test.ts, on node's test runner
\`\`\`

- \`src/app.ts\` builds the Application: its settings, and the modules whose handlers it serves.
- \`src/handlers.ts\` holds the handlers: a page, a JSON route and a WebSocket echo. Every
  \`@Route\`/\`@WebSocket\` class there is served; add yours beside them.
- \`src/greeter.ts\` is a service, injected into the handlers that ask for it.
- \`templates/\` holds Handlebars templates; \`static/\` is served under /static/.

\`npm run dev\` is \`typhoon dev\`: tsc compiles, the server starts, and each change to a
TypeScript file compiles again; the server restarts only when the compile finds no errors, so
code that does not type-check never runs. Stacks point at \`src/*.ts\` lines (source maps).

${typhoonNote(typhoon, vendored)}
${uws ? `
Typhoon serves on uWebSockets.js where a native build loads, else on Node's own HTTP server
(\`server.transport\` says which, and the first log line why). \`package.json\` asks for
\`uWebSockets.js\` as \`${uws}\`, a build for Node.js 22 and later; it needs
glibc 2.38 (Debian 13, Ubuntu 24.04 or later). The official release is
\`github:uNetworking/uWebSockets.js#v20.57.0\`, where GitHub can be reached.
` : ''}
\`allowScripts\` in \`package.json\` tells npm 11 not to run the install scripts of bufferutil
and utf-8-validate: they come with the uWebSockets.js build Typhoon brings for Node.js 20, for a
fallback Typhoon never loads, and would only compile a binary where no prebuilt one fits.
`,
    'src/greeter.ts': `import { singleton } from 'typhoon';

/** A service: one instance per Application, injected into every handler that asks for it. */
@singleton()
export class Greeter {
  private visits = 0;

  greet(name: string): string {
    this.visits++;
    return \`Hello, \${name}!\`;
  }

  get count(): number {
    return this.visits;
  }
}
`,
    'src/handlers.ts': `import { RequestHandler, Route, WebSocket, WebSocketHandler } from 'typhoon';
import { Greeter } from './greeter.js';

/** The page: a template rendered with what the injected Greeter says. */
@Route('/', { name: 'home' })
export class HomeHandler extends RequestHandler {
  constructor(private readonly greeter: Greeter) {
    super();
  }

  async get() {
    await this.render('index.html', { greeting: this.greeter.greet('world') });
  }
}

/** JSON: objects returned (or written) are sent as JSON. */
@Route('/api/hello/:name')
export class HelloApiHandler extends RequestHandler {
  constructor(private readonly greeter: Greeter) {
    super();
  }

  get(name: string) {
    // A value returned is the response, as write() would send it (Tornado's self.write works too).
    return { message: this.greeter.greet(name), visits: this.greeter.count };
  }
}

/** A WebSocket that sends every message back. */
@WebSocket('/echo')
export class EchoSocket extends WebSocketHandler {
  override async onMessage(message: string | Buffer) {
    await this.writeMessage(\`echo: \${message}\`);
  }
}
`,
    'src/app.ts': `import { fileURLToPath } from 'node:url';
import { Application, type ApplicationSettings } from 'typhoon';
// Every @Route and @WebSocket class of the modules imported by the time the application starts
// serving is one of its routes: add handlers to handlers.ts, or import another module here.
import './handlers.js';

const here = (folder: string) => fileURLToPath(new URL(\`../\${folder}\`, import.meta.url));

/** The application: handlers and settings (debug: reload on change, tracebacks, no caches). */
export function makeApp(settings: ApplicationSettings = {}): Application {
  return new Application({
    templatePath: here('templates'),
    staticPath: here('static'),
    ...settings,
  });
}
`,
    'src/main.ts': `import { makeApp } from './app.js';

const app = makeApp({ debug: process.argv.includes('--debug') });
const server = await app.listen(Number(process.env.PORT ?? 8888));
app.closeOnSignals();
console.log(\`Listening on http://localhost:\${server.port}/ (\${server.transport})\`);
`,
    'src/app.test.ts': `import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestServer } from 'typhoon/testing';
import { makeApp } from './app.js';

let server: TestServer;
before(async () => {
  server = await TestServer.start(makeApp());
});
after(() => server.close());

test('the page greets the world', async () => {
  const response = await server.fetch('/');
  assert.equal(response.status, 200);
  assert.match(response.text, /Hello, world!/);
  assert.match(response.text, /\\/static\\/style\\.css\\?v=/);
});

test('the API greets by name, counting visits', async () => {
  const response = await server.fetch('/api/hello/ann');
  assert.equal(response.status, 200);
  assert.equal(response.json<{ message: string }>().message, 'Hello, ann!');
});

test('the echo socket answers', async () => {
  const socket = await server.websocket('/echo');
  await socket.writeMessage('hi');
  assert.equal(await socket.readMessage(), 'echo: hi');
});

test('static files are served', async () => {
  const response = await server.fetch('/static/style.css');
  assert.equal(response.status, 200);
  assert.match(response.text, /font-family/);
});
`,
    'templates/index.html': `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${name}</title>
  <link rel="stylesheet" href="{{staticUrl 'style.css'}}">
</head>
<body>
  <h1>{{greeting}}</h1>
  <p>Try <a href="/api/hello/you">/api/hello/you</a>, or a WebSocket on <code>/echo</code>.</p>
</body>
</html>
`,
    'static/style.css': 'body { font-family: system-ui, sans-serif; margin: 3rem auto; max-width: 40rem; }\n',
  };
}
