import { HTTPError, ValidationError } from '../common/http-errors';
import { escapeHtml } from '../common/escape';
import { appLog, genLog } from '../common/log';
import type { HandlerInternals } from './handler-internals';
import type { HandlerBase, SendErrorOptions } from './handler-base';
import { forbidsContent } from './response-output';

/**
 * `sendError()` (Tornado's `send_error`): clears what was written, sets the status and calls
 * the handler's `writeError`; a status that forbids a body (1xx, 204, 205, 304) gets none. After
 * `flush()` the headers are out: the response is ended as it stands, and the failure logged.
 */
export async function sendErrorPage(handler: HandlerBase, internals: HandlerInternals, status: number, options: SendErrorOptions): Promise<void> {
  const out = internals.out;
  if (out.state !== 'buffering') {
    genLog.error(`Cannot send error response after headers written (${handler.request.method} ${handler.request.uri})`);
    if (out.state === 'streaming') {
      handler.request.markFinished();
      try {
        await out.finish(false, 'off');
      } catch {
        // the client is gone; nothing more to say
      }
      // The response ended as it stood: its access-log line and onFinish() as any other's.
      internals.afterFinish();
    }
    return;
  }
  handler.clear();
  const reason = options.reason ?? (options.error instanceof HTTPError ? options.error.reason : undefined);
  try {
    handler.setStatus(status, reason);
    if (options.error instanceof HTTPError && options.error.headers) {
      for (const [name, value] of Object.entries(options.error.headers)) handler.setHeader(name, value);
    }
  } catch {
    handler.setStatus(500);
  }
  // A status that forbids a body gets no error page (Tornado skips write_error for them too).
  if (!forbidsContent(out.status)) {
    try {
      await handler.writeError(out.status, { error: options.error });
    } catch (error) {
      appLog.error('Uncaught exception in writeError', error);
      // A page half written by writeError: start again with the plain one.
      if (!handler.finished && out.state === 'buffering') out.discardBody();
    }
  }
  if (!handler.finished) await handler.finish();
}

/**
 * The default `writeError()`: problem details (RFC 9457) for a `ValidationError`, whose issues
 * are the client's own input; the stack as text with `serveTraceback`; else a small HTML page
 * naming the status.
 */
export function defaultErrorPage(handler: HandlerBase, internals: HandlerInternals, status: number, error: unknown): Promise<void> {
  if (error instanceof ValidationError && status === 400) {
    handler.setHeader('Content-Type', 'application/problem+json');
    return handler.finish(JSON.stringify(error.problem()));
  }
  if (handler.settings.serveTraceback && error instanceof Error) {
    handler.setHeader('Content-Type', 'text/plain; charset=UTF-8');
    return handler.finish(error.stack ?? String(error));
  }
  const message = escapeHtml(internals.out.statusLine().slice(4));
  return handler.finish(`<html><title>${status}: ${message}</title><body>${status}: ${message}</body></html>`);
}
