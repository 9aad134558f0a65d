import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Application, configureLogging, RequestHandler, Route } from '../../lib';
import { textSink } from '../../lib/common/log';

const exec = promisify(execFile);

@Route('/sign-in')
class SignIn extends RequestHandler {
  get() {
    const user = { name: 'ann', roles: ['admin', 'ops'] };
    this.log.info({ user, tries: 2, note: 'two words', ok: true, missing: undefined }, 'signed in');
    this.log.warn({ user, same: user }, 'watched');
    this.log.error({ err: new Error('disk full') }, 'cannot save');
    this.write('ok');
  }
}

/** A Writable keeping what was written to it. */
function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const STAMP = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

describe('the text logger (the default, without the logger setting)', () => {
  let saved: ReturnType<typeof configureLogging>;
  beforeEach(() => (saved = configureLogging({})));
  afterEach(() => void configureLogging(saved));

  it('writes a record\'s structured fields after the message, key=value, and an error field\'s stack below', async () => {
    const out = collector();
    const errors = collector();
    configureLogging({ level: 'info', sink: textSink(out.stream, errors.stream) });
    const app = new Application({ handlers: [SignIn] });
    try {
      const response = await app.inject('/sign-in');
      expect(response.status).to.equal(200);
    } finally {
      await app.close();
    }
    const lines = out.text().split('\n');
    expect(lines[0]).to.match(new RegExp(`^\\[I ${STAMP} app\\] signed in user=\\{"name":"ann","roles":\\["admin","ops"\\]\\} tries=2 note="two words" ok=true$`));
    // The access line stays as it was: its fields restate it.
    expect(lines[1]).to.match(new RegExp(`^\\[I ${STAMP} access\\] 200 GET /sign-in \\(127\\.0\\.0\\.1\\) [\\d.]+ms$`));
    expect(lines.slice(2)).to.deep.equal(['']);

    const [watched, saving, stack] = errors.text().split('\n');
    // One object twice side by side is not circular.
    expect(watched).to.match(new RegExp(`^\\[W ${STAMP} app\\] watched user=\\{"name":"ann","roles":\\["admin","ops"\\]\\} same=\\{"name":"ann","roles":\\["admin","ops"\\]\\}$`));
    expect(saving).to.match(new RegExp(`^\\[E ${STAMP} app\\] cannot save err="Error: disk full"$`));
    expect(stack).to.equal('Error: disk full');
  });

  it('quotes what needs quotes, marks circular objects, and never loses a record to an odd value', () => {
    const out = collector();
    const sink = textSink(out.stream);
    const loop: Record<string, unknown> = { id: 1 };
    loop.self = loop;
    sink({ level: 'info', logger: 'general', message: 'odd values', fields: { reqId: 'req-7', 'two words': 'a"b', empty: '', loop, big: 10n, when: new Date(0), never: new Date(NaN), none: null } });
    expect(out.text()).to.match(new RegExp(`^\\[I ${STAMP} general\\] odd values \\[req-7\\] "two words"="a\\\\"b" empty="" loop=\\{"id":1,"self":"\\[Circular\\]"\\} big=10 when=1970-01-01T00:00:00\\.000Z never=Invalid Date none=null\\n$`));
  });

  it('goes back to 4xx/5xx access lines only when a configuration from before a level was chosen is restored', async () => {
    const script = `
      const { Application, configureLogging, RequestHandler } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib'))});
      class Hello extends RequestHandler { get() { this.write('ok'); } }
      const app = new Application({ handlers: [['/(chosen|restored)', Hello]] });
      (async () => {
        const previous = configureLogging({ level: 'debug' });
        await app.inject('/chosen');
        configureLogging(previous);
        await app.inject('/restored');
        await app.close();
      })();
    `;
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.TYPHOON_LOG_LEVEL;
    const { stdout } = await exec(process.execPath, ['-e', script], { env });
    const access = stdout.split('\n').filter((line) => line.includes(' access] '));
    expect(access).to.have.length(1);
    expect(access[0]).to.match(/ access\] 200 GET \/chosen \(127\.0\.0\.1\) /);
  });

  it('is what an application writes to stdout when logging is not configured', async () => {
    const script = `
      const { Application, RequestHandler } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib'))});
      class Hello extends RequestHandler {
        get() { this.log.info({ user: { name: 'ann' }, tries: 2 }, 'signed in'); this.write('ok'); }
      }
      const app = new Application({ handlers: [['/', Hello]] });
      app.inject('/').then(() => app.close());
    `;
    const { stdout } = await exec(process.execPath, ['-e', script], { env: { ...process.env, TYPHOON_LOG_LEVEL: 'info' } });
    expect(stdout.split('\n').find((line) => line.includes('signed in'))).to.match(/\] signed in user=\{"name":"ann"\} tries=2$/);
  });
});
