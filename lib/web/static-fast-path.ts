import { performance } from 'node:perf_hooks';
import { isLogEnabled, logAccess } from '../common/log';
import type { ServerExchange } from '../transport/types';
import type { HandlerRoute } from './handler-route';
import type { ResolvedSettings } from './settings';
import { StaticFileHandler } from './static-file-handler';
import type { StaticFiles } from './static-files';

/**
 * Whether a route's `StaticFileHandler` may be bypassed for plain GETs of files kept in memory:
 * only for the stock class on a `/prefix/*` pattern, and only when no setting needs the handler
 * (CORS headers, compression, `logFunction`, proxy headers, a header-size limit, debug).
 */
export function fastStaticRoute(route: HandlerRoute, settings: ResolvedSettings, customized: boolean): boolean {
  const { pattern } = route;
  return route.handlerClass === StaticFileHandler && !customized && pattern.native && pattern.paramNames.length === 0 && pattern.wildcardAt >= 0
    && !settings.debug && !settings.cors && !settings.compressResponse && !settings.logFunction && !settings.xheaders && settings.maxHeaderSize === undefined;
}

/**
 * `StaticFileHandler`'s hot path: a GET of a file kept in memory, with nothing to negotiate,
 * answered from the transport callback with header values computed once per file version — the
 * same bytes the handler sends, without making a handler. Anything else (HEAD, ranges,
 * conditional requests, precompressed siblings, `?v=` and other queries, encoded paths, a
 * request body, a file not in memory) returns false and goes
 * through the handler as usual.
 */
export function serveFromMemory(exchange: ServerExchange, files: StaticFiles, relative: string): boolean {
  if (relative.includes('%') || exchange.query !== '') return false;
  const entry = files.fresh(relative);
  if (!entry?.content || entry.variants.length !== 0) return false;
  // Any precondition or range goes to the handler (RFC 9110 §13, §14).
  if (exchange.header('if-none-match') || exchange.header('if-modified-since') || exchange.header('range') || exchange.header('if-match') || exchange.header('if-unmodified-since')) return false;
  // A body, or a second Host, is the dispatcher's to refuse.
  if (exchange.header('content-length') || exchange.header('transfer-encoding') || exchange.hostLines() > 1) return false;
  if (!isLogEnabled('info', 'access')) {
    exchange.end('200 OK', entry.responseHeaders, entry.content);
    return true;
  }
  // The access log line the handler would write; the address is gone once the response ends.
  const started = performance.now();
  const remote = exchange.remoteAddress;
  exchange.end('200 OK', entry.responseHeaders, entry.content);
  logAccess({ status: 200, method: 'GET', uri: exchange.path, path: exchange.path, remoteIp: remote, seconds: (performance.now() - started) / 1000, bytes: entry.content.length });
  return true;
}
