import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time a process has used so far, user and system, in seconds (10 ms resolution; 0 when
 * the process is gone). The difference over a measurement, divided by the requests served,
 * is the server's cost per request whether or not it was the bottleneck.
 */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Measures `work` (a load run against the process `pid`) and the server CPU it cost: the
 * process's user + system time over the run divided by `count(result)`, in µs (NaN for no work).
 *
 * @example
 * ```ts
 * const { result, cpuUsPerRequest } = await withCpu(server.pid, () => wrk(url, 3), (r) => r.requests);
 * ```
 */
export async function withCpu<T>(pid: number, work: () => Promise<T>, count: (result: T) => number): Promise<{ result: T; cpuUsPerRequest: number }> {
  const before = cpuSeconds(pid);
  const result = await work();
  const done = count(result);
  return { result, cpuUsPerRequest: done > 0 ? ((cpuSeconds(pid) - before) * 1e6) / done : NaN };
}

/** CPU seconds this process and its children that have exited (and were waited for) have used. */
export function ownAndChildrenSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    // utime, stime, cutime, cstime: the 14th to 17th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields.slice(11, 15).reduce((total, value) => total + Number(value), 0) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds the machine's cores have spent running processes (user and system time) since
 * boot, and its number of cores. Interrupt time is left out: where the kernel accounts it apart
 * (loopback traffic is mostly softirq), no process's own times include it either.
 */
export function machineBusySeconds(): { busy: number; cores: number } {
  try {
    const lines = readFileSync('/proc/stat', 'latin1').split('\n');
    // cpu  user nice system idle iowait irq softirq steal ...
    const [user, nice, system] = lines[0].split(/\s+/).slice(1).map(Number);
    return { busy: (user + nice + system) / TICKS_PER_SECOND, cores: lines.filter((line) => /^cpu\d/.test(line)).length };
  } catch {
    return { busy: 0, cores: 1 };
  }
}
