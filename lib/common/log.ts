/**
 * Logging, in the spirit of Tornado's `tornado.access` / `tornado.application` /
 * `tornado.general` loggers. One process-wide configuration, like Python's `logging`.
 */

/** Severity, lowest first; `'silent'` turns a sink off. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Which part of Typhoon speaks: requests (`access`), handler errors (`app`), the rest (`general`). */
export type LoggerName = 'access' | 'app' | 'general';

/** One log event. */
export interface LogRecord {
  level: Exclude<LogLevel, 'silent'>;
  logger: LoggerName;
  message: string;
  error?: unknown;
  /** Structured data: an access record's `req`/`res`/`responseTime`, a handler's `reqId`. */
  fields?: Record<string, unknown>;
}

/** Options of {@link configureLogging}. */
export interface LoggingOptions {
  /**
   * Lowest level written (default `TYPHOON_LOG_LEVEL`, else `'info'`). Until a level is set
   * here or in `TYPHOON_LOG_LEVEL`, the access log writes only 4xx and 5xx lines, as Tornado
   * does under Python's default logging: a line per successful request costs a busy server
   * about a tenth of its throughput, so it is something to ask for.
   */
  level?: LogLevel;
  /** Where records go (default: a line on stderr, stdout for `info`/`debug`). */
  sink?: (record: LogRecord) => void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** @internal Where a {@link textSink} writes: a `Writable`, `process.stdout`, a file stream. */
export interface TextStream {
  write(text: string): unknown;
}

/**
 * @internal A sink writing Typhoon's text lines, `[I 2026-01-02T03:04:05.678Z app] signed in [req-id]
 * user={"name":"ann"} tries=2`, as Tornado's `LogFormatter` with the record's fields after the
 * message as pino-pretty shows them, `key=value` on the same line (strings bare when they need
 * no quotes, anything else as JSON). An access record's fields restate its line, so only its
 * request id is shown. An error (the record's, else the first field that is one) follows as its
 * stack on the next lines. Warnings and errors go to `errors` (default: `out`).
 */
export function textSink(out: TextStream, errors: TextStream = out): (record: LogRecord) => void {
  return (record) => (RANK[record.level] >= RANK.warn ? errors : out).write(formatRecord(record));
}

/** The default sink: text lines on stdout, warnings and errors on stderr (looked up per record, as tests may replace them). */
function defaultSink(record: LogRecord): void {
  textSink(process.stdout, process.stderr)(record);
}

function formatRecord(record: LogRecord): string {
  const { reqId, ...fields } = record.fields ?? {};
  const shown = record.logger === 'access' ? [] : Object.entries(fields).filter(([, value]) => value !== undefined);
  const pairs = shown.map(([key, value]) => ` ${/^[\w.$@-]+$/.test(key) ? key : JSON.stringify(key)}=${formatValue(value)}`).join('');
  const error = record.error ?? shown.find(([, value]) => value instanceof Error)?.[1];
  const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : '';
  const id = reqId ? ` [${String(reqId)}]` : '';
  return `[${record.level.toUpperCase()[0]} ${new Date().toISOString()} ${record.logger}] ${record.message}${id}${pairs}${detail}\n`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=\\]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(String(value));
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value === null || typeof value !== 'object') return String(value);
  const ancestors: object[] = [];
  try {
    return JSON.stringify(value, function (this: object, _key, inner: unknown) {
      if (typeof inner === 'bigint') return String(inner);
      if (inner instanceof Error) return String(inner);
      if (typeof inner !== 'object' || inner === null) return inner;
      // Only an object inside itself is circular; one object seen twice side by side is not.
      while (ancestors.length && ancestors[ancestors.length - 1] !== this) ancestors.pop();
      if (ancestors.includes(inner)) return '[Circular]';
      ancestors.push(inner);
      return inner;
    });
  } catch {
    return JSON.stringify(String(value)); // a toJSON that throws: the line still goes out
  }
}

function envLevel(): LogLevel {
  const value = process.env.TYPHOON_LOG_LEVEL;
  return value && value in RANK ? (value as LogLevel) : 'info';
}

