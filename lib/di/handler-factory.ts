import { injectable, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { ConfigurationError } from '../common/errors';
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
 * Skips the container where it would do the same work every time: on the first request each
 * parameter is resolved twice; one that comes back as the same object (a singleton or
 * container-scoped service) is kept and passed to every later instance. A parameter that is a
 * new object each time and whose class the container does not know (an `@injectable()` service,
 * made per resolution) gets a factory of its own built the same way, up to a few levels deep;
 * anything else (registered providers, disposable services, `@injectAll`, transforms) is
 * resolved by the container per request. Null when a parameter is not a plain token.
 */
function stableDependencyFactory<T>(container: DependencyContainer, cls: Constructor<T>, depth = 0): (() => T) | null {
  const tokens = constructorTokens(cls);
  if (!tokens) return depth > 0 && cls.length === 0 ? () => new cls() : null;
  if (tokens.some((token) => !isPlainToken(token))) return null;
  const resolve = (token: unknown) => container.resolve(token as InjectionToken);
  let make: (() => T) | null = null;
  // Decided on the first request, when every service can be resolved.
  const specialize = (): (() => T) => {
    const makers = tokens.map((token): { value: unknown } | (() => unknown) => {
      const first = resolve(token);
      if (first === resolve(token)) return { value: first };
      const nested = depth < MAX_DEPTH && typeof token === 'function' && !container.isRegistered(token as InjectionToken, true) && !isDisposable(token)
        ? stableDependencyFactory(container, token as Constructor, depth + 1)
        : null;
      return nested ?? (() => resolve(token));
    });
    if (makers.every((maker) => typeof maker !== 'function')) {
      // Every dependency fixed: a plain `new` with constants.
      const stable = makers.map((maker) => (maker as { value: unknown }).value);
      if (stable.length === 0) return () => new cls();
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
    if (makers.length === 1) {
      const only = makers[0] as () => unknown;
      return () => new cls(only());
    }
    return () => {
      const args = new Array(makers.length);
      for (let i = 0; i < makers.length; i++) {
        const maker = makers[i];
        args[i] = typeof maker === 'function' ? maker() : maker.value;
      }
      return new cls(...args);
    };
  };
  return () => (make ??= specialize())();
}

/** How deep per-request services are built without the container (deeper: the container). */
const MAX_DEPTH = 4;

/** Services with `dispose()`: the container keeps those it makes, to dispose of them with itself. */
function isDisposable(token: unknown): boolean {
  return typeof (token as { prototype?: { dispose?: unknown } }).prototype?.dispose === 'function';
}

function isPlainToken(token: unknown): boolean {
  return typeof token === 'function' || typeof token === 'string' || typeof token === 'symbol';
}
