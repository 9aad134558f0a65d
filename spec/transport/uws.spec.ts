import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..', '..');
const script = `
const { Application, RequestHandler } = require('typhoon');
class H extends RequestHandler { get() { this.write('fallback ok'); } }
const app = new Application({ handlers: [['/', H]], allowUwsFallback: process.env.OPT_IN === '1' });
app.listen(0, '127.0.0.1').then(async (s) => {
  const r = await fetch('http://127.0.0.1:' + s.port + '/');
  console.log('ANSWER ' + (await r.text()));
  await app.close();
  process.exit(0);
}, (e) => { console.log('REFUSED ' + e.code + ' ' + e.message); process.exit(3); });
`;

describe('uWebSockets.js loading', () => {
  it('refuses to serve on the JavaScript fallback, naming the cause and the opt-in', async () => {
    const result = await run(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, UWS_USE_FALLBACK: '1', TYPHOON_LOG_LEVEL: 'silent' } }).catch((e) => e);
    expect(result.code).to.equal(3);
    expect(result.stdout).to.contain('REFUSED ERR_CONFIGURATION').and.contain('UWS_USE_FALLBACK=1').and.contain('allowUwsFallback');
  });

  it('runs on the fallback only when the user opts in', async () => {
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, UWS_USE_FALLBACK: '1', OPT_IN: '1', TYPHOON_LOG_LEVEL: 'silent' } });
    expect(stdout).to.contain('ANSWER fallback ok');
  });

  it('loads the native build here', async () => {
    const { stdout } = await run(process.execPath, ['-e', "const {isNative}=require('./dist/lib/transport/uws'); console.log(isNative(require('uWebSockets.js')))"], { cwd: root });
    expect(stdout.trim()).to.equal('true');
  });
});
