/**
 * Where a Queue keeps its items, and so the order it hands them out in (Tornado's overridable
 * `_init`/`_put`/`_get`): a Deque for FIFO, a stack for LIFO, a BinaryHeap for priority.
 */
export interface ItemStore<T> {
  /** Number of items held. */
  readonly size: number;
  /** Adds an item. */
  push(item: T): void;
  /** Removes and returns the next item. Only called when `size > 0`. */
  take(): T;
}
