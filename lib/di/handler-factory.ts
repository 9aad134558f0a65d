import { injectable, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { ConfigurationError } from '../errors';
import { constructorParamTypes, constructorTokens, type Constructor } from './reflection';

/**
 * Builds, once per route, the function that makes a handler instance for each request.
 * A handler without constructor parameters is created with `new` (no container work per
 * request); one with parameters is resolved through the application's container, so its
 * services are injected with their registered lifecycles.
 */
export function handlerFactory<T>(container: DependencyContainer, cls: Constructor<T>): () => T {
  if (container.isRegistered(cls, true)) return () => container.resolve(cls);
  if (cls.length === 0) return () => new cls();
  if (!constructorParamTypes(cls)) {
    throw new ConfigurationError(
      `${cls.name} takes ${cls.length} constructor argument(s) but no parameter types were recorded for ` +
        'them: decorate the class (@Route, @WebSocket or @injectable()) and compile with tsc using ' +
        '"experimentalDecorators" and "emitDecoratorMetadata" (esbuild-based runners drop the metadata).',
    );
  }
  // Classes given in tuple form may carry metadata without tsyringe knowing them yet.
  injectable()(cls);
  return stableDependencyFactory(container, cls) ?? (() => container.resolve(cls));
}

/**
 * Skips the container for dependencies that cannot change: on the first request each
 * parameter is resolved twice; one that comes back as the same object (a singleton or
 * container-scoped service) is kept and passed to every later handler, the others are
 * resolved per request. Null when a parameter is not a plain token (`@injectAll`, transforms).
 */
function stableDependencyFactory<T>(container: DependencyContainer, cls: Constructor<T>): (() => T) | null {
  const tokens = constructorTokens(cls);
  if (!tokens || tokens.some((token) => !isPlainToken(token))) return null;
  const resolve = (token: unknown) => container.resolve(token as InjectionToken);
  let make: (() => T) | null = null;
  // Decided on the first request, when every service can be resolved.
  const specialize = (): (() => T) => {
    const stable = tokens.map((token) => {
      const first = resolve(token);
      return first === resolve(token) ? first : NOT_STABLE;
    });
    if (!stable.includes(NOT_STABLE)) {
      // Every dependency fixed: a plain `new` with constants.
      if (stable.length === 1) {
        const [a] = stable;
        return () => new cls(a);
      }
      if (stable.length === 2) {
        const [a, b] = stable;
        return () => new cls(a, b);
      }
      return () => new cls(...stable);
    }
    return () => {
      const args = new Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) args[i] = stable[i] === NOT_STABLE ? resolve(tokens[i]) : stable[i];
      return new cls(...args);
    };
  };
  return () => (make ??= specialize())();
}

const NOT_STABLE = Symbol('not stable');

function isPlainToken(token: unknown): boolean {
  return typeof token === 'function' || typeof token === 'string' || typeof token === 'symbol';
}
