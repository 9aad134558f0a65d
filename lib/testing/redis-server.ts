import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { ConfigurationError, TimeoutError } from '../common/errors';

/** A throw-away redis-server on a free loopback port (Debian's `redis-server`), for tests of `pubsub`. */
export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 just now (for a child server that must be told its port). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `/usr/bin/redis-server` without persistence on a free port; `stop()` and `start()`
 * simulate an outage on the same port. With `{ start: false }` the port is only chosen, and
 * the server starts at `start()` (Redis coming up after the application).
 *
 * @example
 * ```ts
 * const redis = await startRedis();
 * const app = new Application({ pubsub: { redis: redis.url }, handlers });
 * ```
 */
export async function startRedis(options: { start?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = () => new Promise<void>((resolve, reject) => {
    child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new TimeoutError(`redis-server did not start in 10 s: ${output}`)), 10_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new ConfigurationError(`redis-server exited with ${code}: ${output}`)));
  });
  const stop = () => new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
  if (options.start !== false) await start();
  return { port, url: `redis://127.0.0.1:${port}`, stop, start };
}
