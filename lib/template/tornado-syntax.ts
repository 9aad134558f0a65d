/**
 * Tornado's template syntax in a Handlebars template: a directive block (`{% for x in items %}
 * ... {% end %}`) that Handlebars would copy to the page as text, or a Python expression
 * (`{{ static_url("app.css") }}`) that Handlebars cannot parse. Found when the template is
 * compiled, each with the Handlebars to write instead.
 */

/** One piece of Tornado syntax: where, as written, and the Handlebars equivalent. */
export interface TornadoSyntax {
  /** 1-based line of the first piece found. */
  line: number;
  /** The piece as written (`{% for x in items %}`). */
  text: string;
  /** What to write in Handlebars. */
  write: string;
  /** Lines of the other pieces found (up to ten). */
  others: number[];
}

/**
 * Directives only Tornado writes: its `{% end %}` closes every block (Jinja, Django, Liquid and
 * Nunjucks close with `{% endfor %}`, `{% endif %}`...), and these have no counterpart there. A
 * template holding none of them may show `{% ... %}` as text, as a page about Jinja does.
 */
const TORNADO_ONLY = /\{%-?\s*(?:end\s*-?%\}|module\s|whitespace\s|raw\s+\S|autoescape\s+(?:None|xhtml_escape)|import\s+[\w.]+\s*-?%\}|from\s+[\w.]+\s+import\s)/;
const DIRECTIVE = /\{%-?\s*(\w+)\s*(.*?)\s*-?%\}/g;
/** A Python call, subscript or conditional expression inside `{{ }}`: never Handlebars. */
const EXPRESSION = /(?<!\\)\{\{\s*(\w+(?:\.\w+)*)([([])(.*?)\s*\}\}|(?<!\\)\{\{\s*([^{}]+?)\s+if\s+([^{}]+?)\s+else\s+([^{}]+?)\s*\}\}/g;

/** The Tornado syntax in a template's source (comments, raw blocks and `\{{` skipped), or null. */
export function findTornadoSyntax(source: string): TornadoSyntax | null {
  const text = withoutLiterals(source);
  const found: Array<{ index: number; text: string; write: string }> = [];
  if (TORNADO_ONLY.test(text)) {
    for (const match of text.matchAll(DIRECTIVE)) found.push({ index: match.index!, text: match[0], write: directive(match[1], match[2]) });
  }
  for (const match of text.matchAll(EXPRESSION)) found.push({ index: match.index!, text: match[0], write: expression(match) });
  if (found.length === 0) return null;
  found.sort((a, b) => a.index - b.index);
  const lineOf = (index: number) => source.slice(0, index).split('\n').length;
  const others = [...new Set(found.slice(1).map((piece) => lineOf(piece.index)))].slice(0, 10);
  return { line: lineOf(found[0].index), text: found[0].text, write: found[0].write, others };
}

/** The source with what Handlebars reads as text (comments, raw blocks, `\{{...}}`) blanked, lines kept. */
function withoutLiterals(source: string): string {
  const blank = (part: string) => part.replace(/[^\n]/g, ' ');
  return source.replace(/\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}|\{\{\{\{([^}]+)\}\}\}\}[\s\S]*?\{\{\{\{\/\1\}\}\}\}|\\\{\{[\s\S]*?\}\}/g, blank);
}

