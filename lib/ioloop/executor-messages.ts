// What the main thread and an executor worker thread send each other (both sides import this
// file; nothing here is public). An error crosses as plain data, because the structured clone
// of an `Error` keeps only the built-in names (a `ParseError` would arrive as `Error`) and
// drops `code`.

/** A call for a worker thread: `require`/`import` `module`, call its export `name` with `args`. */
export interface ExecutorRequest {
  /** Absolute path or `file:` URL of the module. */
  module: string;
  /** Export name (`default` for `module.exports` itself). */
  name: string;
  args: unknown[];
}

/** An error as plain, cloneable data. */
export interface SentError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
}

/** What the worker answers: the value, or the error it threw. */
export type ExecutorOutcome = { value: unknown } | { error: SentError };

/** Built-in errors rebuilt as their own class, so `instanceof TypeError` still works. */
const BUILT_IN: Record<string, new (message: string) => Error> = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

/** @internal An error thrown in a worker, as data (anything thrown, Errors or not). */
export function sendError(error: unknown): SentError {
  if (!(error instanceof Error)) return { name: 'Error', message: `a non-Error was thrown: ${String(error)}` };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
  };
}

/** @internal The error a worker sent, rebuilt on this thread with its name, message, stack and code. */
export function receiveError(sent: SentError): Error {
  const error = sent.name === 'DataCloneError' ? new DOMException(sent.message, 'DataCloneError') : new (BUILT_IN[sent.name] ?? Error)(sent.message);
  // DOMException's name is a getter on its prototype; the others take an own property.
  if (!(error instanceof DOMException) && error.name !== sent.name) error.name = sent.name;
  if (sent.stack !== undefined) Object.defineProperty(error, 'stack', { value: sent.stack, writable: true, configurable: true });
  if (sent.code !== undefined) Object.assign(error, { code: sent.code });
  return error;
}
