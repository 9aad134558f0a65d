import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { websocketConnect } from '../lib';
import { STARTER_UWS } from '../lib/cli/starter';
import { glibcVersion } from '../lib/transport/uws';

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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Starts `node args` in its own process group, resolving once it prints "Listening on <port>". */
function serve(cwd: string, args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no "Listening on" within 20 s: ${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /Listening on (?:http:\/\/localhost:)?(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), output: () => output });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

/** Ends a process started by {@link serve} and everything it started. */
function stop(child: ChildProcess): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is gone already
    }
  };
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => signal('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      // Whatever the watched process started goes too.
      signal('SIGKILL');
      resolve();
    });
    signal('SIGTERM');
  });
}

/** Polls `url` until `check` accepts its text (generous deadline, no fixed sleeps). */
async function until(url: string, check: (text: string) => boolean, seconds = 30): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    last = await fetch(url).then((response) => response.text(), (error: Error) => `(${error.message})`);
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} still answered ${JSON.stringify(last)} after ${seconds} s`);
}

describe('the package, installed as a user would', function () {
  this.timeout(240_000);
  let work: string;
  let tarball: string;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'typhoon-install-'));
    // npm test built dist/ already; pack exactly that.
    await npm(['pack', '--ignore-scripts', '--pack-destination', work], root);
    tarball = path.join(work, `typhoon-${version}.tgz`);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('packs the built library, README and LICENSE only, with the typhoon command', async () => {
    const { stdout } = await exec('tar', ['tzf', tarball]);
    const entries = stdout.trim().split('\n');
    expect(entries.filter((entry) => !/^package\/(dist\/lib\/.+\.(js|d\.ts)|README\.md|LICENSE|package\.json)$/.test(entry))).to.deep.equal([]);
    expect(entries).to.include.members(['package/dist/lib/index.js', 'package/dist/lib/index.d.ts', 'package/dist/lib/testing/index.js', 'package/dist/lib/cli/typhoon.js']);
    expect(entries.length).to.be.lessThan(300);
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
      await npm(['install'], dir);
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

  it('writes a starter project that passes its own tests, serves, and reloads on change in debug', async () => {
    const dir = path.join(work, 'starter');
    const { stdout } = await exec(process.execPath, [path.join(root, 'dist/lib/cli/typhoon.js'), 'new', dir, '--typhoon', `file:${tarball}`]);
    expect(stdout).to.contain('Wrote 11 files').and.contain('npm install && npm start');
    // It asks for a uWS build for Node 22 and later (--uws none leaves it out), and its README says so.
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies).to.deep.equal({ typhoon: `file:${tarball}`, 'uWebSockets.js': STARTER_UWS });
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).to.contain('glibc 2.38').and.contain('github:uNetworking/uWebSockets.js#v20.57.0');
    const bare = path.join(work, 'starter-without-uws');
    await exec(process.execPath, [path.join(root, 'dist/lib/cli/typhoon.js'), 'new', bare, '--uws', 'none']);
    expect(JSON.parse(readFileSync(path.join(bare, 'package.json'), 'utf8')).dependencies).to.have.keys(['typhoon']);
    expect(readFileSync(path.join(bare, 'README.md'), 'utf8')).to.not.contain('glibc');
    const refused = await exec(process.execPath, [path.join(root, 'dist/lib/cli/typhoon.js'), 'new', dir]).catch((error: { code: number; stderr: string }) => error);
    expect(refused).to.include({ code: 1 }).and.have.property('stderr').that.contains('is not empty');
    await npm(['install'], dir);
    const tested = await npm(['test'], dir);
    // node's test runner prints TAP (Node 20) or its spec reporter (Node 22+): both end with the counts.
    expect(tested.stdout).to.match(/\bpass 4\b/).and.match(/\bfail 0\b/);
    const port = await freePort();
    const server = await serve(dir, ['dist/main.js', '--debug'], { PORT: String(port), TYPHOON_LOG_LEVEL: 'info' });
    try {
      expect(server.port).to.equal(port);
      await until(`http://127.0.0.1:${port}/api/hello/ann`, (text) => text.includes('Hello, ann!'));
      const greeter = path.join(dir, 'src', 'greeter.ts');
      writeFileSync(greeter, readFileSync(greeter, 'utf8').replace('Hello, ${name}!', 'Howdy, ${name}!'));
      await exec(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', dir], { cwd: dir });
      await until(`http://127.0.0.1:${port}/api/hello/ann`, (text) => text.includes('Howdy, ann!'));
      expect(server.output()).to.contain('autoreload').and.contain('Restarting');
    } finally {
      await stop(server.child);
    }
  });
});