let config: Required<LoggingOptions> = { level: envLevel(), sink: defaultSink };
/** True once a level was chosen (configureLogging or TYPHOON_LOG_LEVEL): the access log then follows it. */
let levelChosen = process.env.TYPHOON_LOG_LEVEL !== undefined && process.env.TYPHOON_LOG_LEVEL in RANK;

/** Whether a level had been chosen when each configuration returned by configureLogging was current. */
const chosenWith = new WeakMap<object, boolean>();

/**
 * Changes where and what Typhoon logs; returns the previous configuration, which restores it
 * entirely when passed back (including whether a level had been chosen, so the access log
 * goes back to 4xx/5xx only if it was).
 *
 * @example
 * ```ts
 * const previous = configureLogging({ level: 'warn' });
 * configureLogging(previous);
 * ```
 */
export function configureLogging(options: LoggingOptions): Required<LoggingOptions> {
  const previous = config;
  chosenWith.set(previous, levelChosen);
  config = { level: options.level ?? config.level, sink: options.sink ?? config.sink };
  const restored = chosenWith.get(options);
  if (restored !== undefined) levelChosen = restored;
  else if (options.level !== undefined) levelChosen = true;
  return previous;
}

/** The lowest rank `logger` writes. */
function threshold(logger: LoggerName): number {
  const rank = RANK[config.level];
  return logger === 'access' && !levelChosen ? Math.max(rank, RANK.warn) : rank;
}

/** True when records of `level` from `logger` would be written: callers skip formatting otherwise. */
export function isLogEnabled(level: Exclude<LogLevel, 'silent'>, logger: LoggerName = 'general'): boolean {
  return RANK[level] >= threshold(logger);
}

/** Writes one record if `logger` writes `level` (for structured callers; the loggers below wrap it). */
export function emit(logger: LoggerName, level: LogRecord['level'], message: string, error?: unknown, fields?: Record<string, unknown>): void {
  if (RANK[level] < threshold(logger)) return;
  try {
    config.sink(fields ? { level, logger, message, error, fields } : { level, logger, message, error });
  } catch {
    // A broken sink must never take a request down with it.
  }
}

function loggerFor(name: LoggerName) {
  return {
    debug: (message: string, error?: unknown) => emit(name, 'debug', message, error),
    info: (message: string, error?: unknown) => emit(name, 'info', message, error),
    warn: (message: string, error?: unknown) => emit(name, 'warn', message, error),
    error: (message: string, error?: unknown) => emit(name, 'error', message, error),
  };
}

/** Request lines, one per finished request. */
export const accessLog = loggerFor('access');
/** Errors raised by application code (handlers, callbacks). */
export const appLog = loggerFor('app');
/** Everything else: start-up, shutdown, transport events. */
export const genLog = loggerFor('general');

/** What an access record says about one finished request. */
export interface AccessEntry {
  status: number;
  method: string;
  uri: string;
  path: string;
  remoteIp: string;
  /** Seconds from the request to the end of the response. */
  seconds: number;
  /** Body bytes sent. */
  bytes: number;
  /** The request id (with the `logger` setting), or undefined. */
  requestId?: string;
}

/**
 * One access record (Tornado's `log_request`): the line `status METHOD uri (ip) 1.23ms`, at
 * info below 400, warning below 500, error above; structured sinks (pino) also get `req` (id,
 * method, url, remoteAddress), `res` (statusCode, bytes) and `responseTime` in milliseconds,
 * as pino-http names them.
 */
export function logAccess(entry: AccessEntry): void {
  const { status } = entry;
  const milliseconds = entry.seconds * 1000;
  const line = `${status} ${entry.method} ${entry.uri} (${entry.remoteIp}) ${milliseconds.toFixed(2)}ms`;
  const fields = {
    ...(entry.requestId ? { reqId: entry.requestId } : {}),
    req: { id: entry.requestId, method: entry.method, url: entry.uri, path: entry.path, remoteAddress: entry.remoteIp },
    res: { statusCode: status, bytes: entry.bytes },
    responseTime: Math.round(milliseconds * 1000) / 1000,
  };
  emit('access', status < 400 ? 'info' : status < 500 ? 'warn' : 'error', line, undefined, fields);
}
