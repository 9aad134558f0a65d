import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { uwsAvailability } from '../../lib/transport/uws';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..', '..');
/** An application with a page, a large static file and an echo WebSocket, started in a child process with the settings given in SETTINGS. */
const script = `
const { Application, RequestHandler, WebSocket, WebSocketHandler, websocketConnect } = require('typhoon');
const crypto = require('node:crypto'), fs = require('node:fs'), os = require('node:os'), path = require('node:path');
const sha1 = (data) => crypto.createHash('sha1').update(data).digest('hex');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'typhoon-transport-'));
const big = crypto.randomBytes(700 * 1024 + 3); // over the in-memory limit: streamed from the file
fs.writeFileSync(path.join(dir, 'big.bin'), big);
class H extends RequestHandler { get() { this.write('served'); } }
class Echo extends WebSocketHandler { onMessage(m) { return this.writeMessage('echo ' + m); } }
WebSocket('/echo')(Echo);
let app;
try {
  app = new Application({ handlers: [['/', H], Echo], staticPath: dir, ...JSON.parse(process.env.SETTINGS || '{}') });
} catch (e) { console.log('REFUSED ' + e.code + ' ' + e.message); process.exit(3); }
app.listen(0, '127.0.0.1').then(async (s) => {
  console.log('TRANSPORT ' + s.transport);
  const base = 'http://127.0.0.1:' + s.port;
  console.log('ANSWER ' + (await (await fetch(base + '/')).text()));
  const file = await fetch(base + '/static/big.bin');
  const body = Buffer.from(await file.arrayBuffer());
  console.log('STATIC ' + file.status + ' ' + file.headers.get('content-length') + ' ' + (sha1(body) === sha1(big) ? 'same' : 'different'));
  const head = await fetch(base + '/static/big.bin', { method: 'HEAD' });
  const again = await fetch(base + '/static/big.bin', { headers: { 'If-None-Match': file.headers.get('etag') } });
  console.log('HEAD ' + head.status + ' ' + head.headers.get('content-length') + ' CONDITIONAL ' + again.status);
  const socket = await websocketConnect('ws://127.0.0.1:' + s.port + '/echo');
  await socket.writeMessage('hi');
  console.log('WEBSOCKET ' + (await socket.readMessage()));
  socket.close();
  fs.rmSync(dir, { recursive: true, force: true });
  await app.close();
  process.exit(0);
}, (e) => { console.log('REFUSED ' + e.code + ' ' + e.message); process.exit(3); });
`;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function start(env: Record<string, string>, settings: object = {}): Promise<Outcome> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TYPHOON_LOG_LEVEL: 'info', SETTINGS: JSON.stringify(settings), ...env };
  for (const [name, value] of Object.entries(env)) if (value === '') delete childEnv[name];
  try {
    const { stdout, stderr } = await run(process.execPath, ['-e', script], { cwd: root, env: childEnv });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('transports: choosing one', function () {
  this.timeout(30_000);

  it("'auto' serves on the Node transport when uWS's native build cannot load, saying why once, with WebSockets", async () => {
    const { code, stdout, stderr } = await start({ UWS_USE_FALLBACK: '1', TYPHOON_TRANSPORT: '' });
    expect(code, stdout + stderr).to.equal(0);
    expect(stdout).to.contain('TRANSPORT node').and.contain('ANSWER served');
    expect(stdout.match(/Serving on the Node transport \(node:http \+ ws\): the environment variable UWS_USE_FALLBACK=1/g)).to.have.length(1);
    expect(stdout).to.contain(`STATIC 200 ${700 * 1024 + 3} same`).and.contain(`HEAD 200 ${700 * 1024 + 3} CONDITIONAL 304`);
    expect(stdout).to.contain('WEBSOCKET echo hi');
    // uWS's own JavaScript fallback is never loaded (it warns on stderr when it is).
    expect(stderr).not.to.contain('Falling back');
  });

  it("'uws' refuses to start without the native build, naming the cause and the fix", async () => {
    const { code, stdout } = await start({ UWS_USE_FALLBACK: '1' }, { transport: 'uws' });
    expect(code).to.equal(3);
    expect(stdout).to.contain('REFUSED TYPHOON_ERR_CONFIGURATION').and.contain('UWS_USE_FALLBACK=1').and.contain("transport: 'node'");
  });

  it("TYPHOON_TRANSPORT chooses when the setting is not given; the setting wins over it; a wrong value is refused", async () => {
    expect((await start({ TYPHOON_TRANSPORT: 'node' })).stdout).to.contain('TRANSPORT node').and.contain('WEBSOCKET echo hi');
    const bogus = await start({ TYPHOON_TRANSPORT: 'fast' });
    expect(bogus.code).to.equal(3);
    expect(bogus.stdout).to.contain("REFUSED TYPHOON_ERR_CONFIGURATION TYPHOON_TRANSPORT must be 'auto', 'uws' or 'node', got \"fast\"");
    const wrongSetting = await start({}, { transport: 'native' });
    expect(wrongSetting.stdout).to.contain("REFUSED TYPHOON_ERR_CONFIGURATION transport must be 'auto', 'uws' or 'node'");
    if (uwsAvailability().uws) expect((await start({ TYPHOON_TRANSPORT: 'node' }, { transport: 'uws' })).stdout).to.contain('TRANSPORT uws');
  });

  it('accepts the retired allowUwsFallback setting with a warning that it does nothing', async () => {
    const { code, stdout, stderr } = await start({ UWS_USE_FALLBACK: '1', TYPHOON_TRANSPORT: '' }, { allowUwsFallback: true });
    expect(code).to.equal(0);
    expect(stdout + stderr).to.contain('allowUwsFallback setting is no longer needed');
    expect(stdout).to.contain('TRANSPORT node');
  });

  it("'auto' serves on uWS where a native build loads (Node.js 20 here; Node.js 22 and 24 in CI's Debian 13 run), naming the build once", async function () {
    const native = uwsAvailability();
    if (!native.uws) {
      process.stdout.write(`      [skipped: no native uWebSockets.js on this Node.js (${native.reason})]\n`);
      this.skip();
    }
    const { stdout } = await start({ TYPHOON_TRANSPORT: '' });
    expect(stdout).to.contain('TRANSPORT uws').and.contain('WEBSOCKET echo hi').and.not.contain('Serving on the Node transport');
    // Node 20 here: the build Typhoon depends on; CI's Debian 13 run: the registry's v20.57, installed as the application's own.
    const { version, packageName, typhoons } = native.build!;
    expect(stdout.match(/Serving on .*/g)).to.deep.equal([
      `Serving on ${typhoons ? "Typhoon's own " : ''}uWebSockets.js ${version}${packageName === 'uWebSockets.js' ? '' : ` (${packageName})`} from node_modules/uWebSockets.js`,
    ]);
  });
});
