import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Application, ConfigurationError, StaticFileHandler, type StaticFileArgs } from '../../lib';
import { TestServer } from '../../lib/testing';

/** The error starting `app` fails with (a server that starts is closed, and the spec fails). */
async function startFailure(app: Application): Promise<ConfigurationError> {
  const outcome = await TestServer.start(app).then(
    async (server) => {
      await server.close();
      return null;
    },
    (error: unknown) => error,
  );
  expect(outcome, 'the application started').to.be.instanceOf(ConfigurationError);
  return outcome as ConfigurationError;
}

describe('folders the application serves from, checked when it starts serving (issue 28)', () => {
  let scratch: string;
  let file: string;

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'typhoon-folders-'));
    file = path.join(scratch, 'not-a-folder.txt');
    writeFileSync(file, 'a file');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('refuses a relative staticPath that does not exist, naming the setting, the absolute path, the working directory and the fix', async () => {
    const error = await startFailure(new Application({ handlers: [], staticPath: 'no-such-static-folder' }));
    expect(error.message).to.equal(
      `The staticPath setting 'no-such-static-folder' is ${path.resolve('no-such-static-folder')} (relative to the working directory ${process.cwd()}), ` +
        'which does not exist: create it, or give an absolute path so that the working directory does not matter: ' +
        'path.join(__dirname, "no-such-static-folder") in CommonJS, fileURLToPath(new URL("no-such-static-folder", import.meta.url)) in an ES module',
    );
  });

  it('refuses a staticPath that is a file, and one that is missing, through inject() too', async () => {
    const asFile = await startFailure(new Application({ handlers: [], staticPath: file }));
    expect(asFile.message).to.equal(`The staticPath setting '${file}' is a file, not a folder: give the folder of your static files`);
    const missing = path.join(scratch, 'gone');
    const injected = await new Application({ handlers: [], staticPath: missing }).inject('/static/a.txt').then(() => null, (error: unknown) => error);
    expect(injected).to.be.instanceOf(ConfigurationError).with.property('message', `The staticPath setting '${missing}' does not exist: create it`);
  });

  it('lets inject() be tried again once the folder exists, refused the first time before anything was mounted', async () => {
    const later = path.join(scratch, 'made-for-inject');
    const app = new Application({ handlers: [], staticPath: later });
    const refused = await app.inject('/static/a.txt').then(() => null, (error: unknown) => error);
    expect(refused).to.be.instanceOf(ConfigurationError).with.property('message', `The staticPath setting '${later}' does not exist: create it`);
    mkdirSync(later);
    writeFileSync(path.join(later, 'a.txt'), 'there now');
    const response = await app.inject('/static/a.txt');
    expect([response.status, response.body.toString()]).to.deep.equal([200, 'there now']);
  });

  it('takes a folder made after the application was constructed, before it serves', async () => {
    const later = path.join(scratch, 'made-later');
    expect((await startFailure(new Application({ handlers: [], staticPath: later }))).message).to.contain(`The staticPath setting '${later}' does not exist`);
    const app = new Application({ handlers: [], staticPath: later, templatePath: later });
    mkdirSync(later);
    writeFileSync(path.join(later, 'a.txt'), 'made later');
    const server = await TestServer.start(app);
    try {
      const response = await server.fetch('/static/a.txt');
      expect([response.status, response.text]).to.deep.equal([200, 'made later']);
    } finally {
      await server.close();
    }
  });

  it('refuses a templatePath that does not exist or is a file', async () => {
    const missing = path.join(scratch, 'no-templates');
    expect((await startFailure(new Application({ handlers: [], templatePath: missing }))).message).to.equal(
      `The templatePath setting '${missing}' does not exist: create it`,
    );
    expect((await startFailure(new Application({ handlers: [], templatePath: file }))).message).to.equal(
      `The templatePath setting '${file}' is a file, not a folder: give the folder of your templates`,
    );
  });

  it("refuses a StaticFileHandler route whose 'path' is missing, a file, or not given (every request would be a 500)", async () => {
    const missing = path.join(scratch, 'no-files');
    expect((await startFailure(new Application({ handlers: [['/files/*', StaticFileHandler, { path: missing }]] }))).message).to.equal(
      `The 'path' init arg '${missing}' of StaticFileHandler's route '/files/*' does not exist: create it`,
    );
    class Downloads extends StaticFileHandler {}
    expect((await startFailure(new Application({ handlers: [[/^\/dl\/(.*)$/, Downloads, { path: file }]] }))).message).to.contain(
      `The 'path' init arg '${file}' of Downloads's route '^\\/dl\\/(.*)$' is a file, not a folder: give the folder to serve`,
    );
    expect((await startFailure(new Application({ handlers: [['/files/*', StaticFileHandler]] }))).message).to.equal(
      "StaticFileHandler's route '/files/*' has no 'path' init arg (the folder to serve): give it, as in ['/files/*', StaticFileHandler, { path: 'public' }]",
    );
    // A subclass that finds its folder itself needs no 'path'.
    class Computed extends StaticFileHandler {
      override initialize(args: StaticFileArgs) {
        super.initialize({ ...args, path: scratch });
      }
    }
    const server = await TestServer.start(new Application({ handlers: [['/computed/*', Computed]] }));
    try {
      expect((await server.fetch('/computed/not-a-folder.txt')).text).to.equal('a file');
    } finally {
      await server.close();
    }
  });
});
