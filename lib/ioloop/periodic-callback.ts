import { appLog } from '../common/log';
import { IOLoop, type TimeoutHandle } from './ioloop';
import { invalidArgument } from '../common/invalid-argument';

/**
 * Calls `callback` every `periodMs` milliseconds, as Tornado's `PeriodicCallback`: the
 * period runs from one start to the next; a call that overruns skips whole periods to stay on
 * schedule; an async callback never overlaps itself; `jitter` (0..1) varies each period by
 * ±jitter/2 to spread load.
 *
 * @example
 * ```ts
 * const heartbeat = new PeriodicCallback(() => void app.publish('tick', { at: Date.now() }), 1000);
 * heartbeat.start();
 * ```
 */
export class PeriodicCallback {
  private running = false;
  private nextTimeout = 0;
  private handle: TimeoutHandle | undefined;
  private readonly loop = IOLoop.current();

  constructor(private readonly callback: () => unknown, readonly periodMs: number, readonly jitter = 0) {
    if (!(periodMs > 0)) throw invalidArgument(RangeError, `PeriodicCallback period must be a positive number of milliseconds, got ${periodMs}`);
    if (!(jitter >= 0 && jitter <= 1)) throw invalidArgument(RangeError, `PeriodicCallback jitter must be between 0 and 1, got ${jitter}`);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.nextTimeout = this.loop.time();
    this.scheduleNext();
  }

  stop(): void {
    this.running = false;
    if (this.handle) this.loop.removeTimeout(this.handle);
    this.handle = undefined;
  }

  isRunning(): boolean {
    return this.running;
  }

  private async run(): Promise<void> {
    if (!this.running) return;
    try {
      await this.callback();
    } catch (error) {
      appLog.error('Exception in PeriodicCallback', error);
    } finally {
      this.scheduleNext();
    }
  }

  private scheduleNext(): void {
    if (!this.running) return;
    this.updateNext(this.loop.time());
    this.handle = this.loop.addTimeout(this.nextTimeout, () => this.run());
  }

  private updateNext(now: number): void {
    let period = this.periodMs / 1000;
    if (this.jitter) period *= 1 + this.jitter * (Math.random() - 0.5);
    if (this.nextTimeout <= now) {
      // Skip whole periods missed by a slow call, to stay on the original schedule.
      this.nextTimeout += (Math.floor((now - this.nextTimeout) / period) + 1) * period;
    } else {
      this.nextTimeout += period;
    }
  }
}
