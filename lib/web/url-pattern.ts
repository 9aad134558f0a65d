import { ConfigurationError } from '../common/errors';
import { checkPattern, NATIVE, shown } from './pattern-mistakes';

/**
 * A route pattern. Strings in uWS syntax (`/items/:id`, `/files/*`) are matched by the native
 * router; a RegExp, or a string containing regular-expression syntax (Tornado's
 * `/article/([0-9]+)`, also written `^/article/([0-9]+)$`), is matched in order, anchored at
 * both ends, after the native routes. Patterns that cannot mean what was written (`{id}`,
 * `:id?`, Python's `(?P<id>...)`, ... see `checkPattern`) are refused.
 */
export class UrlPattern {
  /** The pattern as written. */
  readonly source: string;
  /** True when uWS routes it natively. */
  readonly native: boolean;
  /** `:name` parameter names of a native pattern, in order. */
  readonly paramNames: string[] = [];
  /** For a pattern ending in `/*`, where the wildcard part starts. */
  readonly wildcardAt: number = -1;
  private readonly regex?: RegExp;

  /**
   * @param owner the handler class, named in errors
   * @throws ConfigurationError for a pattern that cannot mean what was written, or an invalid regular expression
   */
  constructor(pattern: string | RegExp, owner?: string) {
    checkPattern(pattern, owner);
    this.source = typeof pattern === 'string' ? pattern : pattern.source;
    if (pattern === '/*') {
      // The application's own catch-all is uWS's '/*': registering it twice aborts the process.
      // Everything else falls through to there, so match it there, as `/(.*)`, after the other
      // RegExp routes whatever the registration order (see `insertInMatchOrder`).
      this.native = false;
      this.wildcardAt = 1;
      this.regex = /^\/(.*)$/;
      return;
    }
    this.native = typeof pattern === 'string' && NATIVE.test(pattern);
    if (this.native) {
      for (const segment of this.source.split('/')) if (segment.startsWith(':')) this.paramNames.push(segment.slice(1));
      if (this.source.endsWith('/*')) this.wildcardAt = this.source.length - 1;
      return;
    }
    try {
      const body = typeof pattern === 'string' ? pattern : pattern.source;
      const flags = typeof pattern === 'string' ? '' : pattern.flags.replace(/[gy]/g, '');
      this.regex = new RegExp(`^(?:${body})$`, flags);
    } catch (error) {
      throw new ConfigurationError(
        `Route ${shown(pattern)}${owner ? ` of ${owner}` : ''} is neither a uWS pattern ('/items/:id', '/files/*') nor a valid regular expression: ${(error as Error).message}`,
      );
    }
  }

  /** The `'/*'` pattern: matched in JavaScript, after every other RegExp route. */
  get catchAll(): boolean {
    return !this.native && this.source === '/*';
  }

  /** A native pattern without parameters or wildcard: it matches one path and has no arguments. */
  get fixed(): boolean {
    return this.native && this.paramNames.length === 0 && this.wildcardAt < 0;
  }

  /** Matches a raw path against a RegExp pattern: the raw groups (named ones also by name, else null), or null. */
  /** A native route's positional arguments: the transport's parameters, then what `*` matched in `path`. */
  nativeArgs(path: string, params: string[]): string[] {
    if (this.wildcardAt < 0) return params;
    return [...params, path.slice(this.wildcardAt)];
  }

  match(path: string): { args: string[]; named: Record<string, string> | null } | null {
    const found = this.regex!.exec(path);
    if (!found) return null;
    const args = found.slice(1).map((group) => group ?? '');
    if (!found.groups) return { args, named: null };
    const named: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.groups)) named[name] = value ?? '';
    return { args, named };
  }

  /** Builds a path for this pattern from arguments (Tornado's `reverse_url`). */
  reverse(args: Array<string | number>): string {
    const values = args.map(String);
    if (this.native || this.wildcardAt >= 0) return this.reverseNative(values);
    return this.reverseRegex(values);
  }

  private reverseNative(values: string[]): string {
    const wanted = this.paramNames.length + (this.wildcardAt >= 0 ? 1 : 0);
    this.checkCount(wanted, values.length);
    let index = 0;
    return this.source
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) return encodeURIComponent(values[index++]);
        if (segment === '*') return values[index++].split('/').map(encodeURIComponent).join('/');
        return segment;
      })
      .join('/');
  }

  private reverseRegex(values: string[]): string {
    let body = this.source.replace(/^\^/, '').replace(/\$$/, '');
    const pieces: string[] = [];
    let groups = 0;
    let i = 0;
    let literal = '';
    while (i < body.length) {
      const c = body[i];
      if (c === '\\') {
        const next = body[i + 1] ?? '';
        if (/[A-Za-z0-9]/.test(next)) this.unreversible();
        literal += next;
        i += 2;
      } else if (c === '(') {
        const close = body.indexOf(')', i);
        if (close < 0 || body.slice(i + 1, close).includes('(') || body[i + 1] === '?' && body[i + 2] !== '<') this.unreversible();
        pieces.push(literal);
        literal = '';
        groups++;
        i = close + 1;
        if (i < body.length && '*+?{'.includes(body[i])) this.unreversible();
      } else if ('[]{}*+?|'.includes(c)) {
        this.unreversible();
      } else {
        literal += c;
        i++;
      }
    }
    this.checkCount(groups, values.length);
    body = '';
    pieces.forEach((piece, index) => (body += piece + encodeURIComponent(values[index]).replace(/%2F/gi, '/')));
    return body + literal;
  }

  private checkCount(wanted: number, given: number): void {
    if (wanted !== given) {
      throw new ConfigurationError(`Route '${this.source}' takes ${wanted} argument(s) to reverse, got ${given}`);
    }
  }

  private unreversible(): never {
    throw new ConfigurationError(
      `Route '${this.source}' cannot be reversed: only literal text and simple capture groups can be filled in`,
    );
  }
}

/** Adds `route` to a list of RegExp routes tried in order: in registration order, `'/*'` ones last. */
export function insertInMatchOrder<T extends { pattern: UrlPattern }>(list: T[], route: T): void {
  const firstCatchAll = route.pattern.catchAll ? -1 : list.findIndex((other) => other.pattern.catchAll);
  if (firstCatchAll < 0) list.push(route);
  else list.splice(firstCatchAll, 0, route);
}
