import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ConfigurationError } from '../common/errors';
import { genLog } from '../common/log';

/** What a worker thread is told by its supervisor. */
export interface WorkerRole {
  index: number;
  appIndex: number;
  host: string;
  port: number;
  channel: string;
}

/** Messages between supervisor and workers. */
type ToWorker = { type: 'close'; timeout: number };
type FromWorker = { type: 'listening'; port: number } | { type: 'error'; message: string };

/** The role of this thread when it runs as a Typhoon worker of `appIndex`, else null. */
export function workerRole(appIndex: number): WorkerRole | null {
  const role = !isMainThread && (workerData as { typhoon?: WorkerRole } | null)?.typhoon;
  return role && role.appIndex === appIndex ? role : null;
}

/** `workers` option → a thread count: a positive integer, or `'auto'` for the CPU count. */
export function workerCount(workers: number | 'auto' | undefined): number {
  if (workers === undefined) return 1;
  if (workers === 'auto') return availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw new ConfigurationError(`workers must be a positive integer or 'auto', got ${String(workers)}`);
  return workers;
}

/** A port free right now on `host` (for port 0 in worker mode). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host === '0.0.0.0' ? undefined : host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * In a worker: report to the supervisor, close the application when it says so, and on an
 * uncaught exception close this worker's server properly before the thread ends (exit code
 * 1, so the supervisor starts a new one). A thread torn down with uWS still open would take
 * the whole process with it.
 */
export function serveAsWorker(port: number, close: (timeout: number) => Promise<void>): void {
  let closing = false;
  const shutDown = (timeout: number) => {
    if (closing) return;
    closing = true;
    void close(timeout).finally(() => parentPort!.close());
  };
  parentPort!.postMessage({ type: 'listening', port } satisfies FromWorker);
  parentPort!.on('message', (message: ToWorker) => {
    if (message.type === 'close') shutDown(message.timeout);
  });
  const crash = (error: unknown) => {
    genLog.error('Uncaught exception in a worker thread; closing it (the supervisor starts another)', error);
    process.exitCode = 1;
    shutDown(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

/**
 * The supervisor's side of `listen(port, host, { workers: N })`: N worker threads each run the
 * entry script again (so each builds its own Application, handlers and services) and listen on
 * the same port (SO_REUSEPORT). A worker that dies is logged and started again, with backoff.
 */
export class WorkerPool {
  private readonly workers = new Map<number, Worker>();
  private closing = false;
  private port = 0;
  private readonly restarts = new Map<number, number>();
  /**
   * The application's module code runs in this thread too (each worker runs the entry script
   * again, and so did this one): a timer or promise of it that throws must not take the
   * process, and every worker's connections, with it. Logged instead; the workers serve on.
   */
  private readonly guard = (error: unknown) => genLog.error('Uncaught exception in the supervisor thread (the application\'s module code runs there too); logged, the workers serve on', error);

  constructor(private readonly count: number, private readonly host: string, private readonly appIndex: number, private readonly channel: string) {}

  /**
   * Starts worker 0 on the requested port (0: a free one), then the others on the same port.
   * When one fails to listen, the pool closes (every worker started is stopped) and rejects.
   */
  async start(requestedPort: number): Promise<number> {
    if (!process.argv[1]) throw new ConfigurationError('workers need an entry script (node app.js), which each worker runs again');
    process.on('uncaughtException', this.guard);
    process.on('unhandledRejection', this.guard);
    try {
      // uSockets shares a port between threads only when it is given explicitly (not 0).
      const port = requestedPort === 0 ? await freePort(this.host) : requestedPort;
      this.port = await this.spawn(0, port);
      await Promise.all(Array.from({ length: this.count - 1 }, (_, i) => this.spawn(i + 1, this.port)));
    } catch (error) {
      await this.close(1);
      throw error;
    }
    genLog.info(`${this.count} workers listening on ${this.host}:${this.port}`);
    return this.port;
  }

  /** Asks every worker to close gracefully; terminates those still running after the timeout. */
  async close(timeout: number): Promise<void> {
    this.closing = true;
    const exits = [...this.workers.values()].map((worker) => new Promise<void>((resolve) => {
      const hard = setTimeout(() => void worker.terminate(), (timeout + 5) * 1000);
      worker.once('exit', () => {
        clearTimeout(hard);
        resolve();
      });
      worker.postMessage({ type: 'close', timeout } satisfies ToWorker);
    }));
    await Promise.all(exits);
    this.workers.clear();
    process.off('uncaughtException', this.guard);
    process.off('unhandledRejection', this.guard);
  }

  private spawn(index: number, port: number): Promise<number> {
    const role: WorkerRole = { index, appIndex: this.appIndex, host: this.host, port, channel: this.channel };
    // execArgv is left to Node, which gives the worker this process's: passing process.execArgv
    // itself refuses V8 flags (--max-old-space-size, --expose-gc), which are process-wide anyway.
    const worker = new Worker(process.argv[1], { argv: process.argv.slice(2), workerData: { typhoon: role } });
    this.workers.set(index, worker);
    return new Promise((resolve, reject) => {
      let listening = false;
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'listening' && !listening) {
          listening = true;
          resolve(message.port);
        }
      });
      worker.on('error', (error) => genLog.error(`Worker ${index} crashed`, error));
      worker.on('exit', (code) => {
        this.workers.delete(index);
        if (!listening) {
          reject(new ConfigurationError(`Worker ${index} exited with code ${code} before listening on ${this.host}:${port}`));
          return;
        }
        if (this.closing) return;
        const attempt = (this.restarts.get(index) ?? 0) + 1;
        this.restarts.set(index, attempt);
        const delay = Math.min(100 * 2 ** (attempt - 1), 10_000);
        genLog.error(`Worker ${index} exited with code ${code}; starting it again in ${delay} ms`);
        setTimeout(() => {
          if (this.closing) return;
          this.spawn(index, this.port).then(
            () => setTimeout(() => this.restarts.delete(index), 30_000).unref(),
            (error) => genLog.error(`Worker ${index} could not be restarted`, error),
          );
        }, delay);
      });
    });
  }
}
