import type { DependencyContainer } from 'tsyringe';
import { ConfigurationError } from '../common/errors';
import { injectableParams, isDelayed, providerOf, providersOf, type Provider } from './container-internals';
import { constructorParameters, type ParameterSource } from './parameter-names';
import type { Constructor } from './reflection';

/** Types TypeScript records for parameters it has no class for: the container cannot make them. */
const UNMAKEABLE = new Map<unknown, string>([
  [Object, 'has no runtime type: TypeScript recorded Object (an interface, a union, a type alias or an inferred type)'],
  [Function, 'has no runtime type: TypeScript recorded Function (a class imported with "import type", or a function type)'],
  [String, 'is a primitive (TypeScript recorded String), which the container cannot make'],
  [Number, 'is a primitive (TypeScript recorded Number), which the container cannot make'],
  [Boolean, 'is a primitive (TypeScript recorded Boolean), which the container cannot make'],
  [BigInt, 'is a primitive (TypeScript recorded BigInt), which the container cannot make'],
  [Symbol, 'is a primitive (TypeScript recorded Symbol), which the container cannot make'],
  [Array, 'is an array (TypeScript recorded Array), which the container cannot make'],
  [Promise, 'is a Promise, which the container cannot make'],
]);

/** A constructor parameter being checked: its class, position and source text. */
interface Site {
  cls: Constructor;
  index: number;
  source: ParameterSource | undefined;
}

/** What a `@inject`, `@injectAll` or transform decorator recorded for a parameter. */
interface Descriptor {
  token: unknown;
  multiple?: boolean;
  isOptional?: boolean;
  transform?: unknown;
}

/**
 * Checks, when the application starts serving, that its container can make every handler
 * class: each constructor parameter, and those of the services they need, all the way down,
 * resolves to a registered token or to a class the container can construct, as tsyringe's
 * `resolve()` would on the first request. Registrations by value or factory are trusted (what a
 * factory does is known only when it runs); `delay()` tokens are left to their first use.
 * Nothing is resolved: no service is made by the check.
 *
 * @throws ConfigurationError naming, for each handler class that cannot be made, the parameter
 * (class, position, name), why it cannot be resolved, and the fix
 */
