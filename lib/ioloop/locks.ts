/**
 * Synchronisation primitives for async tasks, as Tornado's `tornado.locks`. Timeouts are
 * relative, in seconds; waiters are served first come, first served.
 */
export { Condition } from './condition';
export { Event } from './event';
export { Semaphore } from './semaphore';
export { BoundedSemaphore } from './bounded-semaphore';
export { Lock } from './lock';
export type { Releaser } from './releaser';
