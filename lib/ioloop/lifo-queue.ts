import type { ItemStore } from './item-store';
import { Queue } from './queue';

/** Last in, first out. */
class Stack<T> implements ItemStore<T> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(): T {
    return this.items.pop() as T; // size > 0
  }
}

/**
 * A Queue that hands out the most recently put item first, as Tornado's `queues.LifoQueue`.
 *
 * @example
 * ```ts
 * const queue = new LifoQueue<number>();
 * for (const item of [3, 2, 1]) queue.putNowait(item);
 * queue.getNowait(); // 1
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  /** `maxsize` as Queue's. */
  constructor(maxsize = 0) {
    super(maxsize);
    this.items = new Stack<T>();
  }
}
