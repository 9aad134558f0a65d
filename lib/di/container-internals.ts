/**
 * What Typhoon reads of tsyringe beyond its public API, in one place: the registration a token
 * resolves to (to follow a `useClass` or `useToken` when checking the graph at start-up), the
 * parameters `@injectable()` recorded for a class, and `delay()`'s wrapper class. Each read has
 * a fallback that checks less, never more, should a tsyringe release rename what it reads.
 */
import { delay, Lifecycle, type DependencyContainer } from 'tsyringe';
import { constructorTokens, type Constructor } from './reflection';

/** How a registered token is made: what the start-up check follows (`value` and `factory` are opaque). */
export type Provider =
  | { kind: 'value' }
  | { kind: 'factory' }
  | { kind: 'token'; token: unknown }
  | { kind: 'class'; cls: unknown };

/** A registration as tsyringe keeps it. */
interface Registration {
  provider: { useValue?: unknown; useFactory?: unknown; useToken?: unknown; useClass?: unknown } | Constructor;
  options?: { lifecycle?: Lifecycle };
}

/** tsyringe's InternalDependencyContainer, as far as it is read here. */
interface Internals {
  parent?: Internals;
  getRegistration?(token: unknown): Registration | null;
  getAllRegistrations?(token: unknown): Registration[] | null;
  isRegistered(token: unknown, recursive?: boolean): boolean;
  register(token: unknown, provider: unknown, options?: unknown): unknown;
}

const internals = (container: DependencyContainer) => container as unknown as Internals;

/** The provider tsyringe uses for `token` in `container` or its parents; null when nothing registered it. */
export function providerOf(container: DependencyContainer, token: unknown): Provider | null {
  const own = internals(container);
  if (typeof own.getRegistration !== 'function') return own.isRegistered(token, true) ? { kind: 'factory' } : null;
  const registration = own.getRegistration(token);
  return registration ? describe(registration) : null;
}

/** Every provider `@injectAll(token)` gets; null when nothing registered the token. */
export function providersOf(container: DependencyContainer, token: unknown): Provider[] | null {
  const own = internals(container);
  if (typeof own.getAllRegistrations !== 'function') return own.isRegistered(token, true) ? [{ kind: 'factory' }] : null;
  return own.getAllRegistrations(token)?.map(describe) ?? null;
}

function describe(registration: Registration): Provider {
  const provider = registration.provider;
  if (typeof provider === 'function') return { kind: 'class', cls: provider };
  if (provider.useValue !== undefined) return { kind: 'value' };
  if (provider.useToken) return { kind: 'token', token: provider.useToken };
  if (provider.useClass) return { kind: 'class', cls: provider.useClass };
  return { kind: 'factory' };
}

/**
 * Makes `container` take its own copy of a container-scoped registration (`@singleton()`) that
 * its parent received after `container` was made, the first time it resolves that token.
 * tsyringe copies them only when a child container is created: a service decorated later
 * (declared after `new Application()`) would otherwise come from the root, one instance for the
 * whole process instead of one per application. Nested resolutions go through the same method
 * (tsyringe calls `this.resolve`), so services that need it are covered too.
 */
export function adoptLateSingletons(container: DependencyContainer): void {
  const own = internals(container);
  const resolve = container.resolve.bind(container);
  const resolveAll = container.resolveAll.bind(container);
  const adopt = (token: unknown) => {
    if (own.isRegistered(token) || typeof own.parent?.getRegistration !== 'function') return;
    const registration = own.parent.getRegistration(token);
    if (registration?.options?.lifecycle === Lifecycle.ContainerScoped) own.register(token, registration.provider, { lifecycle: Lifecycle.ContainerScoped });
  };
  container.resolve = ((token: unknown, ...rest: unknown[]) => {
    adopt(token);
    return (resolve as (...args: unknown[]) => unknown)(token, ...rest);
  }) as DependencyContainer['resolve'];
  container.resolveAll = ((token: unknown, ...rest: unknown[]) => {
    adopt(token);
    return (resolveAll as (...args: unknown[]) => unknown)(token, ...rest);
  }) as DependencyContainer['resolveAll'];
}

/** tsyringe's record of the parameters of each `@injectable()` class (its `typeInfo`). */
let typeInfo: Map<unknown, unknown[]> | null | undefined;

function loadTypeInfo(): Map<unknown, unknown[]> | null {
  try {
    const found = (require('tsyringe/dist/cjs/dependency-container') as { typeInfo?: unknown }).typeInfo;
    return found instanceof Map ? (found as Map<unknown, unknown[]>) : null;
  } catch {
    return null;
  }
}

/**
 * The parameters tsyringe resolves when it constructs `cls`: types or `@inject` descriptors,
 * as `@injectable()` recorded them; undefined for a class it was never told about (tsyringe
 * then calls `new cls()`, or fails with "TypeInfo not known" when it takes arguments).
 */
export function injectableParams(cls: unknown): unknown[] | undefined {
  typeInfo ??= loadTypeInfo();
  if (typeInfo) return typeInfo.get(cls);
  // Without tsyringe's record: what @injectable() records from the compiler's metadata.
  return typeof cls === 'function' ? constructorTokens(cls as Constructor) : undefined;
}

/** The class of what `delay(() => Class)` returns (tsyringe resolves it lazily, through a proxy). */
const DelayedConstructor = delay(() => Object).constructor;

/** True for a `delay(() => Class)` token: resolved on first use, so not checked at start-up. */
export function isDelayed(token: unknown): boolean {
  return token instanceof DelayedConstructor;
}
