import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..', '..');
const script = `
const { Application, RequestHandler, websocketConnect } = require('typhoon');
const crypto = require('node:crypto'), fs = require('node:fs'), os = require('node:os'), path = require('node:path');
const sha1 = (data) => crypto.createHash('sha1').update(data).digest('hex');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'typhoon-fallback-'));
const big = crypto.randomBytes(700 * 1024 + 3); // over the in-memory limit: streamed from the file
fs.writeFileSync(path.join(dir, 'big.bin'), big);
class H extends RequestHandler { get() { this.write('fallback ok'); } }
const app = new Application({ handlers: [['/', H]], staticPath: dir, allowUwsFallback: process.env.OPT_IN === '1' });
app.listen(0, '127.0.0.1').then(async (s) => {
  const r = await fetch('http://127.0.0.1:' + s.port + '/');
  console.log('ANSWER ' + (await r.text()));
  const file = await fetch('http://127.0.0.1:' + s.port + '/static/big.bin');
  const body = Buffer.from(await file.arrayBuffer());
  console.log('STATIC ' + file.status + ' ' + file.headers.get('content-length') + ' ' + (sha1(body) === sha1(big) ? 'same' : 'different'));
  const head = await fetch('http://127.0.0.1:' + s.port + '/static/big.bin', { method: 'HEAD' });
  const again = await fetch('http://127.0.0.1:' + s.port + '/static/big.bin', { headers: { 'If-None-Match': file.headers.get('etag') } });
  console.log('HEAD ' + head.status + ' ' + head.headers.get('content-length') + ' CONDITIONAL ' + again.status);
  const upgrade = await websocketConnect('ws://127.0.0.1:' + s.port + '/').then(() => 'open', (e) => String(e.code));
  const after = await fetch('http://127.0.0.1:' + s.port + '/');
  console.log('UPGRADE ' + upgrade + ' THEN ' + after.status);
  fs.rmSync(dir, { recursive: true, force: true });
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
    // Default log level: the access log reads the client address, which the fallback gets from node:http.
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, UWS_USE_FALLBACK: '1', OPT_IN: '1', TYPHOON_LOG_LEVEL: 'info' } });
    expect(stdout).to.contain('ANSWER fallback ok').and.match(/200 GET \/ \(127\.0\.0\.1\)/);
    // The fallback has no tryEnd/onWritable: large files are written chunk by chunk there.
    expect(stdout).to.contain(`STATIC 200 ${700 * 1024 + 3} same`).and.contain(`HEAD 200 ${700 * 1024 + 3} CONDITIONAL 304`);
    // Its upgrade handler throws from node:http's 'upgrade' event: refused with 501 instead, and serving goes on.
    expect(stdout).to.contain('UPGRADE 501 THEN 200');
  });

  it('loads the native build here', async () => {
    const { stdout } = await run(process.execPath, ['-e', "const {isNative}=require('./dist/lib/transport/uws'); console.log(isNative(require('uWebSockets.js')))"], { cwd: root });
    expect(stdout.trim()).to.equal('true');
  });
});
