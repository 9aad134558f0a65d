import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startWatched, untilAnswer } from '../helpers/watched-process';

const lib = path.join(__dirname, '..', '..', 'lib');

describe('autoreload (debug: true, a script run by hand)', function () {
  this.timeout(120_000);
  let dir: string;
  const file = (name: string) => path.join(dir, 'dist', name);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'typhoon-autoreload-'));
    mkdirSync(path.join(dir, 'dist', 'static'), { recursive: true });
    writeFileSync(file('app.js'), `console.log('top-level ran');
const path = require('node:path');
const { Application, RequestHandler } = require(${JSON.stringify(lib)});
const { word } = require('./word');
class Word extends RequestHandler { get() { this.write(word); } }
const app = new Application([['/', Word]], { debug: true, staticPath: path.join(__dirname, 'static') });
app.listen(Number(process.env.PORT), '127.0.0.1').then((server) => { app.closeOnSignals(); console.log('Listening on ' + server.port); });
`);
    writeFileSync(file('word.js'), "exports.word = 'one';\n");
    writeFileSync(file('static/client.js'), 'console.log(1);\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the top-level code once per start and once per reload, restarting for changed code only', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const app = startWatched(process.execPath, ['dist/app.js'], dir, { PORT: String(port), TYPHOON_LOG_LEVEL: 'info' });
    try {
      await app.waitFor(/Listening on/);
      await untilAnswer(url, (text) => text === 'one');
      expect(app.count(/top-level ran/), 'top-level runs at start').to.equal(1);
      // The transport's start-up line, once (none where TYPHOON_TRANSPORT=node chooses without looking).
      expect(app.count(/Serving on/)).to.equal(process.env.TYPHOON_TRANSPORT === 'node' ? 0 : 1);
      // The same bytes written again (tsc rewriting its output) and a static file restart nothing,
      // so the change after them is the one named.
      writeFileSync(file('app.js'), readFileSync(file('app.js')));
      writeFileSync(file('static/client.js'), 'console.log(2);\n');
      writeFileSync(file('word.js'), "exports.word = 'two';\n");
      await untilAnswer(url, (text) => text === 'two');
      expect(/autoreload: .*/.exec(app.output().split('\n').filter((line) => line.includes('changed')).join('\n'))?.[0]).to.equal('autoreload: word.js changed; restarting under node --watch');
      expect(app.count(/top-level ran/), 'top-level runs once more per reload').to.equal(2);
      // Code that fails to load is reported, and the next change awaited.
      writeFileSync(file('word.js'), 'exports.word = (\n');
      await app.waitFor(/Failed running/);
      writeFileSync(file('word.js'), "exports.word = 'three';\n");
      await untilAnswer(url, (text) => text === 'three');
    } finally {
      await app.stop();
    }
  });
});
