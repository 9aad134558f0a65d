import { TyphoonError } from './errors';

/**
 * The errors that become HTTP answers: `HTTPError` (Tornado's `tornado.web.HTTPError`) and its
 * 400s, and `Finish`, which ends a request early without an error.
 */

/** Options of {@link HTTPError}. */
export interface HTTPErrorOptions {
  /** Reason phrase sent in the status line instead of the standard one. */
  reason?: string;
  /** Headers the error response carries (`Allow`, `WWW-Authenticate`, `Retry-After`...). */
  headers?: Record<string, string>;
}

/**
 * Throw from a handler to answer with an HTTP error status, as Tornado's `HTTPError`.
 * `logMessage` goes to the log only, never to the client.
 *
 * @example
 * ```ts
 * if (!item) throw new HTTPError(404, 'item %s not found', { reason: 'No Such Item' });
 * ```
 */
export class HTTPError extends TyphoonError<'TYPHOON_ERR_HTTP' | 'TYPHOON_ERR_VALIDATION' | 'TYPHOON_ERR_MISSING_ARGUMENT'> {
  readonly statusCode: number;
  readonly logMessage?: string;
  readonly reason?: string;
  readonly headers?: Record<string, string>;

  constructor(statusCode = 500, logMessage?: string, options: HTTPErrorOptions = {}) {
    super('TYPHOON_ERR_HTTP', `HTTP ${statusCode}${options.reason ? ` ${options.reason}` : ''}${logMessage ? ` (${logMessage})` : ''}`);
    this.statusCode = statusCode;
    this.logMessage = logMessage;
    this.reason = options.reason;
    this.headers = options.headers;
  }
}

/** One way the input failed a schema: where (a JSON Pointer, `/tags/1`; `''` for the whole value) and why. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** How a problem's detail names what failed validation. */
const DESCRIBED: Record<string, string> = {
  body: 'The request body does not',
  arguments: 'The query and body arguments do not',
  path: 'The path arguments do not',
  message: 'The message does not',
};

/**
 * Input that does not satisfy its schema: a 400 whose page is `application/problem+json`
 * (RFC 9457) listing each issue (`errors: [{ path, message }]`), whatever `debug` says, since
 * the issues describe the client's own input.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * const Item = z.object({ name: z.string().min(1), price: z.number().positive() });
 * class Items extends RequestHandler {
 *   async post() {
 *     const item = await this.request.json(Item); // { name: string; price: number }, or 400
 *     this.write(item);
 *   }
 * }
 * ```
 */
export class ValidationError extends HTTPError {
  declare readonly code: 'TYPHOON_ERR_VALIDATION';
  readonly issues: ValidationIssue[];
  /** What was validated: `'body'`, `'arguments'`, `'path'`, `'message'`, or another name given. */
  readonly in: string;

  constructor(issues: ValidationIssue[] = [], where = 'input') {
    super(400, `invalid ${where}: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`);
    (this as { code: string }).code = 'TYPHOON_ERR_VALIDATION';
    this.issues = issues;
    this.in = where;
  }

  /** The RFC 9457 problem details this error is answered with. */
  problem(): { type: string; title: string; status: number; detail: string; errors: ValidationIssue[] } {
    const what = DESCRIBED[this.in] ?? `The ${this.in} does not`;
    return { type: 'about:blank', title: 'Bad Request', status: 400, detail: `${what} match the schema`, errors: this.issues };
  }
}

/**
 * A required argument was not given: answered with 400 "Missing argument NAME".
 *
 * @example
 * ```ts
 * class Search extends RequestHandler {
 *   get() {
 *     const q = this.getArgument('q'); // no ?q=: MissingArgumentError, a 400
 *     this.write({ q });
 *   }
 * }
 * ```
 */
export class MissingArgumentError extends HTTPError {
  declare readonly code: 'TYPHOON_ERR_MISSING_ARGUMENT';
  readonly argName: string;

  constructor(argName: string) {
    super(400, `Missing argument ${argName}`);
    (this as { code: string }).code = 'TYPHOON_ERR_MISSING_ARGUMENT';
    this.argName = argName;
  }
}

/**
 * Throw to end the request immediately without an error: `throw new Finish('done')` is
 * `this.finish('done')` plus a return from every method on the stack.
 *
 * @example
 * ```ts
 * class Maintenance extends RequestHandler {
 *   override prepare() {
 *     if (process.env.MAINTENANCE) throw new Finish('Back soon'); // no verb method runs
 *   }
 * }
 * ```
 */
export class Finish extends TyphoonError<'TYPHOON_ERR_FINISH'> {
  readonly body?: string | Buffer | object;

  constructor(body?: string | Buffer | object) {
    super('TYPHOON_ERR_FINISH', 'Request finished early');
    this.body = body;
  }
}
