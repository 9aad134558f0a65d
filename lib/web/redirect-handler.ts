import { RequestHandler } from './request-handler';

/** Init args of {@link RedirectHandler}. */
export interface RedirectArgs {
  /** Target; `{0}`, `{1}`... are replaced with the route's path arguments. */
  url: string;
  /** 301 (default) or 302. */
  permanent?: boolean;
}

/**
 * Redirects every GET/HEAD to another URL, keeping the query string.
 *
 * @example
 * ```ts
 * new Application({ handlers: [[/^\/old\/(.*)$/, RedirectHandler, { url: '/new/{0}' }]] });
 * ```
 */
export class RedirectHandler extends RequestHandler {
  private url = '/';
  private permanent = true;

  override initialize(args: RedirectArgs): void {
    this.url = args.url;
    this.permanent = args.permanent ?? true;
  }

  async get(...args: string[]): Promise<void> {
    let target = this.url.replace(/\{(\d+)\}/g, (whole, index: string) => args[Number(index)] ?? whole);
    if (this.request.query) target += (target.includes('?') ? '&' : '?') + this.request.query;
    await this.redirect(target, this.permanent);
  }
}
