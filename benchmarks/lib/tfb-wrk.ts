import { run } from './processes';
import { parseWrk, type WrkResult } from './wrk';
import { scriptFiles } from './wrk-scripts';

/** How TechEmpower's toolset runs wrk for one measurement. */
export interface TfbWrkOptions {
  /** Duration in seconds (wrk takes whole seconds; at least 1). */
  seconds: number;
  /** Open connections (TFB: 16..512, plaintext 256..16,384). */
  connections: number;
  /** The `Accept` header TFB sends for this test type. */
  accept: string;
  /** Requests written back to back on each connection (TFB's plaintext: 16); default 1, no script. */
  pipeline?: number;
  /** Paths requested in turn (a warm-up touching every endpoint); overrides `pipeline`. */
  rotate?: string[];
  /** CPUs wrk runs on, as taskset takes them (default `'1'`). */
  cpus?: string;
}

/**
 * Runs Debian's wrk (one thread) on CPU 1 the way TechEmpower's toolset does: `Host`,
 * `Accept` and `Connection: keep-alive` headers, an 8 s timeout, `--latency`, and for
 * plaintext its pipeline.lua with a depth of 16. Pipelined responses count one by one.
 */
export async function tfbWrk(url: string, options: TfbWrkOptions): Promise<WrkResult> {
  const { host } = new URL(url);
  const cpus = options.cpus ?? '1';
  const args = [
    '-c', cpus, 'wrk', cpus.includes('-') || cpus.includes(',') ? '-t2' : '-t1',
    `-c${options.connections}`, `-d${Math.max(1, Math.round(options.seconds))}s`, '--timeout', '8', '--latency',
    '-H', `Host: ${host}`, '-H', `Accept: ${options.accept}`, '-H', 'Connection: keep-alive',
  ];
  if (options.rotate) args.push('-s', scriptFiles().rotate, url, '--', ...options.rotate);
  else if ((options.pipeline ?? 1) > 1) args.push('-s', scriptFiles().pipeline, url, '--', String(options.pipeline));
  else args.push(url);
  const out = await run('taskset', args);
  return parseWrk(out);
}
