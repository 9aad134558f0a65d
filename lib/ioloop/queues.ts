/**
 * Async queues for producer and consumer tasks, as Tornado's `tornado.queues`. Timeouts are
 * relative, in seconds; blocked getters and putters are served first come, first served.
 */
export { Queue } from './queue';
export { PriorityQueue, defaultCompare, type Comparator } from './priority-queue';
export { LifoQueue } from './lifo-queue';
export { QueueEmpty, QueueFull } from '../common/errors';
