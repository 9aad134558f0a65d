import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { websocketConnect } from '../lib';
import { STARTER_UWS } from '../lib/cli/starter';
import { glibcVersion } from '../lib/transport/uws';
import { freePort, startWatched, untilAnswer, type WatchedProcess } from './helpers/watched-process';

const exec = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const version: string = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;

/** The README's files for a variant: each fenced block after `<!-- file: NAME (variants) -->`. */
function readmeFiles(variant: string): Record<string, string> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const files: Record<string, string> = {};
  for (const match of readme.matchAll(/<!-- file: (\S+) \(([^)]*)\) -->\n```\w*\n([\s\S]*?)```/g)) {
    if (match[2].split(',').map((name) => name.trim()).includes(variant)) files[match[1]] = match[3];
  }
  return files;
}

function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return exec('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, maxBuffer: 16 << 20 });
}

/** Starts `node args` in its own process group, resolving once it prints "Listening on <port>". */
async function serve(cwd: string, args: string[], env: Record<string, string>): Promise<{ child: WatchedProcess; port: number; output: () => string }> {
  const child = startWatched(process.execPath, args, cwd, env);
  await child.waitFor(/Listening on (?:http:\/\/localhost:)?(\d+)/, 1, 20);
  return { child, port: Number(/Listening on (?:http:\/\/localhost:)?(\d+)/.exec(child.output())![1]), output: child.output };
}

/** Ends a process started by {@link serve} and everything it started. */
const stop = (child: WatchedProcess) => child.stop();

/** What npm warns about that a user following the README should never see. */
const NPM_TRAPS = /EBADENGINE|install-scripts|allowScripts/;

