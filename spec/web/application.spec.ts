import { expect } from 'chai';
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Application, ConfigurationError, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { waitFor, waitUntil } from '../helpers/promises';
import { rawRequest } from '../helpers/raw-http';

const run = promisify(execFile);

class Slow extends RequestHandler {
  static started = 0;
  async get() {
    Slow.started++;
    await new Promise((resolve) => setTimeout(resolve, Number(this.getArgument('ms', '300'))));
    this.write('finished');
  }
}

class Hello extends RequestHandler {
  get() {
    this.write('hello');
  }
}

describe('Application', () => {
  it('listens on a free port with port 0 and says which', async () => {
    const app = new Application({ handlers: [['/', Hello]] });
    const server = await app.listen(0, '127.0.0.1');
    try {
      expect(server.port).to.be.greaterThan(0);
      expect(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()).to.equal('hello');
    } finally {
      await server.close();
    }
  });

  it('refuses a port already in use, and listening twice', async () => {
    const first = new Application({ handlers: [['/', Hello]] });
    const server = await first.listen(0, '127.0.0.1');
    try {
      const second = new Application({ handlers: [['/', Hello]] });
      const error = await second.listen(server.port, '127.0.0.1').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ConfigurationError);
      expect((error as Error).message).to.contain(`Cannot listen on 127.0.0.1:${server.port}`);
      const again = await first.listen(0, '127.0.0.1').catch((e: unknown) => e);
      expect((again as Error).message).to.contain('already listening');
    } finally {
      await server.close();
    }
  });

  it('refuses a port another process listens on, instead of sharing it silently', async () => {
    const first = new Application({ handlers: [['/', Hello]] });
    const server = await first.listen(0, '127.0.0.1');
    try {
      const script = `
        const { Application, RequestHandler } = require('typhoon');
        class H extends RequestHandler { get() { this.write('second'); } }
        new Application({ handlers: [['/', H]] }).listen(${server.port}, '127.0.0.1')
          .then(() => { console.log('LISTENING'); process.exit(0); }, (e) => { console.log('REFUSED ' + e.code); process.exit(0); });`;
      const { stdout } = await run(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..', '..', '..'), env: { ...process.env, TYPHOON_LOG_LEVEL: 'silent' } });
      expect(stdout.trim()).to.equal('REFUSED TYPHOON_ERR_CONFIGURATION');
      // Every request still reaches the first server.
      for (let i = 0; i < 5; i++) expect(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()).to.equal('hello');
    } finally {
      await server.close();
    }
  });

  it('close() stops accepting, lets in-flight requests finish, then closes connections', async () => {
    const app = new Application({ handlers: [['/slow', Slow]] });
    const server = await app.listen(0, '127.0.0.1');
    const startsBefore = Slow.started;
    const inflight = fetch(`http://127.0.0.1:${server.port}/slow?ms=400`).then((r) => r.text());
    await waitFor(() => Slow.started > startsBefore, 10_000, 'the request to reach its handler');
    const closing = app.close();
    const refused = () => new Promise<boolean>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => resolve(true));
      socket.on('connect', () => {
        socket.destroy();
        resolve(false);
      });
    });
    await waitUntil(refused, 10_000, 'new connections to be refused');
    expect(await refused()).to.equal(true);
    expect(await inflight).to.equal('finished');
    await closing;
  });

  it('close() gives up on in-flight requests after its timeout', async () => {
    const app = new Application({ handlers: [['/slow', Slow]] });
    const server = await app.listen(0, '127.0.0.1');
    const startsBefore = Slow.started;
    const inflight = fetch(`http://127.0.0.1:${server.port}/slow?ms=5000`).then(() => 'answered', () => 'dropped');
    await waitFor(() => Slow.started > startsBefore, 10_000, 'the request to reach its handler');
    const started = Date.now();
    await app.close({ timeout: 0.2 });
    expect(Date.now() - started).to.be.lessThan(2000);
    expect(await inflight).to.equal('dropped');
  });

  it('runs two applications in one process without shared state', async () => {
    const a = await TestServer.start(new Application({ handlers: [['/', Hello]] }));
    const b = await TestServer.start(new Application({ handlers: [['/', Slow]], cookieSecret: 'b' }));
    try {
      expect(a.app.container).to.not.equal(b.app.container);
      expect(a.app.settings.cookieSecret).to.equal(undefined);
      expect((await a.fetch('/')).text).to.equal('hello');
      expect((await b.fetch('/?ms=1')).text).to.equal('finished');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('uses every imported @Route class when handlers are omitted', async () => {
    const fixture = path.join(__dirname, '..', 'fixtures', 'discovered-app.js');
    const { stdout } = await run(process.execPath, [fixture], { env: { ...process.env, TYPHOON_LOG_LEVEL: 'silent' } });
    expect(JSON.parse(stdout)).to.deep.equal(['/one=200:one', '/two=200:two', '/deux=200:two', '/three=404:<html><title>404: Not Found</title><body>404: Not Found</body></html>']);
  });

  it('accepts Tornado-style positional arguments: new Application(handlers, settings)', async () => {
    const server = await TestServer.start(new Application([['/', Hello]], { debug: false }));
    try {
      expect((await server.fetch('/')).text).to.equal('hello');
    } finally {
      await server.close();
    }
  });

  it('routes unknown paths to defaultHandlerClass with defaultHandlerArgs', async () => {
    class Fallback extends RequestHandler {
      text = '';
      override initialize(args: { text: string }) {
        this.text = args.text;
      }
      get() {
        this.setStatus(404);
        this.write(`${this.text} ${this.request.path}`);
      }
    }
    const server = await TestServer.start(new Application({ handlers: [], defaultHandlerClass: Fallback, defaultHandlerArgs: { text: 'lost:' } }));
    try {
      const response = await server.fetch('/x/y');
      expect([response.status, response.text]).to.deep.equal([404, 'lost: /x/y']);
    } finally {
      await server.close();
    }
  });

  it('refuses unknown settings, suggesting the right spelling', () => {
    expect(() => new Application({ cookiesecret: 'x' } as never)).to.throw(ConfigurationError, "Unknown application setting 'cookiesecret' (did you mean 'cookieSecret'?)");
    // Tornado's snake_case names get their camelCase spelling.
    expect(() => new Application({ template_path: 'templates' } as never)).to.throw(ConfigurationError, "Unknown application setting 'template_path' (did you mean 'templatePath'?)");
    expect(() => new Application({ xsrf_cookies: true } as never)).to.throw(ConfigurationError, "(did you mean 'xsrfCookies'?)");
    expect(() => new Application({ maxBodySize: -1 })).to.throw(ConfigurationError, /maxBodySize must be a positive number/);
    expect(() => new Application({ cookieSecret: { 1: 'a' } })).to.throw(ConfigurationError, /keyVersion/);
    expect(() => new Application({ staticUrlPrefix: 'static' })).to.throw(ConfigurationError, /must start and end with/);
  });

  it('does not advertise its stack: no uWebSockets header on responses', async () => {
    const server = await TestServer.start(new Application({ handlers: [['/', Hello]] }));
    try {
      const response = await server.fetch('/');
      expect(response.text).to.equal('hello');
      expect([...response.headers].map(([name]) => name.toLowerCase())).to.not.include('uwebsockets');
    } finally {
      await server.close();
    }
  });

  it('survives clients that abort mid-response, in a loop', async () => {
    class Big extends RequestHandler {
      async get() {
        for (let i = 0; i < 20; i++) {
          this.write(Buffer.alloc(256 * 1024, 120));
          await this.flush().catch(() => undefined);
        }
      }
    }
    const server = await TestServer.start(new Application({ handlers: [['/big', Big], ['/slow', Slow], ['/', Hello]] }));
    try {
      for (let i = 0; i < 60; i++) {
        const socket = net.connect(server.port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.write(`GET /${i % 2 ? 'big' : 'slow?ms=20'} HTTP/1.1\r\nHost: x\r\n\r\n`);
        await new Promise((resolve) => setTimeout(resolve, i % 3));
        socket.destroy();
      }
      // Time for the aborted exchanges to unwind; a busy machine can only make this check weaker.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await server.fetch('/')).text).to.equal('hello');
      expect(await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).to.match(/^HTTP\/1\.1 200 OK/);
    } finally {
      await server.close();
    }
  });
});
