import type { Constructor } from './reflection';

/** One constructor parameter as its source reads: `clock`, `greeting = 'hi'`, `{ a, b }`. */
export interface ParameterSource {
  /** The parameter's text, without its default value (and shortened when long). */
  name: string;
  /** True when the source gives it a default value (`greeting = 'hi'`). */
  hasDefault: boolean;
}

const OPEN = '([{';
const CLOSE = ')]}';

/**
 * The parameters of a class's own constructor, read from its compiled source (tsc keeps their
 * names: `constructor(private clock: Clock)` compiles to `constructor(clock)`). Empty when the
 * class declares no constructor of its own; used only to name parameters in error messages.
 *
 * @example
 * ```ts
 * constructorParameters(class { constructor(store: unknown, greeting = 'hi') {} });
 * // [{ name: 'store', hasDefault: false }, { name: 'greeting', hasDefault: true }]
 * ```
 */
export function constructorParameters(cls: Constructor): ParameterSource[] {
  const source = Function.prototype.toString.call(cls);
  const at = /(?<![.\w$])constructor\s*\(/.exec(source);
  if (!at) return [];
  return splitTopLevel(source, at.index + at[0].length).map(describe).filter((parameter) => parameter.name !== '');
}

/** The comma-separated items from `start` up to the parenthesis that closes there. */
function splitTopLevel(source: string, start: number): string[] {
  const items: string[] = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < source.length; i++) {
    const char = source[i];
    if (char === '"' || char === "'" || char === '`') i = skipString(source, i);
    else if (char === '/' && (source[i + 1] === '/' || source[i + 1] === '*')) i = skipComment(source, i);
    else if (OPEN.includes(char)) depth++;
    else if (CLOSE.includes(char) && depth-- === 0) {
      items.push(source.slice(from, i));
      break;
    } else if (char === ',' && depth === 0) {
      items.push(source.slice(from, i));
      from = i + 1;
    }
  }
  return items;
}

function skipString(source: string, open: number): number {
  const quote = source[open];
  for (let i = open + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === quote) return i;
  }
  return source.length;
}

function skipComment(source: string, open: number): number {
  const end = source[open + 1] === '/' ? source.indexOf('\n', open) : source.indexOf('*/', open + 2) + 1;
  return end <= 0 ? source.length : end;
}

function describe(item: string): ParameterSource {
  const text = item.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '').trim();
  const equals = topLevelEquals(text);
  const name = (equals < 0 ? text : text.slice(0, equals)).trim().replace(/\s+/g, ' ');
  return { name: name.length > 40 ? `${name.slice(0, 37)}...` : name, hasDefault: equals >= 0 };
}

/** Where the default value starts (`=` outside brackets, not part of `=>`), or -1. */
function topLevelEquals(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (OPEN.includes(char)) depth++;
    else if (CLOSE.includes(char)) depth--;
    else if (char === '=' && depth === 0 && text[i + 1] !== '>') return i;
  }
  return -1;
}
