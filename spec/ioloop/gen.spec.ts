import { expect } from 'chai';
import { coroutine, moment, multi, sleep, TimeoutError, withTimeout } from '../../lib';
import { settle, waitFor } from '../helpers/promises';
import { captureLogs } from '../helpers/logs';

const later = <T>(seconds: number, value: T) => sleep(seconds).then(() => value);
const failLater = (seconds: number, message: string) => sleep(seconds).then(() => Promise.reject(new Error(message)));

describe('coroutine helpers', () => {
  const logs = captureLogs('error');

  it('multi waits for arrays and records of promises, keeping order and keys', async () => {
    expect(await multi([later(0.02, 'a'), later(0.01, 'b'), 'plain'])).to.deep.equal(['a', 'b', 'plain']);
    expect(await multi({ x: later(0.01, 1), y: later(0.02, 2) })).to.deep.equal({ x: 1, y: 2 });
  });

  it('multi rejects with the first error and logs the others', async () => {
    const error = await multi([failLater(0.01, 'first'), failLater(0.02, 'second'), later(0.01, 'ok')]).catch((e) => e);
    expect(error.message).to.equal('first');
    expect(logs.records.map((record) => String(record.error))).to.deep.equal(['Error: second']);
  });

  it('withTimeout passes results through and rejects with TimeoutError, without cancelling the work', async () => {
    expect(await withTimeout(1, later(0.01, 'fast'))).to.equal('fast');
    let finished = false;
    const slow = later(0.08, 'slow').then((value) => {
      finished = true;
      return value;
    });
    const error = await withTimeout(0.02, slow).catch((e) => e);
    expect(error).to.be.instanceOf(TimeoutError);
    await waitFor(() => finished);
  });

  it('withTimeout logs a failure that arrives after the timeout, unless quiet', async () => {
    const late = failLater(0.03, 'late failure');
    await withTimeout(0.01, late).catch(() => undefined);
    const quiet = failLater(0.03, 'quiet failure');
    await withTimeout(0.01, quiet, { quietExceptions: [Error] }).catch(() => undefined);
    await Promise.allSettled([late, quiet]); // both failed after their timeout: withTimeout has seen them
    await settle();
    expect(logs.records.map((record) => String(record.error))).to.deep.equal(['Error: late failure']);
  });

  it('moment yields to the event loop (timers and I/O run), not just to microtasks', async () => {
    let immediate = false;
    setImmediate(() => (immediate = true));
    await Promise.resolve();
    expect(immediate).to.equal(false);
    await moment;
    expect(immediate).to.equal(true);
  });

  it('coroutine runs generator functions that yield promises, arrays, records and null', async () => {
    const add = coroutine(function* (a: number, b: number) {
      const x: number = yield later(0.01, a);
      const [y, z]: number[] = yield [later(0.01, b), Promise.resolve(1)];
      const { w }: { w: number } = yield { w: later(0.01, 10) };
      yield null;
      return x + y + z + w;
    });
    expect(await add(2, 3)).to.equal(16);
  });

  it('coroutine throws rejections into the generator, and rejects with uncaught errors', async () => {
    const caught = coroutine(function* () {
      try {
        yield failLater(0.01, 'inner');
        return 'not reached';
      } catch (error) {
        return `caught ${(error as Error).message}`;
      }
    });
    expect(await caught()).to.equal('caught inner');
    const uncaught = coroutine(function* () {
      yield sleep(0.01);
      throw new Error('outer');
    });
    expect(await uncaught().catch((error) => error.message)).to.equal('outer');
    const bad = coroutine(function* () {
      yield 42;
    });
    expect(await bad().catch((error) => error.message)).to.contain('coroutine yielded 42');
  });

  it('works as a method decorator with this bound; an overload gives callers the Promise type', async () => {
    class Service {
      factor = 3;
      scale(value: number): Promise<number>;
      @coroutine
      *scale(value: number): unknown {
        const resolved: number = yield later(0.01, value);
        return resolved * this.factor;
      }
    }
    const scaled: number = await new Service().scale(5);
    expect(scaled).to.equal(15);
  });

  it('keeps the generator function\'s this type: a coroutine property is a method callers await, and a detached call does not compile', async () => {
    class Service {
      factor = 3;
      readonly scale = coroutine(function* (this: Service, value: number) {
        const resolved: number = yield later(0.01, value);
        return resolved * this.factor;
      });
    }
    const service = new Service();
    const scaled: number = await service.scale(5);
    expect(scaled).to.equal(15);
    const detached = service.scale;
    // @ts-expect-error -- `this` would be undefined: the type says so
    const unbound = () => detached(5);
    expect(await unbound().catch((error: Error) => error.constructor)).to.equal(TypeError);
    // A coroutine without `this` is called as a plain function.
    const double = coroutine(function* (value: number) {
      return (yield later(0.01, value * 2)) as number;
    });
    const doubled: number = await double(4);
    expect(doubled).to.equal(8);
  });

  it('rejects with a TypeError naming the function when it returns no generator', async () => {
    class Service {
      @coroutine
      async notAGenerator() {
        return 1;
      }
    }
    const error = (await (new Service().notAGenerator() as Promise<unknown>).catch((e: unknown) => e)) as Error & { code?: string };
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.equal('coroutine notAGenerator returned [object Promise], not a generator: write it as function* or *method()');
    expect(error.code).to.equal('TYPHOON_ERR_INVALID_ARGUMENT');
  });
});
