// Root hooks for every spec: quiet logs (specs that check logs install their own sink), and
// any unhandled rejection or uncaught exception fails the test that was running.
import { configureLogging } from '../lib';
import { describeUws } from '../lib/transport/uws';
import { specTransport } from './helpers/requirements';

configureLogging({ level: (process.env.TYPHOON_LOG_LEVEL as 'silent') ?? 'silent' });

// CI says which transport a run is for (TYPHOON_EXPECT_TRANSPORT): a run meant for uWS that
// would serve on the Node transport stops here, saying why, instead of passing on the wrong one.
const expected = process.env.TYPHOON_EXPECT_TRANSPORT;
if (expected && specTransport() !== expected) {
  throw new Error(`This run is for transport '${expected}', but the specs would serve on '${specTransport()}': ${describeUws()}`);
}
process.stdout.write(`Specs on Node.js ${process.versions.node}, transport '${specTransport()}'${specTransport() === 'uws' ? ` (${describeUws()})` : ''}\n`);

const stray: unknown[] = [];
process.on('unhandledRejection', (reason) => stray.push(reason));
process.on('uncaughtException', (error) => stray.push(error));

export const mochaHooks = {
  afterEach(this: Mocha.Context) {
    if (stray.length) {
      const errors = stray.splice(0);
      throw new Error(`Unhandled rejection or exception during the test: ${errors.map((e) => (e instanceof Error ? e.stack : String(e))).join('\n')}`);
    }
  },
};
