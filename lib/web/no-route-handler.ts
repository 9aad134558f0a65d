import { ErrorHandler } from './error-handler';

/**
 * The default route when no `defaultHandlerClass` is set: 404 for every request. With
 * `serveTraceback` (`debug`), the page says which routes the application has, in the order they
 * are tried, instead of a stack trace of this handler: a newcomer's route that is not there (a
 * class never imported, a pattern that does not match) shows at once. Init args: the routes.
 */
export class NoRouteHandler extends ErrorHandler {
  private routes: () => string[] = () => [];

  override initialize(args: { statusCode?: number; routes?: () => string[] }): void {
    super.initialize(args);
    if (args.routes) this.routes = args.routes;
  }

  override prepare(): void {
    if (!this.settings.serveTraceback) return super.prepare();
    const routes = this.routes();
    this.setStatus(404);
    this.setHeader('Content-Type', 'text/plain; charset=UTF-8');
    const listed = routes.length ? `The application's routes:\n${routes.map((route) => `  ${route}`).join('\n')}` : 'The application has no routes.';
    void this.finish(`404: Not Found\n\nNo route matches ${this.request.method} ${this.request.path}. ${listed}\n\n(Listed because serveTraceback or debug is on.)\n`);
  }
}
