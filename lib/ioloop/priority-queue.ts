import { BinaryHeap, type Comparator } from './binary-heap';
import { Queue } from './queue';

export type { Comparator } from './binary-heap';

/**
 * The default PriorityQueue order, close to Python's: numbers, strings, bigints and Dates by
 * `<`; arrays (tuples such as `[priority, value]`) element by element, a shorter prefix first.
 * Values `<` cannot order compare equal.
 */
export function defaultCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < a.length && i < b.length; i++) {
      const order = defaultCompare(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  // `<` on unknown is refused by TypeScript; at run time it orders numbers, strings, bigints,
  // Dates, and yields false both ways (0) for anything else.
  const [x, y] = [a, b] as [number, number];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A Queue that hands out its smallest item first, as Tornado's `queues.PriorityQueue`. Items are
 * typically `[priority, value]` tuples; pass a comparator to order anything else.
 *
 * @example
 * ```ts
 * const queue = new PriorityQueue<[number, string]>();
 * queue.putNowait([1, 'medium']);
 * queue.putNowait([0, 'high']);
 * queue.putNowait([10, 'low']);
 * queue.getNowait(); // [0, 'high']
 *
 * const byDeadline = new PriorityQueue<{ deadline: number }>(0, (a, b) => a.deadline - b.deadline);
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /** `maxsize` as Queue's; `compare` orders items, smallest first (default: defaultCompare). */
  constructor(maxsize = 0, compare: Comparator<T> = defaultCompare) {
    super(maxsize);
    this.items = new BinaryHeap(compare);
  }
}
