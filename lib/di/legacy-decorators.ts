import { injectable as tsyringeInjectable } from 'tsyringe';
import { ConfigurationError } from '../common/errors';
import type { Constructor } from './reflection';

/**
 * Refuses a decorator applied the standard (TC39) way. Typhoon's decorators and tsyringe's
 * work with TypeScript's `experimentalDecorators`; without that flag (and with a target that
 * tsc lowers decorators for) each decorator is called with a context object as its second
 * argument, and would otherwise fail somewhere far from the cause.
 *
 * @throws ConfigurationError naming the tsconfig flags
 */
export function requireLegacyDecorators(name: string, args: ArrayLike<unknown>): void {
  const context = args[1];
  if (args.length === 2 && typeof context === 'object' && context !== null && 'kind' in context) {
    throw new ConfigurationError(
      `@${name} was applied as a standard (TC39) decorator: Typhoon's decorators need "experimentalDecorators": true ` +
        'and "emitDecoratorMetadata": true in the compilerOptions of tsconfig.json, and a build with tsc (esbuild-based runners drop the metadata).',
    );
  }
}

/**
 * tsyringe's `@injectable()`, refusing standard decorators with a message that names the fix.
 *
 * @example
 * ```ts
 * @injectable()
 * class Mailer { constructor(private readonly client: AsyncHTTPClient) {} }
 * ```
 */
export function injectable<T>(options?: Parameters<typeof tsyringeInjectable<T>>[0]): (target: Constructor<T>) => void {
  const decorate = tsyringeInjectable<T>(options) as (target: Constructor<T>) => void;
  return function (target: Constructor<T>) {
    requireLegacyDecorators('injectable', arguments);
    decorate(target);
  };
}
