import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');

describe('package', () => {
  it("resolves 'typhoon' and 'typhoon/testing' through package.json exports, with types", async () => {
    const { stdout } = await run(process.execPath, ['-e', `
      const t = require('typhoon'); const testing = require('typhoon/testing');
      console.log(JSON.stringify({ app: typeof t.Application, route: typeof t.Route, server: typeof testing.TestServer,
        types: require.resolve('typhoon').endsWith('dist/lib/index.js'), meta: typeof Reflect.getMetadata }));
    `], { cwd: root });
    expect(JSON.parse(stdout)).to.deep.equal({ app: 'function', route: 'function', server: 'function', types: true, meta: 'function' });
    const pkg = require(path.join(root, 'package.json'));
    expect(pkg.exports['.'].types).to.equal('./dist/lib/index.d.ts');
    expect(pkg.exports['./testing'].types).to.equal('./dist/lib/testing/index.d.ts');
  });

  it('loads the HTTP client, WebSocket client, template, multipart and MIME libraries only when used', async () => {
    const script = `
      const heavy = () => Object.keys(require.cache).map((f) => /node_modules\\/(undici|ws|handlebars|busboy|mime-types)\\//.exec(f)?.[1]).filter(Boolean);
      const t = require('typhoon');
      const before = [...new Set(heavy())];
      new t.AsyncHTTPClient().fetch('http://127.0.0.1:1/').catch(() => {}).finally(() => {
        console.log(JSON.stringify({ before, after: [...new Set(heavy())].sort() }));
        process.exit(0);
      });
    `;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, TYPHOON_LOG_LEVEL: 'silent' } });
    const { before, after } = JSON.parse(stdout);
    expect(before, 'loaded by require("typhoon")').to.deep.equal([]);
    expect(after, 'loaded once the HTTP client is used').to.include('undici');
  });

  it('works from ESM: import { Application } from "typhoon"', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "import { Application, injectable } from 'typhoon'; console.log(typeof Application, typeof injectable)"], { cwd: root });
    expect(stdout.trim()).to.equal('function function');
  });
});
