import { run } from './processes';
import { scriptFiles } from './wrk-scripts';

/** What one wrk run measured. */
export interface WrkResult {
  rps: number;
  p99ms: number;
  requests: number;
  errors: number;
}

function toMs(value: string, unit: string): number {
  const number = Number(value);
  return unit === 'us' ? number / 1000 : unit === 's' ? number * 1000 : number;
}

/**
 * Runs wrk (Debian's, native: not the bottleneck) on CPU 1 against `url`; with `pipeline` above
 * 1, each connection writes that many requests at once (TFB's pipeline.lua), and every response
 * counts.
 */
export async function wrk(url: string, seconds: number, connections = 50, cpus = '1', pipeline = 1): Promise<WrkResult> {
  const args = ['-c', cpus, 'wrk', cpus.includes('-') ? '-t2' : '-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency'];
  if (pipeline > 1) args.push('-s', scriptFiles().pipeline, url, '--', String(pipeline));
  else args.push(url);
  return parseWrk(await run('taskset', args));
}

/** Reads wrk's `--latency` report: requests a second, p99 (NaN when absent or printed as 0), requests, non-2xx and socket errors. */
export function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socket ? socket.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0);
  // Pipelined, wrk times one response of each batch and at times prints a 99th percentile of 0.
  const p99ms = p99 ? toMs(p99[1], p99[2]) : NaN;
  return { rps, p99ms: p99ms > 0 ? p99ms : NaN, requests, errors };
}
