/**
 * One benchmark server as one or more processes of the same program on CPU 0, each on its own
 * port with its own descriptor limit: where a process may not open enough descriptors for
 * every connection, the connections are spread over several (see descriptor-limit.ts).
 */
import http from 'node:http';
import { cpuSeconds } from './cpu-time';
import { limitPrefix } from './descriptor-limit';
import { rss, startServer, type RunningServer } from './processes';

/** How to start one process of a server listening on `port` (0: any free port; it prints `PORT <n>`). */
export interface ServerCommand {
  name: string;
  command: string;
  args: (port: number) => string[];
  env?: Record<string, string>;
}

export class ServerGroup {
  private constructor(readonly name: string, readonly members: RunningServer[]) {}

  /** Starts `processes` processes of `spec` in `cwd`, each allowed `descriptors` open files. */
  static async start(spec: ServerCommand, processes: number, descriptors: number, cwd: string): Promise<ServerGroup> {
    const [command, ...args] = [...limitPrefix(descriptors), spec.command, ...spec.args(0)];
    const members: RunningServer[] = [];
    try {
      for (let i = 0; i < processes; i++) members.push(await startServer(spec.name, command, args, cwd, { env: spec.env }));
    } catch (error) {
      await Promise.all(members.map((member) => member.stop()));
      throw error;
    }
    return new ServerGroup(spec.name, members);
  }

  get ports(): number[] {
    return this.members.map((member) => member.port);
  }

  get pids(): number[] {
    return this.members.map((member) => member.pid);
  }

  /** GETs `path` from every process at once; gives their JSON answers in order. */
  get<T>(path: string, timeoutMs = 60_000): Promise<T[]> {
    return Promise.all(this.ports.map((port) => getJson<T>(port, path, timeoutMs)));
  }

  /** Resident memory of each process, in bytes. */
  rss(): number[] {
    return this.pids.map(rss);
  }

  /** CPU seconds used by all the processes together. */
  cpuSeconds(): number {
    return this.pids.reduce((total, pid) => total + cpuSeconds(pid), 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((member) => member.stop()));
  }
}

/** One GET on a fresh connection (no keep-alive to go stale while a phase lasts longer than the server's idle timeout). */
function getJson<T>(port: number, path: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new Error(`GET ${path} on port ${port} answered ${response.statusCode}: ${body.slice(0, 200)}`));
        try {
          resolve(JSON.parse(body) as T);
        } catch {
          reject(new Error(`GET ${path} on port ${port} answered ${JSON.stringify(body.slice(0, 200))}, not JSON`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} on port ${port}: no answer in ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