/** Handlebars for one Tornado directive. */
function directive(name: string, rest: string): string {
  switch (name) {
    case 'for':
      return forLoop(rest);
    case 'if':
      if (/^not\s+[\w.]+$/.test(rest)) return `{{#unless ${rest.slice(3).trim()}}} ... {{/unless}}`;
      return condition(rest, (value) => `{{#if ${value}}} ... {{else}} ... {{/if}}`);
    case 'elif':
      return condition(rest, (value) => `{{else if ${value}}}`);
    case 'else':
      return '{{else}}';
    case 'end':
      return 'the closing tag of its block: {{/each}}, {{/if}}, {{/unless}}';
    case 'extends':
    case 'block':
      return `a layout: start the page with {{!< ${unquoted(rest).replace(/\.html$/, '') || 'main'}}} and put {{{body}}} in layouts/${unquoted(rest) || 'main.html'}; other blocks become partials ({{> name}})`;
    case 'include':
      return `a partial: {{> ${unquoted(rest).replace(/\.html$/, '')}}} (its file under partials/)`;
    case 'module':
      return 'a partial ({{> name}}, its file under partials/) or a helper in the uiMethods setting';
    case 'raw':
      return `{{{${rest}}}} (three braces: not escaped)`;
    case 'comment':
      return `{{!-- ${rest} --}}`;
    case 'autoescape':
      return 'the autoescape setting, or {{{value}}} for one value not to escape';
    case 'set':
      return 'compute the value in the handler and pass it in the render() context';
    case 'import':
    case 'from':
      return 'a helper in the uiMethods setting';
    default:
      return 'do it in the handler, or in a helper of the uiMethods setting';
  }
}

function forLoop(rest: string): string {
  const loop = /^(.+?)\s+in\s+(.+)$/.exec(rest);
  if (!loop) return '{{#each list}} ... {{/each}}';
  const names = loop[1].replace(/[()]/g, '').split(/\s*,\s*/);
  const pairs = /^([\w.]+)\.items\(\)$/.exec(loop[2]);
  const list = pairs ? pairs[1] : loop[2];
  if (!/^[\w.]+$/.test(list)) return `{{#each list as |${names[0]}|}} ... {{/each}}, with the list computed in the handler (Handlebars evaluates no Python: ${loop[2]})`;
  // {{#each}} gives the value first, then the key or index.
  const params = pairs || names.length > 1 ? `${names[names.length - 1]} ${names[0]}` : names[0];
  return `{{#each ${list} as |${params}|}} ... {{/each}}`;
}

/** Handlebars for a Tornado condition: one name as is; else a value computed in the handler. */
function condition(rest: string, write: (value: string) => string): string {
  if (/^[\w.]+$/.test(rest)) return write(rest);
  return `${write('flag')}, with flag = ${rest} computed in the handler and passed in the render() context (Handlebars tests one value)`;
}

function unquoted(text: string): string {
  return text.replace(/^["']|["']$/g, '');
}

/** Handlebars for one Python expression in `{{ }}`. */
function expression(match: RegExpMatchArray): string {
  // A quoted branch is text; a name is a value.
  const branch = (part: string) => /^(["']).*\1$/.test(part) ? part.slice(1, -1) : `{{${part}}}`;
  if (match[4]) return condition(match[5], (value) => `{{#if ${value}}}${branch(match[4])}{{else}}${branch(match[6])}{{/if}}`);
  const [, callee, bracket, inside] = match;
  if (bracket === '[') {
    const key = /^(["'])(\w+)\1\]$/.exec(inside)?.[2] ?? /^(\d+)\]$/.exec(inside)?.[1];
    return key ? `{{${callee}.${/^\d/.test(key) ? `[${key}]` : key}}}` : `{{lookup ${callee} ${inside.replace(/\]$/, '')}}}`;
  }
  const args = inside.replace(/\)$/, '').trim();
  const helper = HELPERS[callee];
  if (helper === '') return `{{${args}}} (escaped by default)`;
  const spaced = args === '' ? '' : ` ${args.split(/\s*,\s*/).map((arg) => arg.replace(/^'(.*)'$/, '"$1"')).join(' ')}`;
  const name = helper ?? callee;
  return `{{${name}${spaced}}}${helper === undefined ? ` (a helper of the uiMethods setting named ${callee}; helpers take their arguments after spaces, without parentheses)` : ''}`;
}

/** Tornado's template functions and Typhoon's helpers for them ('' : none needed). */
const HELPERS: Record<string, string> = {
  static_url: 'staticUrl',
  reverse_url: 'reverseUrl',
  xsrf_form_html: 'xsrfFormHtml',
  json_encode: 'json',
  escape: '',
  xhtml_escape: '',
};
