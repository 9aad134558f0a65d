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

  it('works from ESM: import { Application } from "typhoon"', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "import { Application, injectable } from 'typhoon'; console.log(typeof Application, typeof injectable)"], { cwd: root });
    expect(stdout.trim()).to.equal('function function');
  });
});
