import { Lifecycle, scoped } from 'tsyringe';
import { requireLegacyDecorators } from './legacy-decorators';
import type { Constructor } from './reflection';

/**
 * A service with one instance per application (not per process): registered in tsyringe's
 * root container as container-scoped, so every `Application`, whose container is a child of
 * the root, gets its own instance, created on first use and kept as long as the app.
 * Two applications in one process (tests!) never share it, also when it is declared after
 * `new Application()` (each application's container takes its own copy of the registration the
 * first time it resolves it).
 *
 * @example
 * ```ts
 * @singleton()
 * class ItemStore { items = new Map<string, Item>(); }
 * ```
 */
export function singleton<T>(): (target: Constructor<T>) => void {
  const decorate = scoped(Lifecycle.ContainerScoped) as (target: Constructor<T>) => void;
  return function (target: Constructor<T>) {
    requireLegacyDecorators('singleton', arguments);
    decorate(target);
  };
}
