import { genLog } from '../common/log';
import type { CloseOptions } from './application-options';

/**
 * Runs `close(options)` on the first of `signals` and exits with 0 (1 when closing fails); a
 * second signal exits at once with 1. What `Application.closeOnSignals()` installs.
 *
 * @example
 * ```ts
 * closeOnSignals((options) => app.close(options), ['SIGTERM', 'SIGINT'], { timeout: 5 });
 * ```
 */
export function closeOnSignals(close: (options: CloseOptions) => Promise<void>, signals: NodeJS.Signals[], options: CloseOptions): void {
  let closing = false;
  for (const signal of signals) {
    process.on(signal, () => {
      if (closing) process.exit(1);
      closing = true;
      genLog.info(`${signal} received: closing (in-flight requests get ${options.timeout ?? 10} s)`);
      close(options).then(() => process.exit(0), (error) => {
        genLog.error('Error while closing', error);
        process.exit(1);
      });
    });
  }
}
