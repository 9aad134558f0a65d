import { Lifecycle, scoped } from 'tsyringe';
import { requireLegacyDecorators } from './legacy-decorators';
import type { Constructor } from './reflection';

/**
 * A service with one instance per application (not per process): registered in tsyringe's
 * root container as container-scoped, so every `Application`, whose container is a child of
 * the root, gets its own instance, created on first use and kept as long as the app.
 * Two applications in one process (tests!) never share it. One decorated after the
 * `Application` was made is copied into its container when it starts serving, if a handler
 * needs it; resolve it yourself before then and import it first.
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
