import type { DependencyContainer } from 'tsyringe';
import { handlerFactory } from '../di/handler-factory';
import { isStreamRequestBody, type Constructor } from '../di/reflection';
import { httpShape, lifecycleSteps, type Step } from './lifecycle';
import { RequestHandler } from './request-handler';
import { UrlPattern } from './url-pattern';

/**
 * Everything the request path needs about one route, computed once at start-up: the pattern,
 * the factory that makes handler instances, which methods the class implements and which
 * handler method serves each.
 */
export class HandlerRoute {
  readonly pattern: UrlPattern;
  readonly create: () => RequestHandler;
  /** Upper-case method → handler method name (`HEAD` → `get` when there is no `head`). */
  readonly verbs = new Map<string, string>();
  /** Value of the `Allow` header on 405. */
  readonly allowHeader: string;
  readonly streamBody: boolean;
  private steps: Step[] = [];
  private stepsFor: unknown = null;

  constructor(
    pattern: string | RegExp,
    readonly handlerClass: Constructor<RequestHandler>,
    readonly initArgs: Record<string, unknown>,
    readonly name: string | undefined,
    container: DependencyContainer,
  ) {
    this.pattern = new UrlPattern(pattern, handlerClass.name);
    this.create = handlerFactory(container, handlerClass);
    const proto = handlerClass.prototype as Record<string, unknown>;
    const supported = (handlerClass as unknown as typeof RequestHandler).SUPPORTED_METHODS ?? RequestHandler.SUPPORTED_METHODS;
    for (const method of supported) {
      const name = method.toLowerCase();
      if (typeof proto[name] === 'function') this.verbs.set(method, name);
      // HEAD without head() is answered by get() without a body (RFC 9110).
      else if (method === 'HEAD' && typeof proto.get === 'function') this.verbs.set(method, 'get');
    }
    this.allowHeader = [...this.verbs.keys()].join(', ');
    this.streamBody = isStreamRequestBody(handlerClass);
  }

  /** The lifecycle steps for this route's handlers (built on the first request, per class). */
  lifecycle(handler: RequestHandler): Step[] {
    // The container may make a subclass of handlerClass: the steps follow the instance's class.
    if (handler.constructor !== this.stepsFor) {
      this.steps = lifecycleSteps(handler.constructor, handler.settings, handler.application.hooks, httpShape(this));
      this.stepsFor = handler.constructor;
    }
    return this.steps;
  }
}
