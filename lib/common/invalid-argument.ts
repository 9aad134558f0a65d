/**
 * @internal A `TypeError` or `RangeError` (what JavaScript throws for an argument of the wrong type or
 * range) that also carries `code: 'TYPHOON_ERR_INVALID_ARGUMENT'`, as Node's own argument errors
 * are a `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'`: `instanceof RangeError` keeps working,
 * and the code says it came from Typhoon.
 */
export function invalidArgument<E extends TypeError | RangeError>(ErrorClass: new (message: string) => E, message: string): E & { code: 'TYPHOON_ERR_INVALID_ARGUMENT' } {
  return Object.assign(new ErrorClass(message), { code: 'TYPHOON_ERR_INVALID_ARGUMENT' as const });
}
