import { configureLogging, type LogLevel, type LogRecord } from '../../lib';

/**
 * Captures Typhoon's log records at `level` and above during each test of the calling suite
 * (installs beforeEach/afterEach). Read them from `.records`.
 */
export function captureLogs(level: LogLevel): { records: LogRecord[] } {
  const capture = { records: [] as LogRecord[] };
  let restore: ReturnType<typeof configureLogging>;
  beforeEach(() => {
    capture.records = [];
    restore = configureLogging({ level, sink: (record) => capture.records.push(record) });
  });
  afterEach(() => configureLogging(restore));
  return capture;
}
