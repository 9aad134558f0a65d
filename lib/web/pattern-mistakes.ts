import { ConfigurationError } from '../common/errors';

/** Patterns uWS routes natively: literal segments, `:name` parameters, an optional last `/*`. */
export const NATIVE = /^(?:\/(?:[^/:*()[\]{}?+^$|\\]*|:[A-Za-z_$][\w$]*))*(?:\/\*)?$/;

const IDENTIFIER = /^[A-Za-z_$][\w$]*/;
const QUANTIFIER = /^\d+(?:,\d*)?$/;

/**
 * Refuses a route pattern that cannot mean what was written: the parameter syntax of other
 * frameworks (`{id}`, `<id>`, `:id?`, `:id(\d+)`), Python's regular-expression syntax
 * (`(?P<id>...)`, `(?i)`, `\Z`), a `*` that is not a whole last segment, a query string,
 * characters a request path never holds raw, and parameter names used twice. Typhoon would
 * otherwise take such a pattern as literal text, or as another regular expression, and the
 * route would never match. Called wherever a pattern gets in: `@Route`, `@WebSocket`, the
 * `handlers` setting, `addHandlers()`.
 *
 * @param owner the handler class, named in the message
 * @throws ConfigurationError naming the pattern, the class and what to write instead
 */
export function checkPattern(pattern: unknown, owner?: string): asserts pattern is string | RegExp {
  const of = owner ? ` of ${owner}` : '';
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
    throw new ConfigurationError(`The route pattern${of} must be a string ('/items/:id') or a RegExp, got ${typeof pattern === 'object' ? String(pattern) : typeof pattern}`);
  }
  const mistake = patternMistake(pattern);
  if (mistake) throw new ConfigurationError(`Route ${shown(pattern)}${of} ${mistake}`);
}

/** The pattern as written in code: `'/items/:id'` or `/^\/items$/`. */
export function shown(pattern: string | RegExp): string {
  return typeof pattern === 'string' ? `'${pattern}'` : String(pattern);
}

/** Why `pattern` cannot mean what was written, and what to write instead; null when it can. */
export function patternMistake(pattern: string | RegExp): string | null {
  if (typeof pattern !== 'string') {
    const source = pattern.source;
    return leadingLiteral(source) ?? pythonSyntax(source, false) ?? foreignParameter(source, masked(source), false) ?? rawCharacter(source, masked(source), false);
  }
  const bare = masked(pattern);
  const native = NATIVE.test(pattern);
  return (
    pythonSyntax(pattern, true) ??
    leadingSlash(pattern) ??
    foreignParameter(pattern, bare, true) ??
    segmentMistake(pattern, bare) ??
    queryString(pattern, bare) ??
    rawCharacter(pattern, bare, native) ??
    (native ? percentMistake(pattern) ?? duplicateParameter(pattern) : null)
  );
}

/**
 * `source` with every escape (`\d`, `\k<name>`) and character class (`[^/]`) blanked out by
 * NULs of the same length: what is left is literal text and syntax, at the same positions.
 */
function masked(source: string): string {
  const blank = (text: string) => '\0'.repeat(text.length);
  return source.replace(/\\k<[^>]*>|\\u\{[^}]*\}|\\[\s\S]/g, blank).replace(/\[[^\]]*\]/g, blank);
}

