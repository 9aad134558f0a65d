import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';
import { Application, InvalidArgumentError, InvalidStateError, IOLoop, RequestHandler, ThreadPoolExecutor } from '../../lib';
import { TestServer } from '../../lib/testing';
import negate, { add, busy, checkType, later, parse, withCallback } from '../fixtures/executor-tasks';

const run = promisify(execFile);
const fixtures = path.join(__dirname, '..', 'fixtures');
const tasksModule = path.join(fixtures, 'executor-tasks.js');
/** An ES module for { module: <file URL>, name } (tsc makes only CommonJS here). */
const ESM_TASKS = `export function shout(text) { return text.toUpperCase() + '!'; }
export default function whisper(text) { return text.toLowerCase(); }
`;

/** What a promise rejected with (fails if it resolved). */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('IOLoop.runInExecutor', function () {
  this.timeout(20_000);
  const loop = IOLoop.current();
  let work: string;
  let esmModule: string;

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'typhoon-executor-'));
    writeFileSync(path.join(work, 'tasks.mjs'), ESM_TASKS);
    esmModule = pathToFileURL(path.join(work, 'tasks.mjs')).href;
  });
  after(async () => {
    await loop.shutdownDefaultExecutor();
    rmSync(work, { recursive: true, force: true });
  });

  it('runs a function exported from a module on another thread and resolves with its result', async () => {
    expect(await loop.runInExecutor(add, 2, 3)).to.equal(5);
    expect(await loop.runInExecutor(negate, 7)).to.equal(-7); // a default export
    const thread = await loop.runInExecutor(busy, 0);
    expect(thread).to.be.a('number').and.not.equal(threadId);
  });

  it('awaits an async function in its thread', async () => {
    expect(await loop.runInExecutor(later, 'hello')).to.match(/^hello from thread [1-9]\d*$/);
  });

  it('runs { module, name }: a CommonJS path, an ES module file URL, and its default export', async () => {
    expect(await loop.runInExecutor<number>({ module: tasksModule, name: 'add' }, 20, 22)).to.equal(42);
    expect(await loop.runInExecutor<string>({ module: esmModule, name: 'shout' }, 'hey')).to.equal('HEY!');
    expect(await loop.runInExecutor<string>({ module: esmModule, name: 'default' }, 'QUIET')).to.equal('quiet');
  });

  it('refuses a closure, an inline arrow or a method at once, saying how to fix it', () => {
    const factor = 3;
    const triple = (x: number) => x * factor;
    class Calculator {
      double(x: number) {
        return x * 2;
      }
    }
    for (const fn of [triple, (x: number) => x + 1, new Calculator().double]) {
      expect(() => loop.runInExecutor(fn, 1)).to.throw(InvalidArgumentError, /no loaded CommonJS module exports this one.*Export it from a module.*\{ module: <absolute path or file: URL>, name: '/s);
    }
    try {
      loop.runInExecutor(triple, 1);
    } catch (error) {
      expect((error as InvalidArgumentError).code).to.equal('TYPHOON_ERR_INVALID_ARGUMENT');
      expect((error as Error).message).to.match(/^runInExecutor\(triple\(\)\)/);
    }
  });

  it('refuses a relative module path and a value that is neither a function nor { module, name }', () => {
    expect(() => loop.runInExecutor({ module: './tasks.js', name: 'add' })).to.throw(InvalidArgumentError, /must be an absolute path or a file: URL.*require\.resolve\('\.\/tasks\.js'\)/);
    expect(() => loop.runInExecutor(42 as unknown as () => void)).to.throw(TypeError, /a function exported from a module, or \{ module, name \}; got number/)
      .with.property('code', 'TYPHOON_ERR_INVALID_ARGUMENT');
  });

  it('rejects with the name, message, code and stack of what the function threw in its thread', async () => {
    const error = await rejection(loop.runInExecutor(parse, 'x{'));
    expect([error.name, error.message, error.code]).to.deep.equal(['ParseError', 'cannot parse "x{"', 'E_PARSE']);
    expect(error).to.be.instanceOf(Error);
    expect(error.stack).to.match(/^ParseError: cannot parse/).and.contain('executor-tasks');
    const typeError = await rejection(loop.runInExecutor(checkType, 'seven'));
    expect(typeError).to.be.instanceOf(TypeError);
    expect(typeError.message).to.equal('not a number: string');
  });

  it('rejects for a module without that export', async () => {
    const error = await rejection(loop.runInExecutor({ module: tasksModule, name: 'missing' }));
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.contain("has no function export named 'missing'");
  });

  it('rejects with a DataCloneError for an argument or a result that cannot be copied between threads, and keeps working', async () => {
    const argument = await rejection(loop.runInExecutor(add, (() => 1) as unknown as number, 2));
    expect(argument.name).to.equal('DataCloneError');
    expect(argument.message).to.match(/^The arguments of add\(\) cannot be sent to a worker thread \(arguments must be structured-cloneable\): .*could not be cloned/);
    const result = await rejection(loop.runInExecutor(withCallback));
    expect(result.name).to.equal('DataCloneError');
    expect(result.message).to.match(/^The result of withCallback\(\) cannot be sent back from its worker thread/);
    expect(await loop.runInExecutor(add, 1, 1)).to.equal(2);
  });

  it('sizes the default executor to the cores less one (at least 1), and setDefaultExecutor replaces it', async () => {
    expect(new ThreadPoolExecutor().maxWorkers).to.equal(Math.max(1, availableParallelism() - 1));
    expect(() => new ThreadPoolExecutor({ maxWorkers: 0 })).to.throw(RangeError, /maxWorkers must be a positive integer/);
    expect(() => new ThreadPoolExecutor({ idleTimeout: -1 })).to.throw(RangeError, /idleTimeout/);
    const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
    loop.setDefaultExecutor(executor);
    // Four busy calls on two threads: two run at once, on two threads other than this one.
    const threads = await Promise.all([0.3, 0.3, 0.3, 0.3].map((seconds) => loop.runInExecutor(busy, seconds)));
    expect(new Set(threads).size).to.equal(2);
    expect(threads).not.to.include(threadId);
    await loop.shutdownDefaultExecutor();
    expect(() => executor.submit(add, 1, 2)).to.throw(InvalidStateError, /shut down/);
    // The next call makes a new default executor of the same size.
    expect(await loop.runInExecutor(add, 1, 2)).to.equal(3);
  });

  it('lets shutdown() stop a thread still busy after its timeout, rejecting that call', async () => {
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    const call = rejection(executor.submit(busy, 30));
    await executor.shutdown({ timeout: 0.2 });
    const error = await call;
    expect(error).to.be.instanceOf(InvalidStateError);
    expect(error.message).to.equal('ThreadPoolExecutor was shut down before busy() finished');
  });

  it('refuses a function of the entry script, and never keeps the process alive once idle or after app.close()', async () => {
    const script = path.join(fixtures, 'executor-exit.js');
    const env = { ...process.env, TYPHOON_LOG_LEVEL: 'warn' };
    const alone = await run(process.execPath, [script], { env, timeout: 15_000 });
    expect(alone.stdout).to.match(/^refused: InvalidArgumentError: runInExecutor\(fromEntry\(\)\): fromEntry\(\) is exported by the entry script, which every worker thread would run again/m);
    expect(alone.stdout).to.match(/^add: 5$/m);
    const served = await run(process.execPath, [script, 'app'], { env, timeout: 15_000 });
    expect(served.stdout).to.match(/^served: 200 thread [1-9]\d*$/m).and.match(/^closed$/m);
  });
});

class Offloaded extends RequestHandler {
  async get() {
    this.write({ thread: await IOLoop.current().runInExecutor(busy, 2) });
  }
}

class Inline extends RequestHandler {
  get() {
    this.write({ thread: busy(2) });
  }
}

describe('handlerTimeout and CPU work (issue 27)', function () {
  this.timeout(20_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({ handlerTimeout: 0.5, handlers: [['/offloaded', Offloaded], ['/inline', Inline]] }));
  });
  after(() => server.close());

  it('answers 503 when the 2 s of CPU work run through runInExecutor: the loop stays free for the timer', async () => {
    const response = await server.fetch('/offloaded');
    expect([response.status, response.reason]).to.deep.equal([503, 'Handler Timeout']);
  });

  it('cannot stop the same work done inline: the loop is blocked, so the timer fires only after the answer (200)', async () => {
    const response = await server.fetch('/inline');
    expect(response.status).to.equal(200);
    expect(response.json()).to.deep.equal({ thread: threadId });
  });
});
