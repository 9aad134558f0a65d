import type { ItemStore } from './item-store';

/**
 * First in, first out, with O(1) `take`: a head index instead of `Array#shift`, which copies
 * the whole array once it is large.
 */
export class Deque<T> implements ItemStore<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(): T {
    const item = this.items[this.head] as T; // size > 0, so this slot holds an item
    this.items[this.head++] = undefined; // let the item be collected
    // Drop the spent front once it is half the array: amortised O(1), bounded memory.
    if (this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
