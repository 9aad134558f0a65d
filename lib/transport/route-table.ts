/** One level of the table: a path segment's children. */
interface Level<T> {
  statics: Map<string, Level<T>> | null;
  param: Level<T> | null;
  /** The value of a pattern ending here. */
  value: T | undefined;
  /** The value of a pattern ending in `/*` here: matches every longer path. */
  wildcard: T | undefined;
}

/** What a path matched: the route's value and its `:param` segments in order, still percent-encoded. */
export interface TableMatch<T> {
  value: T;
  params: string[];
}

const NO_PARAMS: string[] = [];

function level<T>(): Level<T> {
  return { statics: null, param: null, value: undefined, wildcard: undefined };
}

/**
 * Patterns in uWebSockets.js's syntax (`/items/:id`, `/files/*`) matched as uWS's router
 * matches them, for transports that have no native router: segment by segment, a literal
 * segment before a `:param` before a `*` wildcard, backtracking when a branch fails; the first
 * registration of a pattern wins.
 *
 * @example
 * ```ts
 * const table = new RouteTable<string>();
 * table.add('/items/:id', 'item');
 * table.match('/items/42'); // { value: 'item', params: ['42'] }
 * ```
 */
export class RouteTable<T> {
  private readonly root: Level<T> = level();
  private count = 0;

  /** Number of patterns added. */
  get size(): number {
    return this.count;
  }

  add(pattern: string, value: T): void {
    const segments = pattern.split('/').slice(1);
    let node = this.root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      if (segment === '*' && i === segments.length - 1) {
        node.wildcard ??= value;
        this.count++;
        return;
      }
      if (segment.startsWith(':')) node = node.param ??= level();
      else {
        const statics = (node.statics ??= new Map());
        let next = statics.get(segment);
        if (!next) statics.set(segment, (next = level()));
        node = next;
      }
    }
    node.value ??= value;
    this.count++;
  }

  /** The route for a raw path (starting with `/`), or null. */
  match(path: string): TableMatch<T> | null {
    const params: string[] = [];
    const value = this.find(this.root, path, 1, params);
    return value === undefined ? null : { value, params: params.length ? params : NO_PARAMS };
  }

  /** Matches the segment of `path` starting at `from` (just after a `/`) and what follows. */
  private find(node: Level<T>, path: string, from: number, params: string[]): T | undefined {
    const slash = path.indexOf('/', from);
    const end = slash < 0 ? path.length : slash;
    const segment = path.slice(from, end);
    const last = slash < 0;
    const literal = node.statics?.get(segment);
    if (literal) {
      const found = last ? literal.value : this.find(literal, path, end + 1, params);
      if (found !== undefined) return found;
    }
    // A parameter is never empty: '/items/' is not '/items/:id' (as in uWS).
    if (node.param && segment.length > 0) {
      params.push(segment);
      const found = last ? node.param.value : this.find(node.param, path, end + 1, params);
      if (found !== undefined) return found;
      params.pop();
    }
    return node.wildcard;
  }
}
