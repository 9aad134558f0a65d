import { injectable, type DependencyContainer } from 'tsyringe';
import { ConfigurationError } from '../errors';
import { constructorParamTypes, type Constructor } from './reflection';

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
  return () => container.resolve(cls);
}
