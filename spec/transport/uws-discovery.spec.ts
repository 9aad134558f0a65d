import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { uwsAvailability } from '../../lib/transport/uws';
import { specTransport } from '../helpers/requirements';

const run = promisify(execFile);
const lib = path.join(__dirname, '..', '..', 'lib');

/** An application that serves one page with the default settings (plus SETTINGS), then says what served and what it answered. */
const APP = `
const { Application, RequestHandler } = require(${JSON.stringify(lib)});
class Page extends RequestHandler { get() { this.write('served'); } }
let app;
try { app = new Application({ handlers: [['/', Page]], ...JSON.parse(process.env.SETTINGS || '{}') }); }
catch (e) { console.log('REFUSED ' + e.code + ' ' + e.message); process.exit(3); }
app.listen(0, '127.0.0.1').then(async (server) => {
  const headers = process.env.COOKIE_BYTES ? { Cookie: 'c=' + 'a'.repeat(Number(process.env.COOKIE_BYTES)) } : {};
  const answer = await fetch('http://127.0.0.1:' + server.port + '/', { headers });
  console.log('TRANSPORT ' + server.transport + ' ANSWER ' + answer.status);
  await app.close();
  process.exit(0);
});
`;

interface Started {
  code: number;
  stdout: string;
}

/**
 * The uWebSockets.js an application installed comes first; whatever it is, Typhoon either
 * serves on it or passes it over with a reason and goes on to its own build (or the Node
 * transport), never failing to start because of it.
 */
describe('transports: finding the uWebSockets.js build', function () {
  this.timeout(30_000);
  let work: string;
  /** What serves when the application's own package is passed over: what serves the specs. */
  const fallback = () => (uwsAvailability().uws ? 'uws' : 'node');

  before(() => {
    work = realpathSync(mkdtempSync(path.join(tmpdir(), 'typhoon-discovery-')));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** An application folder whose node_modules/uWebSockets.js has these files (none: no such package). */
  function appWith(name: string, files: Record<string, string> = {}): string {
    const dir = path.join(work, name);
    const uws = path.join(dir, 'node_modules', 'uWebSockets.js');
    mkdirSync(dir, { recursive: true });
    if (Object.keys(files).length) mkdirSync(uws, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(uws, file), text);
    writeFileSync(path.join(dir, 'app.js'), APP);
    return dir;
  }

  async function start(entry: string, cwd: string, env: Record<string, string> = {}): Promise<Started> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, TYPHOON_LOG_LEVEL: 'info', ...env };
    delete childEnv.TYPHOON_TRANSPORT; // 'auto', whatever transport this run's specs use
    try {
      const { stdout } = await run(process.execPath, [entry], { cwd, env: childEnv });
      return { code: 0, stdout };
    } catch (error) {
      return error as Started;
    }
  }

  const passedOver: Array<[string, Record<string, string>, RegExp]> = [
    ['a package that is not uWS', { 'package.json': '{"name":"uWebSockets.js","version":"20.57.0"}', 'index.js': 'module.exports = {};' }, /uWebSockets\.js 20\.57\.0 in \S+ is not a native uWebSockets\.js build/],
    ['a package that throws a string as it loads', { 'package.json': '{"name":"uWebSockets.js","version":"20.57.0"}', 'index.js': "throw 'no binary here';" }, /uWebSockets\.js 20\.57\.0 in \S+ did not load: no binary here/],
    ['a package with no version', { 'package.json': '{"name":"uWebSockets.js"}', 'index.js': 'module.exports = {};' }, /uWebSockets\.js in \S+ has no version in its package\.json \(Typhoon needs v20\.30\.0 or later\)/],
    ['a release older than v20.30', { 'package.json': '{"name":"uWebSockets.js","version":"v20.10.0"}', 'index.js': 'module.exports = {};' }, /uWebSockets\.js v20\.10\.0 in \S+ is older than v20\.30\.0/],
    ['a package with only an ES-module entry', { 'package.json': '{"name":"uWebSockets.js","version":"20.57.0","exports":{"import":"./index.mjs"}}', 'index.mjs': 'export default {};' }, /the uWebSockets\.js reached from \S+ cannot be required: No "exports" main defined/],
  ];
  for (const [what, files, reason] of passedOver) {
    it(`passes over ${what}, saying why, and serves on what comes next`, async () => {
      const dir = appWith(what.replace(/\W+/g, '-'), files);
      const { code, stdout } = await start(path.join(dir, 'app.js'), dir);
      expect(code, stdout).to.equal(0);
      expect(stdout).to.contain(`TRANSPORT ${fallback()} ANSWER 200`);
      expect(stdout).to.match(reason);
      expect(stdout.match(/Serving on /g)).to.have.length(1);
    });
  }

  it("finds the application's build through a linked entry script started from elsewhere (an npm bin)", async function () {
    const build = uwsAvailability().build;
    if (!build) {
      process.stdout.write(`      [skipped: no native uWebSockets.js on this Node.js to stand in for the application's]\n`);
      this.skip();
    }
    // The application's "own" build: a package of another version that hands out the one loadable here.
    const dir = appWith('linked', {
      'package.json': '{"name":"uWebSockets.js","version":"20.99.0"}',
      'index.js': `module.exports = require(${JSON.stringify(build!.root)});`,
    });
    const bin = path.join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(path.join(dir, 'app.js'), path.join(bin, 'app'));
    const { code, stdout } = await start(path.join(bin, 'app'), '/');
    expect(code, stdout).to.equal(0);
    expect(stdout).to.contain('TRANSPORT uws ANSWER 200').and.contain(`Serving on uWebSockets.js 20.99.0 from ${path.join(dir, 'node_modules', 'uWebSockets.js')}`);
  });

  it('refuses a UWS_HTTP_MAX_HEADERS_SIZE uWS would read as no room at all, naming it', async () => {
    const dir = appWith('head-limit-variable');
    for (const value of ['', 'abc', '64k', '-1']) {
      const { code, stdout } = await start(path.join(dir, 'app.js'), dir, { UWS_HTTP_MAX_HEADERS_SIZE: value });
      if (value === '') {
        // Empty is unset: Typhoon sets its own.
        expect(code, stdout).to.equal(0);
        continue;
      }
      expect(code, stdout).to.equal(3);
      expect(stdout).to.contain(`REFUSED TYPHOON_ERR_CONFIGURATION UWS_HTTP_MAX_HEADERS_SIZE must be a whole number of bytes`).and.contain(JSON.stringify(value));
    }
  });

  it("loads a uWS build with the first Application's maxHeaderSize when it is over 64 KiB", async function () {
    if (specTransport() !== 'uws' || uwsAvailability().build?.headLimit === null) {
      process.stdout.write(`      [skipped: needs a uWS build after v20.30, whose head limit is set as it loads (here: ${uwsAvailability().build?.version ?? 'none'})]\n`);
      this.skip();
    }
    const dir = appWith('head-limit-setting');
    const big = await start(path.join(dir, 'app.js'), dir, { SETTINGS: JSON.stringify({ maxHeaderSize: 200_000 }), COOKIE_BYTES: '150000' });
    expect(big.stdout).to.contain('TRANSPORT uws ANSWER 200');
    // Without the setting, 64 KiB: the same cookie gets uWS's own 431.
    const plain = await start(path.join(dir, 'app.js'), dir, { COOKIE_BYTES: '150000' });
    expect(plain.stdout).to.contain('TRANSPORT uws ANSWER 431');
  });
});
