import { randomUUID } from 'node:crypto';
import type { Logger, LoggerOptions } from 'pino';
import { configureLogging, emit, type LogLevel, type LogRecord } from './log';

/** The `logger` setting: a pino logger, or options to make one with. */
export type LoggerSetting = Logger | LoggerOptions;

/** The logging methods `handler.log` offers, as pino's: `log.info('text')`, `log.info({ fields }, 'text')`. */
export interface HandlerLog {
  debug(objectOrMessage: unknown, message?: string): void;
  info(objectOrMessage: unknown, message?: string): void;
  warn(objectOrMessage: unknown, message?: string): void;
  error(objectOrMessage: unknown, message?: string): void;
}

function isLogger(value: LoggerSetting): value is Logger {
  return typeof (value as Logger).child === 'function' && typeof (value as Logger).info === 'function';
}

/**
 * The pino logger of a `logger` setting: the one given, or one made from the options; in
 * `debug`, options without a transport print readable lines through pino-pretty.
 */
export function makeLogger(setting: LoggerSetting, debug: boolean): Logger {
  if (isLogger(setting)) return setting;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- pino loads only for applications that ask for it
  const pino = require('pino') as typeof import('pino');
  const options: LoggerOptions = { ...setting };
  if (debug && !options.transport) options.transport = { target: 'pino-pretty', options: { colorize: Boolean(process.stdout.isTTY) } };
  if (debug && !options.level) options.level = 'debug';
  return pino.default(options);
}

const LEVELS: Record<string, LogLevel> = { trace: 'debug', debug: 'debug', info: 'info', warn: 'warn', error: 'error', fatal: 'error', silent: 'silent' };

/**
 * Sends every Typhoon record to `logger`, as a child per Typhoon logger (`{ logger: 'access' }`,
 * `'app'`, `'general'`) with the record's fields and its error as `err`; the level follows the
 * pino logger's. Process-wide, as `configureLogging` is.
 */
export function useLogger(logger: Logger): void {
  const children = new Map<string, Logger>();
  const sink = (record: LogRecord): void => {
    let child = children.get(record.logger);
    if (!child) children.set(record.logger, (child = logger.child({ logger: record.logger })));
    const fields = record.error === undefined ? record.fields ?? {} : { ...record.fields, err: record.error };
    child[record.level](fields, record.message);
  };
  configureLogging({ sink, level: LEVELS[logger.level] ?? 'info' });
}

/** A request id a client may set: 1 to 128 characters of a token (a UUID, a trace id). */
const WELL_FORMED = /^[A-Za-z0-9._:@+/=-]{1,128}$/;

/** The request id for a request: its `X-Request-Id` when well-formed, else a new UUID. */
export function requestIdFor(header: string | undefined): string {
  return header && WELL_FORMED.test(header) ? header : randomUUID();
}

/** `handler.log` without pino: the `app` logger, with the request id as a field. */
export function handlerLog(requestId: string | undefined): HandlerLog {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (objectOrMessage: unknown, message?: string) => {
    const text = typeof objectOrMessage === 'string' ? objectOrMessage : message ?? '';
    const object = typeof objectOrMessage === 'object' && objectOrMessage !== null ? objectOrMessage : undefined;
    const error = object instanceof Error ? object : undefined;
    const fields = { ...(requestId ? { reqId: requestId } : {}), ...(object && !error ? object : {}) };
    emit('app', level, text || (error ? error.message : ''), error, fields);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