describe('the package, installed as a user would', function () {
  this.timeout(240_000);
  let work: string;
  let tarball: string;

  let packOutput: string;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'typhoon-install-'));
    // As the README says: npm pack in the clone (its prepack builds, then packs a package.json
    // without scripts; postpack puts the clone's back).
    const packed = await npm(['pack', '--pack-destination', work], root);
    packOutput = packed.stdout + packed.stderr;
    tarball = path.join(work, `typhoon-${version}.tgz`);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('packs the built library, its docs, README and LICENSE only, with the typhoon command and a package.json without scripts', async () => {
    const { stdout } = await exec('tar', ['tzf', tarball]);
    const entries = stdout.trim().split('\n');
    expect(entries.filter((entry) => !/^package\/(dist\/lib\/.+\.(js|d\.ts)|docs\/[\w-]+\.md|README\.md|LICENSE|package\.json)$/.test(entry))).to.deep.equal([]);
    expect(entries).to.include.members(['package/dist/lib/index.js', 'package/dist/lib/index.d.ts', 'package/dist/lib/testing/index.js', 'package/dist/lib/cli/typhoon.js', 'package/docs/guide.md']);
    expect(entries.length).to.be.lessThan(300);
    expect(packOutput).to.contain('prepack').and.contain('postpack');
    // npm 11 would list a file: dependency's prepare among the install scripts to approve.
    const packed = JSON.parse((await exec('tar', ['xzOf', tarball, 'package/package.json'])).stdout);
    expect(packed).to.not.have.any.keys('scripts', 'devDependencies', 'overrides', 'allowScripts', '//');
    expect(packed).to.include({ name: 'typhoon', version, main: 'dist/lib/index.js' });
    expect(packed.bin).to.deep.equal({ typhoon: 'dist/lib/cli/typhoon.js' });
    // The clone keeps its own.
    expect(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts).to.include.keys('prepare', 'prepack', 'postpack');
    expect(existsSync(path.join(root, '.package.json.before-pack'))).to.equal(false);
  });

  for (const [variant, typescript] of [['esm', 'typescript@7'], ['cjs', 'typescript@5']] as const) {
    it(`compiles the README's ${variant === 'esm' ? 'ES-module hello world' : 'CommonJS DI example'} with ${typescript} (skipLibCheck off) and serves it`, async () => {
      const dir = path.join(work, variant);
      const files = readmeFiles(variant);
      files['package.json'] ??= readmeFiles('esm')['package.json'].replace('  "type": "module",\n', '');
      expect(Object.keys(files).sort()).to.deep.equal(['package.json', 'src/app.ts', 'tsconfig.json']);
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      }
      const pkg = JSON.parse(files['package.json']);
      pkg.dependencies.typhoon = `file:${tarball}`;
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
      const tsconfig = JSON.parse(files['tsconfig.json']);
      tsconfig.compilerOptions.skipLibCheck = false;
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      // On every Node.js the README supports: no engine warning, no install script to approve.
      const installed = await npm(['install'], dir);
      expect(installed.stdout + installed.stderr).to.not.match(NPM_TRAPS);
      await npm(['install', '--save-dev', typescript], dir);
      await exec(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', dir], { cwd: dir });
      const server = await serve(dir, ['dist/app.js'], { PORT: '0', TYPHOON_LOG_LEVEL: 'warn' });
      try {
        const answer = await (await fetch(`http://127.0.0.1:${server.port}/hello/you`)).json() as { message: string; at?: string };
        expect(answer.message).to.equal('Hello, you!');
        if (variant === 'cjs') expect(answer.at).to.match(/^\d{4}-\d\d-\d\dT/);
      } finally {
        await stop(server.child);
      }
    });
  }

  it("serves on the application's own uWebSockets.js (the registry's v20.57.0, no overrides) where it loads, and says which build serves", async () => {
    const dir = path.join(work, 'own-uws');
    mkdirSync(dir);
    const uws = STARTER_UWS;
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'own-uws', private: true, dependencies: { typhoon: `file:${tarball}`, 'uWebSockets.js': uws } }));
    // Tornado's tuple form: plain JavaScript, default settings.
    writeFileSync(path.join(dir, 'app.js'), `
const { Application, RequestHandler, WebSocketHandler } = require('typhoon');
class Hello extends RequestHandler { get() { this.write('Hello, world'); } }
class Echo extends WebSocketHandler { onMessage(message) { return this.writeMessage('echo ' + message); } }
new Application([['/', Hello], ['/echo', Echo]]).listen(Number(process.env.PORT)).then((server) => console.log('Listening on ' + server.port + ' (' + server.transport + ')'));
`);
    await npm(['install'], dir);
    const installed = (folder: string) => JSON.parse(readFileSync(path.join(dir, folder, 'package.json'), 'utf8')) as { name: string; version: string };
    expect(installed('node_modules/uWebSockets.js')).to.include({ name: '@btc-vision/uwebsockets.js', version: '20.57.0' });
    // npm nests Typhoon's own build (v20.30) below it: the one Typhoon would find by itself.
    expect(installed('node_modules/typhoon/node_modules/uWebSockets.js')).to.include({ version: '20.30.0-unofficial.0' });
    const glibc = glibcVersion();
    const abi = process.versions.modules;
    const ownLoads = glibc !== undefined && Number(glibc.split('.')[1]) >= 38 && ['115', '127', '137', '141'].includes(abi);
    const server = await serve(dir, ['app.js'], { PORT: String(await freePort()), TYPHOON_LOG_LEVEL: 'info', TYPHOON_TRANSPORT: '' });
    try {
      const answer = await fetch(`http://127.0.0.1:${server.port}/`);
      expect([answer.status, await answer.text()]).to.deep.equal([200, 'Hello, world']);
      const socket = await websocketConnect(`ws://127.0.0.1:${server.port}/echo`);
      await socket.writeMessage('hi');
      expect(await socket.readMessage()).to.equal('echo hi');
      socket.close();
      const line = /Serving on .*/.exec(server.output())?.[0];
      if (ownLoads) {
        expect(server.output()).to.contain(`Listening on ${server.port} (uws)`);
        expect(line).to.equal('Serving on uWebSockets.js 20.57.0 (@btc-vision/uwebsockets.js) from node_modules/uWebSockets.js');
      } else if (abi === '115') {
        // Node 20 on an older glibc: Typhoon's own build serves, and the line says why the application's did not.
        expect(server.output()).to.contain(`Listening on ${server.port} (uws)`);
        expect(line).to.equal(
          "Serving on Typhoon's own uWebSockets.js 20.30.0 (@trufflesuite/uws-js-unofficial) from node_modules/typhoon/node_modules/uWebSockets.js; " +
            `passed over: uWebSockets.js 20.57.0 in node_modules/uWebSockets.js did not load: its binary needs glibc 2.38, and this system has glibc ${glibc}`,
        );
      } else {
        expect(server.output()).to.contain(`Listening on ${server.port} (node)`);
        expect(line).to.contain('Serving on the Node transport (node:http + ws): uWebSockets.js 20.57.0 in node_modules/uWebSockets.js did not load: its binary needs glibc 2.38')
          .and.contain(`Typhoon's own uWebSockets.js 20.30.0-unofficial.0 in node_modules/typhoon/node_modules/uWebSockets.js has no binary for Node.js ${process.versions.node}`)
          .and.contain('need glibc 2.38 (Debian 13, Ubuntu 24.04, RHEL 10 or later)');
      }
    } finally {
      await stop(server.child);
    }
  });

  it('names the tsconfig flags when the code was compiled without experimentalDecorators', async () => {
    const dir = path.join(work, 'cjs'); // the CommonJS project above, compiled again without the flags
    const tsconfig = JSON.parse(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8'));
    delete tsconfig.compilerOptions.experimentalDecorators;
    delete tsconfig.compilerOptions.emitDecoratorMetadata;
    tsconfig.compilerOptions.outDir = 'dist-standard';
    writeFileSync(path.join(dir, 'tsconfig.standard.json'), JSON.stringify(tsconfig));
    // tsc accepts the code (standard decorators type-check); it fails at start-up, saying why.
    await exec(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', path.join(dir, 'tsconfig.standard.json')], { cwd: dir }).catch(() => undefined);
    const started = await exec(process.execPath, ['dist-standard/app.js'], { cwd: dir, env: { ...process.env, PORT: '0' } }).catch((error: { code: number; stderr: string }) => error);
    expect(started).to.have.property('code').that.is.not.equal(0);
    expect((started as { stderr: string }).stderr).to.contain('ConfigurationError').and.contain('"experimentalDecorators": true').and.contain('"emitDecoratorMetadata": true');
  });

  it("types 'typhoon' and 'typhoon/testing' in each module resolution of TypeScript 5 and 7 (typesVersions for node10)", async () => {
    // TypeScript 7 has no node10; commonjs without a moduleResolution is node10 on TypeScript 5.
    const cases = [['cjs', 'commonjs', undefined], ['cjs', 'commonjs', 'node10'], ['cjs', 'node16', 'node16'], ['esm', 'commonjs', undefined], ['esm', 'nodenext', 'nodenext'], ['esm', 'esnext', 'bundler']] as const;
    const failed: string[] = [];
    for (const [variant, module, moduleResolution] of cases) {
      const dir = path.join(work, variant);
      mkdirSync(path.join(dir, 'types'), { recursive: true });
      writeFileSync(path.join(dir, 'types', 'check.ts'), `import { Application, RequestHandler } from 'typhoon';
import { TestServer } from 'typhoon/testing';
class Hello extends RequestHandler { get() { this.write('hi'); } }
export const started: Promise<TestServer> = TestServer.start(new Application([['/', Hello]]));
`);
      // esModuleInterop: pino's own typings need it under commonjs.
      const compilerOptions = { module, moduleResolution, target: 'ES2022', strict: true, esModuleInterop: true, experimentalDecorators: true, noEmit: true, skipLibCheck: false, types: ['node'] };
      writeFileSync(path.join(dir, 'tsconfig.types.json'), JSON.stringify({ compilerOptions, include: ['types'] }));
      await exec(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', path.join(dir, 'tsconfig.types.json')], { cwd: dir })
        .catch((error: { stdout: string }) => failed.push(`${variant} module ${module}, moduleResolution ${moduleResolution ?? '(default)'}:\n${error.stdout}`));
    }
    expect(failed).to.deep.equal([]);
  });

  describe('the starter (typhoon new), as its README says', () => {
    let dir: string;
    let api: string;
    const greeter = () => path.join(dir, 'src', 'greeter.ts');
    const cli = path.join(root, 'dist/lib/cli/typhoon.js');

    it('packs this clone into the project (no registry), installs on this Node without warnings, and passes its own tests', async () => {
      dir = path.join(work, 'starter');
      const { stdout } = await exec(process.execPath, [cli, 'new', dir]);
      expect(stdout).to.contain('Wrote 12 files').and.contain(`vendor/typhoon-${version}.tgz`).and.contain('npm install && npm start');
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      // It asks for a uWS build for Node 22 and later (--uws none leaves it out), and its README says so.
      expect(pkg.dependencies).to.deep.equal({ typhoon: `file:vendor/typhoon-${version}.tgz`, 'uWebSockets.js': STARTER_UWS });
      expect(pkg.scripts).to.include({ start: 'tsc && node --enable-source-maps dist/main.js', dev: 'typhoon dev dist/main.js --debug' });
      const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
      expect(readme).to.not.contain('npmjs');
      expect(readme).to.contain('(node_modules/typhoon/docs/guide.md)').and.contain(`vendor/typhoon-${version}.tgz`);
      expect(readme).to.contain('glibc 2.38').and.contain('github:uNetworking/uWebSockets.js#v20.57.0');
      const bare = path.join(work, 'starter-without-uws');
      await exec(process.execPath, [cli, 'new', bare, '--typhoon', `file:${tarball}`, '--uws', 'none']);
      expect(JSON.parse(readFileSync(path.join(bare, 'package.json'), 'utf8')).dependencies).to.deep.equal({ typhoon: `file:${tarball}` });
      const bareReadme = readFileSync(path.join(bare, 'README.md'), 'utf8');
      expect(bareReadme).to.not.contain('glibc');
      expect(bareReadme).to.contain(`asks for \`typhoon\` as \`file:${tarball}\``);
      const refused = await exec(process.execPath, [cli, 'new', dir]).catch((error: { code: number; stderr: string }) => error);
      expect(refused).to.include({ code: 1 }).and.have.property('stderr').that.contains('is not empty');
      const installed = await npm(['install'], dir);
      expect(installed.stdout + installed.stderr).to.not.match(NPM_TRAPS);
      expect(existsSync(path.join(dir, 'node_modules', 'typhoon', 'docs', 'guide.md')), 'the guide its README links').to.equal(true);
      const tested = await npm(['test'], dir);
      // node's test runner prints TAP (Node 20) or its spec reporter (Node 22+): both end with the counts.
      expect(tested.stdout).to.match(/\bpass 4\b/).and.match(/\bfail 0\b/);
    });

    it('npm run dev: runs the code once, keeps the last good build while the code does not type-check, restarts once it does, stacks at .ts lines', async () => {
      const main = path.join(dir, 'src', 'main.ts');
      writeFileSync(main, `console.log('top-level ran');\n${readFileSync(main, 'utf8')}`);
      const good = readFileSync(greeter(), 'utf8');
      const port = await freePort();
      api = `http://127.0.0.1:${port}/api/hello/ann`;
      const dev = startWatched('npm', ['run', 'dev'], dir, { PORT: String(port), TYPHOON_LOG_LEVEL: 'info' });
      try {
        await dev.waitFor(/Listening on/);
        await untilAnswer(api, (text) => text.includes('Hello, ann!'));
        expect(dev.count(/top-level ran/), 'runs once at start').to.equal(1);
        writeFileSync(greeter(), good.replace('Hello, ${name}!', 'Howdy, ${name}!').replace('this.visits++;', "this.visits++;\n    const oops: number = 'x';"));
        await dev.waitFor(/tsc found errors/);
        expect(dev.output()).to.match(/src\/greeter\.ts\(\d+,\d+\): error TS2322/);
        expect(await untilAnswer(api, () => true)).to.contain('Hello, ann!');
        expect(dev.count(/top-level ran/), 'no restart for code that does not type-check').to.equal(1);
        writeFileSync(greeter(), good.replace('Hello, ${name}!', 'Howdy, ${name}!').replace('this.visits++;', "this.visits++;\n    if (name === 'boom') throw new Error('boom');"));
        await untilAnswer(api, (text) => text.includes('Howdy, ann!'));
        expect(dev.count(/top-level ran/), 'one restart for one change').to.equal(2);
        // A route added beside the others is served: the starter lists no handlers, it finds them.
        const handlers = path.join(dir, 'src', 'handlers.ts');
        writeFileSync(handlers, `${readFileSync(handlers, 'utf8')}\n@Route('/api/items/:id')\nexport class ItemHandler extends RequestHandler {\n  get(id: string) {\n    return { id };\n  }\n}\n`);
        expect(await untilAnswer(`http://127.0.0.1:${port}/api/items/42`, (_text, status) => status === 200)).to.equal('{"id":"42"}');
        // --debug: the 500 page's traceback points at the TypeScript line (source maps).
        const boom = await untilAnswer(`http://127.0.0.1:${port}/api/hello/boom`, (_text, status) => status === 500);
        expect(boom).to.match(/Error: boom\s+at Greeter\.greet \([^)]*src\/greeter\.ts:\d+:\d+\)/);
      } finally {
        await dev.stop();
      }
    });

    it('debug: true by hand (node dist/main.js --debug) runs the top-level code once per start and reloads what tsc writes', async () => {
      const server = startWatched(process.execPath, ['dist/main.js', '--debug'], dir, { PORT: new URL(api).port, TYPHOON_LOG_LEVEL: 'info' });
      try {
        await server.waitFor(/Listening on/);
        await untilAnswer(api, (text) => text.includes(', ann!'));
        expect(server.count(/top-level ran/)).to.equal(1);
        // The transport's start-up line, once (none where TYPHOON_TRANSPORT=node chooses without looking).
        expect(server.count(/Serving on/)).to.equal(process.env.TYPHOON_TRANSPORT === 'node' ? 0 : 1);
        writeFileSync(greeter(), readFileSync(greeter(), 'utf8').replace(/\w+, \$\{name\}!/, 'Hi there, ${name}!'));
        await exec(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', dir], { cwd: dir });
        await untilAnswer(api, (text) => text.includes('Hi there, ann!'));
        expect(server.count(/top-level ran/)).to.equal(2);
        expect(server.output()).to.contain('autoreload: greeter.js changed; restarting under node --watch');
      } finally {
        await server.stop();
      }
    });
  });
});