function leadingSlash(pattern: string): string | null {
  if (/^\^?\//.test(pattern)) return null;
  return `must start with '/' (it is matched against the request path): write '/${pattern.replace(/^\^/, '')}'`;
}

/** A RegExp whose first character is a literal other than '/' never matches a path. */
function leadingLiteral(source: string): string | null {
  const start = source.replace(/^\^/, '');
  if (!/^(?:[A-Za-z0-9_~%-]|\\[dw])/.test(start)) return null;
  return `never matches: it is matched against the whole path, which starts with '/': write /^\\/${start}/`;
}

/** Python's `re` syntax that JavaScript lacks or reads otherwise, the first found: [what, why]. */
const PYTHON: Array<[RegExp, string, (text: string) => string]> = [
  [/\(\?P</, "Python's named group '(?P<name>...)'; JavaScript writes named groups (?<name>...)", (text) => text.replace(/\(\?P</g, '(?<')],
  [/\(\?P=/, "Python's backreference '(?P=name)'; JavaScript writes \\k<name>", (text) => text.replace(/\(\?P=(\w+)\)/g, '\\k<$1>')],
  [/\(\?#/, "a Python comment group '(?#...)', which JavaScript does not have", (text) => text.replace(/\(\?#[^)]*\)/g, '')],
  [/(?<!\\)\\[AZ]/, "Python's anchor \\A or \\Z, which JavaScript reads as a letter (routes are matched against the whole path anyway)", (text) => text.replace(/(?<!\\)\\[AZ]/g, '')],
];

function pythonSyntax(text: string, isString: boolean): string | null {
  const flags = /\(\?([aiLmsux]+)\)/.exec(text);
  if (flags) {
    const jsFlags = flags[1].replace(/[^ims]/g, '');
    return `uses Python's inline flags '${flags[0]}', which JavaScript does not have: give a RegExp with the flags instead, e.g. /${text.replace(flags[0], '').replace(/\//g, '\\/')}/${jsFlags}`;
  }
  const found = PYTHON.find(([syntax]) => syntax.test(text));
  if (!found) return null;
  const fixed = PYTHON.reduce((rewritten, [, , rewrite]) => rewrite(rewritten), text);
  return `uses ${found[1]}: ${isString ? `write '${fixed}'` : `write /${fixed}/`}`;
}

/** `{id}` (OpenAPI, FastAPI, ASP.NET) and `<id>`, `<int:id>` (Flask): literal text to Typhoon. */
function foreignParameter(text: string, bare: string, isString: boolean): string | null {
  for (const brace of bare.matchAll(/\{([^{}]*)\}/g)) {
    if (QUANTIFIER.test(brace[1])) continue;
    const name = IDENTIFIER.exec(brace[1].replace(/^\*/, ''))?.[0];
    const wildcard = /^\*|\*$|:path$/.test(brace[1]);
    return `writes a parameter as '${brace[0]}' (OpenAPI and FastAPI syntax), which Typhoon would match as literal text: ${parameterFix(text, brace.index!, brace[0].length, name, wildcard, isString)}`;
  }
  const angle = /(?<!\(\?)<(?:([A-Za-z_]\w*):)?([A-Za-z_]\w*)>/.exec(bare);
  if (angle) {
    return `writes a parameter as '${angle[0]}' (Flask syntax), which Typhoon would match as literal text: ${parameterFix(text, angle.index, angle[0].length, angle[2], angle[1] === 'path', isString)}`;
  }
  return null;
}

/** What to write for a foreign parameter at `text[at, at + length)`. */
function parameterFix(text: string, at: number, length: number, name: string | undefined, wildcard: boolean, isString: boolean): string {
  if (!name) return 'Typhoon writes parameters as \':id\'';
  if (!isString) return `write a named group, /${text.slice(0, at)}(?<${name}>[^/]+)${text.slice(at + length)}/`;
  const last = text.slice(at + length) === '' && text[at - 1] === '/';
  const fixed = text.slice(0, at) + (wildcard && last ? '*' : `:${name}`) + text.slice(at + length);
  if (NATIVE.test(fixed)) return `write '${fixed}'`;
  // Around a parameter in plain text, a '.' is meant literally: escaped in the regular expression.
  const literal = (part: string) => (/^[^()[\]{}?+*^$|\\]*$/.test(part) ? part.replace(/\./g, '\\.') : part);
  return `write '${literal(text.slice(0, at))}(?<${name}>[^/]+)${literal(text.slice(at + length))}' (a regular expression: a parameter takes a whole segment)`;
}

/** Express's parameter forms and misplaced wildcards, segment by segment. */
function segmentMistake(pattern: string, bare: string): string | null {
  const segments = bare.split('/');
  // Without its stars, is the pattern plain text and parameters (no regular expression)?
  const plain = NATIVE.test(pattern.replace(/\*/g, ''));
  let at = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const raw = pattern.slice(at, at + segment.length);
    const mistake = segment.startsWith(':') ? parameterMistake(pattern, raw, at) : wildcardMistake(segment, i === segments.length - 1, plain);
    if (mistake) return mistake;
    at += segment.length + 1;
  }
  return null;
}

/** A `:` segment that is not exactly `:name`. */
function parameterMistake(pattern: string, segment: string, at: number): string | null {
  const name = IDENTIFIER.exec(segment.slice(1))?.[0];
  if (!name) return `has a parameter without a valid name ('${segment}'): a parameter is ':' and a JavaScript identifier, as in '/items/:id'`;
  const rest = segment.slice(1 + name.length);
  if (rest === '') return null;
  const before = pattern.slice(0, at - 1);
  const after = pattern.slice(at + segment.length);
  if (rest === '?') {
    return `has an optional parameter ':${name}?' (Express syntax); Typhoon has no optional parameters: register both '${before || '/'}' and '${before}/:${name}${after}' (a class may carry several @Route), or write the regular expression '${before}(?:/(?<${name}>[^/]+))?${after}'`;
  }
  if (rest.startsWith('(')) {
    return `gives the parameter ':${name}' a pattern (Express syntax), which Typhoon would match as literal text: write a regular expression with a named group, '${before}/(?<${name}>${rest.slice(1)}${after}'`;
  }
  if (rest === '*' || rest === '+') {
    return `repeats the parameter ':${name}${rest}' (Express syntax), which Typhoon would match as literal text: write '${before}/*' (the rest of the path, as one argument)`;
  }
  const groups = segment.replace(/[.+?^${}()|\\[\]]/g, '\\$&').replace(/:([A-Za-z_$][\w$]*)/g, '(?<$1>[^/]+?)');
  return `has the parameter ':${name}' followed by '${rest}' in one segment; a parameter takes a whole segment (the router cannot split it): write the regular expression '${before}/${groups}${after}'`;
}

/**
 * `*` is a wildcard only as a whole last segment (`/files/*`). In a regular expression, a
 * segment starting with `*` repeats the slash; `files*` repeats the `s` (refused when the rest
 * of the pattern is plain: that is Express's wildcard, not a regular expression).
 */
function wildcardMistake(segment: string, last: boolean, plain: boolean): string | null {
  const misplaced = segment === '*' ? !last : /^\*/.test(segment) || (plain && segment.includes('*'));
  if (!misplaced) return null;
  const where = segment === '*' ? 'in the middle' : `in '${segment}'`;
  return `has '*' ${where}; '*' is a wildcard only as the whole last segment ('/files/*', the rest of the path), and a regular expression would repeat the character before it: for one segment write ':name', otherwise a RegExp`;
}

/** A route matches the path alone: a query string in a pattern never matches. */
function queryString(pattern: string, bare: string): string | null {
  const query = /\?[A-Za-z_][\w.-]*=/.exec(bare);
  if (!query) return null;
  const path = pattern.slice(0, query.index);
  return `holds a query string; a route matches the path alone: route '${path}' and read the query with getArgument('${query[0].slice(1, -1)}')`;
}

/** Characters a request path never holds raw: clients percent-encode them, and '#' is never sent. */
function rawCharacter(text: string, bare: string, native: boolean): string | null {
  const found = (native ? /[\x01-\x20\x7f"<>`#\u{80}-\u{10ffff}]/u : /[\x01-\x20\x7f"`#\u{80}-\u{10ffff}]/u).exec(bare);
  if (!found) return null;
  const char = found[0];
  if (char === '#') return `holds '#', which starts the fragment: browsers never send it, so the route would never match: remove it`;
  const encoded = encodeURIComponent(char);
  const named = char === ' ' ? 'a space' : /[\x01-\x1f\x7f]/.test(char) ? `the control character ${JSON.stringify(char)}` : `'${char}'`;
  const fix = native ? `write '${text.replace(/[\x01-\x20\x7f"<>`\u{80}-\u{10ffff}]/gu, encodeURIComponent)}'` : `match its encoding ('${encoded}')`;
  return `holds ${named}, which clients percent-encode ('${encoded}') while routes compare the path as it arrives, so it would never match: ${fix}`;
}

/** Percent-encodings in a native pattern must be what clients send: `%` and two upper-case hex digits. */
function percentMistake(pattern: string): string | null {
  const lone = /%(?![0-9A-Fa-f]{2})/.exec(pattern);
  if (lone) return `holds a '%' that is no percent-encoding; clients send a '%' as '%25': write '${pattern.replace(/%(?![0-9A-Fa-f]{2})/g, '%25')}'`;
  const lower = /%(?:[0-9A-F][a-f]|[a-f][0-9A-Fa-f])/.exec(pattern);
  if (lower) return `writes the percent-encoding '${lower[0]}' in lower case; clients send upper case and the path is compared as it arrives: write '${pattern.replace(/%[0-9A-Fa-f]{2}/g, (code) => code.toUpperCase())}'`;
  return null;
}

/** Parameters become `pathKwargs` by name: two of one name would lose one. */
function duplicateParameter(pattern: string): string | null {
  const names = pattern.split('/').filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (!twice) return null;
  const segments = pattern.split('/');
  segments[segments.lastIndexOf(`:${twice}`)] = `:${twice}2`;
  return `names two parameters ':${twice}'; each parameter needs its own name (pathKwargs holds them by name), e.g. write '${segments.join('/')}'`;
}
