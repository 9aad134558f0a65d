import type { ItemStore } from './item-store';

/** Orders two items: negative if `a` comes first, positive if `b` does, 0 if either may. */
export type Comparator<T> = (a: T, b: T) => number;

/** Smallest item first (by `compare`), O(log n) `push` and `take`. Like Python's `heapq`. */
export class BinaryHeap<T> implements ItemStore<T> {
  private readonly heap: T[] = [];

  constructor(private readonly compare: Comparator<T>) {}

  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    this.heap.push(item);
    this.siftUp(this.heap.length - 1);
  }

  take(): T {
    const top = this.heap[0];
    const last = this.heap.pop() as T; // size > 0
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.compare(this.heap[index], this.heap[parent]) >= 0) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(index: number): void {
    for (;;) {
      let smallest = index;
      for (const child of [2 * index + 1, 2 * index + 2]) {
        if (child < this.heap.length && this.compare(this.heap[child], this.heap[smallest]) < 0) smallest = child;
      }
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(i: number, j: number): void {
    [this.heap[i], this.heap[j]] = [this.heap[j], this.heap[i]];
  }
}
