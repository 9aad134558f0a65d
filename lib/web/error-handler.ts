import { HTTPError } from '../common/http-errors';
import { RequestHandler } from './request-handler';

/**
 * Answers every request with one status (init args `{ statusCode }`): the default for paths
 * no route matches (404). XSRF checks are skipped for it.
 *
 * @example
 * ```ts
 * new Application({ handlers: [['/gone', ErrorHandler, { statusCode: 410 }]] });
 * ```
 */
export class ErrorHandler extends RequestHandler {
  static override readonly SUPPORTED_METHODS = ['GET', 'HEAD', 'POST', 'DELETE', 'PATCH', 'PUT', 'OPTIONS'];
  private statusCode = 404;

  override initialize(args: { statusCode?: number }): void {
    this.statusCode = args.statusCode ?? 404;
  }

  override prepare(): void {
    throw new HTTPError(this.statusCode);
  }

  /** Never reached: `prepare()` always ends the request. Present so every method is routed. */
  get(): void {}
  head(): void {}
  post(): void {}
  delete(): void {}
  patch(): void {}
  put(): void {}
  options(): void {}

  /** ErrorHandler routes never check XSRF: the request is refused anyway. */
  override checkXsrfCookie(): void {}
}
