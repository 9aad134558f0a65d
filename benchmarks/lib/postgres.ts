import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../lib/testing/redis-server';
import { run } from './processes';

/** The Debian package that brings PostgreSQL's server binaries. */
export const POSTGRES_PACKAGE = 'postgresql';

/** A throwaway PostgreSQL cluster holding TechEmpower's `hello_world` database. */
export interface PostgresServer {
  /** `127.0.0.1`: clients connect over TCP, as TFB's do (its database is on another host). */
  host: string;
  port: number;
  /** The cluster's superuser, `benchmarkdbuser` as in TFB (trust authentication: no password checked). */
  user: string;
  password: string;
  /** `hello_world`. */
  database: string;
  /** The folder holding the cluster and its unix socket (`.s.PGSQL.<port>`); removed by `stop()`. */
  socketDir: string;
  /** `postgres://benchmarkdbuser:benchmarkdbpass@127.0.0.1:<port>/hello_world`. */
  url: string;
  /** The postmaster's process id (its backends are its children). */
  pid: number;
  /** Fast shutdown, then the folder is removed. */
  stop(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** CPUs the postmaster and its backends run on, as taskset takes them (default `'1'`, next to the load generator). */
  cpus?: string;
  /** Most connections the server accepts (default 64: every benchmark pool, TFB's checks, and psql). */
  maxConnections?: number;
}

/** Thrown when PostgreSQL is not installed; its message is the one line to show. */
export class PostgresMissingError extends Error {}

/**
 * TFB's create-postgres.sql, reduced to the tables servers read: `World` (10,000 rows, each
 * `randomNumber` in 1..10,000) and `Fortune` (its 12 messages, with the `<script>` one that
 * tests escaping and the Japanese one that tests UTF-8). Unquoted names, so the tables are
 * `world` and `fortune` and the column `randomnumber`.
 */
export const CREATE_TABLES = `
BEGIN;
CREATE TABLE World (
  id integer NOT NULL,
  randomNumber integer NOT NULL default 0,
  PRIMARY KEY (id)
);
INSERT INTO World (id, randomnumber)
SELECT x.id, least(floor(random() * 10000 + 1), 10000) FROM generate_series(1, 10000) AS x(id);
CREATE TABLE Fortune (
  id integer NOT NULL,
  message varchar(2048) NOT NULL,
  PRIMARY KEY (id)
);
INSERT INTO Fortune (id, message) VALUES
  (1, 'fortune: No such file or directory'),
  (2, 'A computer scientist is someone who fixes things that aren''t broken.'),
  (3, 'After enough decimal places, nobody gives a damn.'),
  (4, 'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1'),
  (5, 'A computer program does what you tell it to do, not what you want it to do.'),
  (6, 'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen'),
  (7, 'Any program that runs right is obsolete.'),
  (8, 'A list is only as strong as its weakest link. — Donald Knuth'),
  (9, 'Feature: A bug with seniority.'),
  (10, 'Computers make very fast, very accurate mistakes.'),
  (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
  (12, 'フレームワークのベンチマーク');
COMMIT;
ANALYZE;
`;

/** The newest `/usr/lib/postgresql/<version>/bin` holding `initdb`, or null when PostgreSQL is not installed. */
export function findPostgres(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((version) => existsSync(path.join(root, version, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : null;
}

/**
 * Who the cluster runs as: PostgreSQL refuses to run as root, so as root it runs as Debian's
 * `postgres` system user (made by the package); otherwise as the current user.
 */
function clusterUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new PostgresMissingError('PostgreSQL refuses to run as root and there is no postgres user: apt-get install -y postgresql');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Starts a PostgreSQL cluster in a new temporary folder, on a free loopback port with its
 * unix socket in that folder, and creates TFB's `hello_world` database with `World` and
 * `Fortune`. Durability is off (`fsync`, `synchronous_commit`, `full_page_writes`), as
 * nothing here outlives the run. Takes about 2 s.
 *
 * @throws PostgresMissingError when Debian's `postgresql` package is not installed.
 * @example
 * ```ts
 * const db = await startPostgres();
 * try { await useIt(db.url); } finally { await db.stop(); }
 * ```
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgres();
  if (!bin) throw new PostgresMissingError(`PostgreSQL is not installed: apt-get install -y ${POSTGRES_PACKAGE}`);
  const owner = clusterUser();
  const dir = mkdtempSync(path.join(tmpdir(), 'typhoon-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = path.join(dir, 'data');
  const user = 'benchmarkdbuser';
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = { ...process.env, LC_ALL: 'C.UTF-8', PGUSER: user, PGHOST: dir };
  let child: ChildProcess | null = null;
  try {
    await runAs(path.join(bin, 'initdb'), ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'], as, env);
    const port = await freePort();
    const settings = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: dir,
      max_connections: String(options.maxConnections ?? 64),
      shared_buffers: '128MB',
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      logging_collector: 'off',
      log_min_messages: 'warning',
    };
    const args = Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
    child = spawn('taskset', ['-c', options.cpus ?? '1', path.join(bin, 'postgres'), '-D', data, ...args], { ...as, env, stdio: ['ignore', 'pipe', 'pipe'] });
    await ready(child, dir, port, bin, as, env);
    const psql = (database: string, sql: string) => runAs(path.join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-d', database, '-c', sql], as, env);
    await psql('postgres', 'CREATE DATABASE hello_world');
    await psql('hello_world', CREATE_TABLES);
    const postmaster = child;
    const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // A runner ended by a signal (turned into process.exit) leaves no cluster behind.
    const onExit = () => {
      postmaster.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', onExit);
    return {
      host: '127.0.0.1',
      port,
      user,
      password: 'benchmarkdbpass',
      database: 'hello_world',
      socketDir: dir,
      url: `postgres://${user}:benchmarkdbpass@127.0.0.1:${port}/hello_world`,
      pid,
      stop: async () => {
        process.off('exit', onExit);
        await stopPostmaster(postmaster, pid);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child) await stopPostmaster(child, null);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Runs a PostgreSQL tool as the cluster's user; rejects with its output when it fails. */
function runAs(command: string, args: string[], as: { uid?: number; gid?: number }, env: NodeJS.ProcessEnv): Promise<string> {
  if (as.uid === undefined) return run(command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...as, env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${path.basename(command)} exited with ${code}: ${output.trim()}`))));
  });
}

/** Waits until `pg_isready` says the server takes connections (at most 20 s). */
async function ready(child: ChildProcess, dir: string, port: number, bin: string, as: { uid?: number; gid?: number }, env: NodeJS.ProcessEnv): Promise<void> {
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited with ${child.exitCode ?? child.signalCode}: ${output.trim()}`);
    try {
      await runAs(path.join(bin, 'pg_isready'), ['-q', '-h', dir, '-p', String(port)], as, env);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`postgres did not accept connections in 20 s: ${output.trim()}`);
}

/**
 * Asks the postmaster for a fast shutdown (SIGINT: backends are ended, no checkpoint wait
 * beyond the shutdown one), and kills it if it is still there after 5 s.
 */
function stopPostmaster(child: ChildProcess, pid: number | null): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // taskset execs postgres, so the child is the postmaster itself; pid (from postmaster.pid) says the same.
    if (pid) process.kill(pid, 'SIGINT');
    else child.kill('SIGINT');
  });
}
