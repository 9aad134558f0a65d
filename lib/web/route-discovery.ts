import { decoratedClasses, type Constructor } from '../di/reflection';
import type { HandlerSpec } from './router';

/** Classes some application was given explicitly (`handlers`, `addHandlers()`, a tuple). */
const given = new WeakSet<Constructor>();

/** The class of a `handlers` entry (undefined for an entry that is not one; the router refuses it). */
function classOf(spec: HandlerSpec): Constructor | undefined {
  const cls = Array.isArray(spec) ? spec[1] : spec;
  return typeof cls === 'function' ? cls : undefined;
}

/**
 * Notes the classes of `specs` as given to an application: applications that discover their
 * routes leave them to it. An extension that declares its handler classes inside its function
 * and adds them with `addHandlers()` (samples/extensions/health.ts) makes new classes for each
 * application it is registered on; without this, a second application in the process (a test
 * suite's) would find the first one's as well, on the same paths.
 */
export function noteGiven(specs: readonly HandlerSpec[]): void {
  for (const spec of specs) {
    const cls = classOf(spec);
    if (cls) given.add(cls);
  }
}

/**
 * The classes decorated with `@Route` or `@WebSocket` that an application given no `handlers`
 * serves: every one defined by the time it starts serving, in the order they were declared,
 * except those another application was given explicitly. Looked at incrementally (at
 * construction, at each `addHandlers()`, and when serving starts), so that routes keep the order
 * in which the code declared or added them. A class given explicitly as a class to this
 * application after it was discovered is not added twice.
 *
 * @example
 * ```ts
 * const discovery = new RouteDiscovery();
 * router.addAll(discovery.discover());                // classes declared so far
 * router.addAll(discovery.give([['/old', Legacy]]));  // addHandlers()
 * ```
 */
export class RouteDiscovery {
  /** Classes given to this application explicitly, in any form. */
  private readonly mine = new Set<Constructor>();
  /** Classes whose decorated routes this application has: given as classes, or discovered. */
  private readonly routed = new Set<Constructor>();
  private readonly discovered = new Set<Constructor>();
  /** How many of decoratedClasses() (a list that only grows) were looked at. */
  private seen = 0;

  /** Notes specs given explicitly; returns those to add (a class discovered already is dropped). */
  give(specs: readonly HandlerSpec[]): HandlerSpec[] {
    return specs.filter((spec) => {
      const cls = classOf(spec);
      if (!cls) return true;
      this.mine.add(cls);
      if (Array.isArray(spec)) return true;
      if (this.discovered.has(cls)) return false;
      this.routed.add(cls);
      return true;
    });
  }

  /** The decorated classes defined since the last call that this application serves, in declaration order. */
  discover(): Constructor[] {
    const all = decoratedClasses();
    const found: Constructor[] = [];
    for (; this.seen < all.length; this.seen++) {
      const cls = all[this.seen];
      if (this.routed.has(cls) || (given.has(cls) && !this.mine.has(cls))) continue;
      this.routed.add(cls);
      this.discovered.add(cls);
      found.push(cls);
    }
    return found;
  }
}
