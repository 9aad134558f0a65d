import type { Buffer } from 'node:buffer';
import { invalidArgument } from '../common/invalid-argument';

/**
 * A value a response or a message can carry: strings and bytes as they are, everything else as
 * JSON text (objects, arrays, numbers, booleans, `null`). What `write()`, `finish()`, a verb
 * method's return value and `writeMessage()` take.
 */
export type ResponseChunk = string | Buffer | Uint8Array | object | number | boolean | null;

/** What can be sent, for error messages. */
export const SENDABLE = 'a response or message is a string, a Buffer or Uint8Array, or a value with JSON text (an object, an array, a number, a boolean or null)';

/**
 * The JSON text of `value`, or a TypeError (`code: 'TYPHOON_ERR_INVALID_ARGUMENT'`) saying who
 * was given what. `JSON.stringify` alone gives `undefined` for undefined, functions and symbols
 * (an empty body, or a crash deep in the ETag code), `{}` for a Promise somebody forgot to
 * await, and a message naming nobody for a bigint or a cycle.
 *
 * @param owner whose method was given the value (its class names it in the message), if any
 * @param method the method, `'write()'`
 */
export function jsonText(value: unknown, owner: object | undefined, method: string): string {
  if (typeof (value as PromiseLike<unknown> | null)?.then === 'function') {
    throw invalidArgument(TypeError, `${given(owner, method)} a Promise: await it and pass its value (${SENDABLE})`);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw invalidArgument(TypeError, `${given(owner, method)} ${describe(value)}, which JSON.stringify refuses (${(error as Error).message}); ${SENDABLE}`);
  }
  if (json === undefined) throw invalidArgument(TypeError, `${given(owner, method)} ${describe(value)}, which has no JSON text; ${SENDABLE}`);
  return json;
}

function given(owner: object | undefined, method: string): string {
  return owner ? `${owner.constructor.name}.${method} was given` : `${method} was given`;
}

/** A value named for an error message, without printing a user's data. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'function':
      return value.name ? `a function (${value.name})` : 'a function';
    case 'object':
      return value === null ? 'null' : `an object (${(value as { constructor?: { name?: string } }).constructor?.name ?? 'no prototype'})`;
    default:
      return `a ${typeof value}`;
  }
}