export function checkHandlerGraph(container: DependencyContainer, handlerClasses: Iterable<Constructor>): void {
  const checker = new GraphChecker(container);
  const problems: string[] = [];
  for (const cls of new Set(handlerClasses)) {
    try {
      checker.handler(cls);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length === 1) throw new ConfigurationError(problems[0]);
  if (problems.length > 1) throw new ConfigurationError(`${problems.length} handler classes cannot be made by the container:\n- ${problems.join('\n- ')}`);
}

class GraphChecker {
  /** Classes known to be constructible in this container. */
  private readonly verified = new Set<unknown>();
  /** The handler class being checked. */
  private root: Constructor | null = null;
  /** The classes constructed from the handler down to the one being checked. */
  private path: Constructor[] = [];

  constructor(private readonly container: DependencyContainer) {}

  /** A handler class, made as handlerFactory makes it: registered, or `new` without parameters, or constructed. */
  handler(cls: Constructor): void {
    this.root = cls;
    this.path = [];
    const provider = providerOf(this.container, cls);
    if (provider) return this.provided(provider, { cls, index: -1, source: undefined });
    if (cls.length > 0) this.construct(cls, null);
  }

  private construct(cls: Constructor, site: Site | null): void {
    if (this.verified.has(cls)) return;
    if (this.path.includes(cls)) throw this.problem(`${this.chain([...this.path, cls])} is a cycle of constructor parameters, which the container would follow forever. Break it with @inject(delay(() => ${cls.name})) on one side.`);
    const params = injectableParams(cls);
    if (!params || params.length === 0) {
      if (cls.length === 0) return void this.verified.add(cls);
      // A handler without recorded types was refused when its route was made: this is a service.
      throw this.problem(`${this.where(site)} is ${cls.name}, which takes ${cls.length} constructor argument(s) that the container knows nothing about. Decorate ${cls.name} with @injectable() or @singleton() (compiled by tsc with "emitDecoratorMetadata"), or register it on app.container with a factory.`);
    }
    const sources = constructorParameters(cls);
    this.path.push(cls);
    params.forEach((param, index) => this.parameter(param, { cls, index, source: sources[index] }));
    this.path.pop();
    this.verified.add(cls);
  }

  private parameter(param: unknown, site: Site): void {
    if (typeof param !== 'object' || param === null || !('token' in param)) return this.resolve(param, false, site);
    const descriptor = param as Descriptor;
    if (descriptor.transform !== undefined) this.resolve(descriptor.transform, false, site);
    if (descriptor.multiple) this.resolveAll(descriptor.token, descriptor.isOptional === true, site);
    else this.resolve(descriptor.token, descriptor.isOptional === true, site);
  }

  private resolve(token: unknown, optional: boolean, site: Site): void {
    const provider = providerOf(this.container, token);
    if (provider) return this.provided(provider, site);
    if (typeof token === 'string' || typeof token === 'symbol') {
      if (optional) return;
      throw this.problem(`${this.where(site)} is @inject(${tokenText(token)}), a token nothing registered. Register it on app.container before listen() (app.container.register(${tokenText(token)}, { useValue | useClass | useFactory })), or mark it optional: @inject(${tokenText(token)}, { isOptional: true }).`);
    }
    if (isDelayed(token)) return;
    if (typeof token !== 'function' || UNMAKEABLE.has(token)) throw this.untyped(token, site);
    this.construct(token as Constructor, site);
  }

  /** `@injectAll(token)`: every registration of the token, or (for a class) one made by the container. */
  private resolveAll(token: unknown, optional: boolean, site: Site): void {
    const providers = providersOf(this.container, token);
    if (providers) return providers.forEach((provider) => this.provided(provider, site));
    if (typeof token === 'string' || typeof token === 'symbol') {
      if (optional) return;
      throw this.problem(`${this.where(site)} is @injectAll(${tokenText(token)}), a token nothing registered. Register at least one provider for it on app.container before listen(), or mark it optional: @injectAll(${tokenText(token)}, { isOptional: true }) (an empty array).`);
    }
    this.resolve(token, false, site);
  }

  private provided(provider: Provider, site: Site): void {
    if (provider.kind === 'token') return this.resolve(provider.token, false, site);
    if (provider.kind === 'class' && !isDelayed(provider.cls)) this.construct(provider.cls as Constructor, site.index < 0 ? null : site);
  }

  private untyped(token: unknown, site: Site): ConfigurationError {
    const why = token === undefined
      ? 'has a type that was still undefined when the class was decorated (its module was not loaded yet: an import cycle)'
      : UNMAKEABLE.get(token) ?? `is typed ${String(token)}, which the container cannot make`;
    const fix = token === undefined
      ? 'Inject it with @inject(delay(() => TheClass)), or break the import cycle'
      : 'Inject it with @inject(token), a token registered on app.container before listen() (app.container.register(token, { useValue | useClass | useFactory })), or give the parameter a class type, imported with a plain import';
    const unused = site.source?.hasDefault ? ' Its default value is not used: the container fills every parameter of a class it constructs.' : '';
    return this.problem(`${this.where(site)} ${why}. ${fix}.${unused}`);
  }

  /** `parameter #1 (clock) of ItemStore (ItemHandler → ItemStore)`, `... of its constructor` on the handler itself. */
  private where(site: Site | null): string {
    if (!site || site.index < 0) return 'its registration';
    const parameter = `parameter #${site.index}${site.source ? ` (${site.source.name})` : ''}`;
    if (site.cls === this.root && this.path.length === 1) return `${parameter} of its constructor`;
    return `${parameter} of ${site.cls.name} (${this.chain(this.path)})`;
  }

  /** `ItemHandler → ItemStore → Clock`: the way from the handler class. */
  private chain(classes: Constructor[]): string {
    const steps = classes[0] === this.root ? classes : [this.root!, ...classes];
    return steps.map((step) => step.name).join(' → ');
  }

  private problem(detail: string): ConfigurationError {
    return new ConfigurationError(`${this.root!.name} cannot be made by the container: ${detail}`);
  }
}

function tokenText(token: string | symbol): string {
  return typeof token === 'string' ? `'${token}'` : token.toString();
}
