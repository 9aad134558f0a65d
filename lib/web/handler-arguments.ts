import { MissingArgumentError } from '../common/http-errors';
import type { ArgumentMap } from './form-data';

const CONTROL_CHARS = /[\x00-\x08\x0e-\x1f]/g;

/**
 * Every value of an argument, as Tornado's `get_arguments`: control characters other than
 * whitespace replaced by a space, stripped unless `strip` is false.
 */
export function argumentValues(values: string[] | undefined, strip: boolean): string[] {
  if (!values) return [];
  return values.map((value) => {
    const cleaned = value.replace(CONTROL_CHARS, ' ');
    return strip ? cleaned.trim() : cleaned;
  });
}

/**
 * The last value of an argument, as Tornado's `get_argument(name, default, strip)`: `rest` is
 * what followed the name in the call (`[]`, `[default]` or `[default, strip]`).
 *
 * @throws MissingArgumentError (400) when it is missing and no default was given
 */
export function lastArgument(args: ArgumentMap, name: string, rest: unknown[]): unknown {
  const values = argumentValues(args[name], rest.length > 1 ? rest[1] !== false : true);
  if (values.length) return values[values.length - 1];
  if (rest.length === 0) throw new MissingArgumentError(name);
  return rest[0];
}
