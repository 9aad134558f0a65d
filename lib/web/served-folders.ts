import { statSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../common/errors';
import type { HandlerRoute } from './handler-route';
import type { ResolvedSettings } from './settings';
import type { StaticFileHandler } from './static-file-handler';

/**
 * Refuses, when the application starts serving, folders that every request would fail on:
 * `staticPath`, `templatePath` and the `path` init arg of each `StaticFileHandler` route, when
 * missing, not a folder, or unreadable. Tornado finds these only at the first request (a 500
 * per static file, a template error per page). Checked at `listen()`, `inject()` and
 * `TestServer.start()`, not in the constructor: a folder may be made between the two (a build
 * step, a test's temporary folder).
 *
 * @throws ConfigurationError naming the setting or route, the absolute path it resolved to
 * (relative paths resolve against the working directory), and the fix
 */
export function checkServedFolders(settings: ResolvedSettings, routes: Iterable<HandlerRoute>): void {
  checkFolder('The staticPath setting', settings.staticPath, 'the folder of your static files');
  checkFolder('The templatePath setting', settings.templatePath, 'the folder of your templates');
  // A route's folder is named with the route: "The 'path' init arg '…' of X's route '/files/*'".
  for (const route of routes) {
    const folder = route.initArgs.path;
    // The staticPath setting's own routes were checked, under the setting's name, just above.
    if (!isStaticFileHandler(route.handlerClass) || (folder === settings.staticPath && folder !== undefined)) continue;
    // A subclass with its own initialize() may find its folder elsewhere.
    if (folder === undefined && ownsInitialize(route.handlerClass)) continue;
    if (folder === undefined) {
      throw new ConfigurationError(`${route.handlerClass.name}'s route '${route.pattern.source}' has no 'path' init arg (the folder to serve): give it, as in ['/files/*', StaticFileHandler, { path: 'public' }]`);
    }
    checkFolder("The 'path' init arg", folder, 'the folder to serve', ` of ${route.handlerClass.name}'s route '${route.pattern.source}'`);
  }
}

/** Refuses a folder that is not a readable folder (nothing to check when unset). */
function checkFolder(what: string, folder: unknown, holds: string, of = ''): void {
  if (folder === undefined) return;
  if (typeof folder !== 'string' || folder === '') {
    throw new ConfigurationError(`${what}${of} must be the path of a folder (a non-empty string), got ${JSON.stringify(folder) ?? typeof folder}: give ${holds}`);
  }
  const absolute = path.resolve(folder);
  const relative = !path.isAbsolute(folder);
  // "The staticPath setting 'static' is /srv/app/static (relative to ...), which does not exist"
  const subject = `${what} '${folder}'${of}${relative ? ` is ${absolute} (relative to the working directory ${process.cwd()}), which` : ''}`;
  let stats;
  try {
    stats = statSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      throw new ConfigurationError(`${subject} cannot be read (${code}): give the server's user access to it`, { cause: error });
    }
    const anchor = relative ? `, or give an absolute path so that the working directory does not matter: path.join(__dirname, ${JSON.stringify(folder)}) in CommonJS, fileURLToPath(new URL(${JSON.stringify(folder)}, import.meta.url)) in an ES module` : '';
    throw new ConfigurationError(`${subject} does not exist: create it${anchor}`, { cause: error });
  }
  if (!stats.isDirectory()) throw new ConfigurationError(`${subject} is a file, not a folder: give ${holds}`);
}

function isStaticFileHandler(handlerClass: HandlerRoute['handlerClass']): boolean {
  // Loaded when needed: static-file-handler.ts imports the request handler, which is loaded by now.
  const base = (require('./static-file-handler') as { StaticFileHandler: typeof StaticFileHandler }).StaticFileHandler;
  return handlerClass === base || handlerClass.prototype instanceof base;
}

/** True when the class (or a parent below StaticFileHandler) defines its own initialize(). */
function ownsInitialize(handlerClass: HandlerRoute['handlerClass']): boolean {
  const base = (require('./static-file-handler') as { StaticFileHandler: typeof StaticFileHandler }).StaticFileHandler;
  return handlerClass.prototype.initialize !== base.prototype.initialize;
}
