import type { StandardSchemaV1 } from '@standard-schema/spec';
import { invalidArgument } from '../common/invalid-argument';
import { ValidationError, type ValidationIssue } from '../common/http-errors';

export type { StandardSchemaV1 };
export { ValidationError, type ValidationIssue };

/** The value a Standard Schema produces when the input satisfies it. */
export type SchemaOutput<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

/**
 * Checks `value` against any Standard Schema (zod, valibot, arktype, ...) and resolves with the
 * schema's output (parsed, with its defaults and transforms applied).
 *
 * @param where what the value is, for the error (`'body'`, `'arguments'`, ...)
 * @throws ValidationError (a 400 answered with problem details) when the value fails the schema
 * @throws TypeError when `schema` is not a Standard Schema
 */
export async function validate<S extends StandardSchemaV1>(schema: S, value: unknown, where = 'input'): Promise<SchemaOutput<S>> {
  const standard = (schema as Partial<StandardSchemaV1> | null)?.['~standard'];
  if (!standard || typeof standard.validate !== 'function') {
    throw invalidArgument(TypeError, 'Expected a Standard Schema (zod 3.24+, valibot 1+, arktype 2+, ...): an object with a "~standard" property');
  }
  let result = standard.validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues) throw new ValidationError(result.issues.map(toIssue), where);
  return result.value as SchemaOutput<S>;
}

/** An issue with its path as a JSON Pointer (RFC 6901: `/tags/1`, `''` for the whole value), as RFC 9457 examples do. */
function toIssue(issue: StandardSchemaV1.Issue): ValidationIssue {
  const path = (issue.path ?? []).map((segment) => `/${String(typeof segment === 'object' ? segment.key : segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  return { path, message: typeof issue.message === 'string' && issue.message ? issue.message : 'Invalid value' };
}

/**
 * An argument map as a plain object for a schema: a name given once is a string, one given
 * several times an array of strings (as forms and query strings send them).
 */
export function argumentObject(args: Record<string, string[]>): Record<string, string | string[]> {
  const object: Record<string, string | string[]> = {};
  // Defined, not assigned: an argument named __proto__ is a property like any other.
  for (const [name, values] of Object.entries(args)) {
    Object.defineProperty(object, name, { value: values.length === 1 ? values[0] : values, enumerable: true, writable: true, configurable: true });
  }
  return object;
}
