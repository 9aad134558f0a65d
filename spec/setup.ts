// Root hooks for every spec: quiet logs (specs that check logs install their own sink), and
// any unhandled rejection or uncaught exception fails the test that was running.
import { configureLogging } from '../lib';

configureLogging({ level: (process.env.TYPHOON_LOG_LEVEL as 'silent') ?? 'silent' });

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
