import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { websocketConnect } from '../../lib';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { waitFor } from '../helpers/promises';
import { requireWorkers } from '../helpers/requirements';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..', '..');
const fixture = path.join(__dirname, '..', 'fixtures', 'late-routes-app.js');

/** A request on a fresh connection (so SO_REUSEPORT may pick any worker); the body as text. */
function request(port: number, pathname: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: '127.0.0.1', port, path: pathname, method: options.method ?? 'GET', headers: options.headers, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** The first bytes of a response that does not end (an event stream), then the connection is dropped. */
function firstChunk(port: number, pathname: string, until: RegExp): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
        if (!until.test(text)) return;
        response.destroy();
        resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), text });
      });
    }).on('error', reject);
  });
}

/** The code of the first ```ts block under a README heading. */
function readmeExample(heading: string): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}`);
  expect(at, `README.md has the section "${heading}"`).to.be.greaterThan(0);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(block, `a \`\`\`ts block under "${heading}"`).to.not.equal(null);
  return block![1];
}

describe('route discovery: handlers omitted', function () {
  this.timeout(120_000);

  it('serves the README\'s "Middleware, extensions, validation…" example as written (its @Route classes come after new Application())', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'typhoon-readme-middleware-'));
    let server: ChildServer | undefined;
    try {
      mkdirSync(path.join(work, 'node_modules'));
      symlinkSync(root, path.join(work, 'node_modules', 'typhoon'));
      symlinkSync(path.join(root, 'node_modules', 'zod'), path.join(work, 'node_modules', 'zod'));
      writeFileSync(path.join(work, 'package.json'), JSON.stringify({ type: 'module' }));
      // The section's code as it stands, then what a user adds to run it: listen and say where.
      const code = readmeExample('## Middleware, extensions, validation');
      writeFileSync(path.join(work, 'app.ts'), `${code}\nconst server = await app.listen(0, '127.0.0.1');\nconsole.log(\`PORT \${server.port}\`);\n`);
      writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, outDir: 'dist', skipLibCheck: true,
          experimentalDecorators: true, emitDecoratorMetadata: true, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')],
        },
        files: ['app.ts'],
      }));
      const compiled = await run(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', work], { cwd: work }).then(() => '', (error: { stdout: string }) => error.stdout);
      expect(compiled, 'type errors in the README example').to.equal('');
      server = await startChildServer(path.join(work, 'dist', 'app.js'));
      const port = server.port;
      let logged = '';
      server.child.stdout!.on('data', (chunk) => (logged += chunk));

      const item = await request(port, '/api/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'pen', price: 2 }) });
      expect([item.status, JSON.parse(item.text)]).to.deep.equal([200, { name: 'pen', price: 2 }]);
      const invalid = await request(port, '/api/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '', price: -1 }) });
      expect(invalid.status).to.equal(400);
      expect(invalid.headers['content-type']).to.match(/^application\/problem\+json/);
      expect((JSON.parse(invalid.text) as { errors: Array<{ path: string }> }).errors.map((error) => error.path)).to.deep.equal(['/name', '/price']);
      const ticks = await firstChunk(port, '/api/ticks', /event: tick\ndata: \{"at":\d+\}/);
      expect(ticks.status).to.equal(200);
      expect(ticks.type).to.match(/^text\/event-stream/);
      expect((await request(port, '/nowhere')).status).to.equal(404);
      // The extension's onResponse hook (under /api) logs each API call through pino.
      await waitFor(() => /"status":400,.*"msg":"api call"/.test(logged), 10_000, 'the "api call" log line of the 400');
      expect(logged).to.match(/"status":200,.*"msg":"api call"/);
    } finally {
      await server?.stop();
      rmSync(work, { recursive: true, force: true });
    }
  });

  describe('an application made before its classes are declared', () => {
    let server: ChildServer;
    let folder: string;

    before(async () => {
      folder = mkdtempSync(path.join(tmpdir(), 'typhoon-late-static-'));
      writeFileSync(path.join(folder, 'hello.txt'), 'static hello');
      writeFileSync(path.join(folder, 'robots.txt'), 'robots from the static folder');
      server = await startChildServer(fixture, [], { STATIC_PATH: folder });
    });
    after(async () => {
      await server?.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    it('serves every @Route class declared before or after new Application(), each of its @Routes, and names them for reverseUrl', async () => {
      expect((await request(server.port, '/early')).text).to.equal('early');
      expect(JSON.parse((await request(server.port, '/late')).text)).to.include({ name: null });
      expect(JSON.parse((await request(server.port, '/late/ann')).text)).to.include({ name: 'ann' });
      expect(JSON.parse((await request(server.port, '/reverse')).text)).to.deep.equal({ before: '/late/x', after: '/late/y' });
    });

    it("serves an extension's handlers and runs its hooks, for discovered routes too", async () => {
      const ext = await request(server.port, '/ext');
      expect([ext.status, ext.text, ext.headers['x-hooked']]).to.deep.equal([200, 'ext', 'yes']);
      expect((await request(server.port, '/late')).headers['x-hooked']).to.equal('yes');
    });

    it('tries RegExp routes in the order the code declared or added them', async () => {
      // addHandlers() ran before the classes below were declared; those two in declaration order.
      expect((await request(server.port, '/order/added-one')).text).to.equal('added added-one');
      expect((await request(server.port, '/order/abc')).text).to.equal('first abc');
      expect((await request(server.port, '/order/xyz')).text).to.equal('second xyz');
    });

    it('keeps static files and the 404 route after the discovered routes', async () => {
      // robots.txt is in the static folder too: the late handler's RegExp route comes first.
      expect((await request(server.port, '/robots.txt')).text).to.equal('robots from a handler');
      expect((await request(server.port, '/static/hello.txt')).text).to.equal('static hello');
      expect((await request(server.port, '/nowhere')).status).to.equal(404);
    });

    it('serves a @WebSocket class declared after new Application()', async () => {
      const socket = await websocketConnect(`ws://127.0.0.1:${server.port}/late-socket`);
      await socket.writeMessage('hi');
      expect(await socket.readMessage()).to.equal('late hi');
      socket.close();
    });
  });

  it('discovers the same routes in every worker thread', async function () {
    requireWorkers(this);
    const server = await startChildServer(fixture, [], { WORKERS: '2' });
    try {
      const threads = new Set<number>();
      for (let i = 0; i < 40 && threads.size < 2; i++) {
        const late = await request(server.port, '/late/w');
        expect(late.status).to.equal(200);
        threads.add((JSON.parse(late.text) as { thread: number }).thread);
        expect((await request(server.port, '/order/abc')).text).to.equal('first abc');
      }
      expect(threads.size, 'worker threads that served /late').to.equal(2);
    } finally {
      await server.stop();
    }
  });

  it('warns at start-up when it finds no route at all, saying why', async () => {
    const script = `
      const { Application } = require(${JSON.stringify(path.join(root, 'dist', 'lib'))});
      new Application().listen(0, '127.0.0.1').then((server) => server.close());`;
    const { stdout, stderr } = await run(process.execPath, ['-e', script], { env: { ...process.env, TYPHOON_LOG_LEVEL: 'warn' }, timeout: 20_000 });
    expect(stdout + stderr).to.contain(
      'No routes: the handlers setting was omitted and no class decorated with @Route or @WebSocket was defined when the application started serving. ' +
        'Import the modules that declare them before listen(), or give handlers',
    );
  });

  for (const workers of ['1', '2']) {
    it(`refuses to start, from listen() in the main thread${workers === '2' ? ' before any worker starts' : ''}, when a late handler injects an interface`, async function () {
      if (workers === '2') requireWorkers(this);
      const { stdout } = await run(process.execPath, [fixture], { env: { ...process.env, BROKEN: '1', WORKERS: workers, TYPHOON_LOG_LEVEL: 'silent' }, timeout: 20_000 });
      expect(stdout.trim()).to.equal(
        'REFUSED ConfigurationError: Broken cannot be made by the container: parameter #0 (clock) of its constructor has no runtime type: ' +
          'TypeScript recorded Object (an interface, a union, a type alias or an inferred type). Inject it with @inject(token), a token registered on ' +
          'app.container before listen() (app.container.register(token, { useValue | useClass | useFactory })), or give the parameter a class type, imported with a plain import.',
      );
    });
  }
});
