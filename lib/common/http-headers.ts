/** @internal The key of `headers[RELINK](lazy)`: the same headers now come from a copy of the request. */
export const RELINK = Symbol('typhoon.headers.relink');

/**
 * Case-insensitive, multi-valued HTTP headers, as Tornado's `HTTPHeaders`. Names are stored
 * lower-case; `get` returns the value (several lines joined), `getAll` every line.
 *
 * @example
 * ```ts
 * class Upload extends RequestHandler {
 *   post() {
 *     const type = this.request.headers.get('content-type') ?? 'application/octet-stream';
 *     this.write({ type, languages: this.request.headers.getAll('accept-language') });
 *   }
 * }
 * ```
 */
export class HTTPHeaders implements Iterable<[string, string]> {
  private map: Map<string, string[]> | null = null;

  /**
   * @param init initial pairs or record
   * @param lazy where the pairs come from when they are first needed (request headers)
   */
  constructor(
    init?: Iterable<[string, string]> | Record<string, string | string[]>,
    private lazy?: { header(name: string): string; headerList(): string[] },
  ) {
    if (init) {
      const pairs = Symbol.iterator in init ? (init as Iterable<[string, string]>) : recordPairs(init as Record<string, string | string[]>);
      for (const [name, value] of pairs) this.add(name, value);
    }
  }

  /**
   * The header's value: several lines of it joined with `, ` (RFC 9110 §5.3; `Cookie` lines
   * with `; `, RFC 6265 §5.4), as Tornado's `HTTPHeaders`. `Set-Cookie`, which cannot be
   * joined, gives its first line (use `getAll`). A header sent empty is `''`; `undefined` when
   * absent.
   */
  get(name: string): string | undefined {
    const key = name.toLowerCase();
    const list = this.values().get(key);
    if (!list) return undefined;
    if (list.length === 1 || key === 'set-cookie') return list[0];
    return list.join(key === 'cookie' ? '; ' : ', ');
  }

  /** Every value of the header, in order (empty when absent). */
  getAll(name: string): string[] {
    return [...(this.values().get(name.toLowerCase()) ?? [])];
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Adds a value after the existing ones. */
  add(name: string, value: string): void {
    const key = name.toLowerCase();
    const list = this.values().get(key);
    if (list) list.push(value);
    else this.values().set(key, [value]);
  }

  /** Replaces every value of the header. */
  set(name: string, value: string): void {
    this.values().set(name.toLowerCase(), [value]);
  }

  delete(name: string): void {
    this.values().delete(name.toLowerCase());
  }

  /** Header names (lower-case). */
  keys(): string[] {
    return [...this.values().keys()];
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const [name, list] of this.values()) for (const value of list) yield [name, value];
  }

  /** A plain object, several values joined with `, ` (for logs and JSON). */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, list] of this.values()) out[name] = list.join(', ');
    return out;
  }

  /** @internal The same headers now come from `lazy` (the request's data was copied). */
  [RELINK](lazy: { header(name: string): string; headerList(): string[] }): void {
    if (this.lazy) this.lazy = lazy;
  }

  private values(): Map<string, string[]> {
    if (this.map) return this.map;
    this.map = new Map();
    if (this.lazy) {
      const fields = this.lazy.headerList();
      for (let i = 0; i < fields.length; i += 2) {
        const list = this.map.get(fields[i]);
        if (list) list.push(fields[i + 1]);
        else this.map.set(fields[i], [fields[i + 1]]);
      }
    }
    return this.map;
  }
}

function* recordPairs(record: Record<string, string | string[]>): Iterable<[string, string]> {
  for (const [name, value] of Object.entries(record)) {
    if (Array.isArray(value)) for (const item of value) yield [name, item];
    else yield [name, value];
  }
}
