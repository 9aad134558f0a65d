/** Timers alive right now (to check nothing leaks a timer). */
export const activeTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

/** The state of a watched promise. */
export interface Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  value?: T;
  error?: unknown;
}

/** Watches a promise so a test can check whether it has settled, as Tornado's `future.done()`. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: Tracked<T> = { state: 'pending' };
  promise.then(
    (value) => Object.assign(tracked, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(tracked, { state: 'rejected', error }),
  );
  return tracked;
}
