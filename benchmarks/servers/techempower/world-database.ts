// TechEmpower's database work, shared by every JavaScript server of the suite so that they differ only in their HTTP layer: one pool of porsager's `postgres` driver, prepared statements, TFB's rules for rows, counts and updates.
import postgres from 'postgres';

/** A row of TFB's `World` table (`id` and `randomNumber` both in 1..10,000). */
export interface World {
  id: number;
  randomNumber: number;
}

/** A row of TFB's `Fortune` table. */
export interface Fortune {
  id: number;
  message: string;
}

/**
 * Connections per server process. PostgreSQL gets one core here (the load generator's), and
 * `postgres` pipelines queries on each connection, so two connections keep that core busy.
 * More cost the server CPU: postgres 3.4.9 keeps its busy connections in a queue whose array
 * compacts only when it empties, and each query scans that array to move a connection; under
 * steady load it grows, the more so the more connections there are (measured with 128 queries
 * in flight: 14 µs of Node CPU per query with 1 or 2 connections, 29 µs with 4 or 8; with 2,
 * profiles of /fortunes still show the scan, `Queue.remove`, at about a tenth of the server's
 * time). One connection avoids it but serializes every query behind the slowest.
 * `$DATABASE_POOL_SIZE` overrides it.
 */
export const POOL_SIZE = Number(process.env.DATABASE_POOL_SIZE ?? 2);

/** The row TFB's fortunes test adds to the table's rows at request time. */
export const ADDED_FORTUNE = 'Additional fortune added at request time.';

/** A random World id, 1..10,000 inclusive (also used for new random numbers). */
export function randomWorldId(): number {
  return 1 + Math.floor(Math.random() * 10000);
}

/**
 * The `queries` parameter of `/queries` and `/updates` as TFB reads it: an integer clamped to
 * 1..500; missing, empty or not a number → 1.
 */
export function queryCount(raw: string | null | undefined): number {
  const count = Number.parseInt(raw ?? '', 10);
  if (!Number.isFinite(count) || count < 1) return 1;
  return count > 500 ? 500 : count;
}

/** Orders fortunes by message, as TFB requires (JavaScript string order, code unit by code unit). */
function byMessage(a: Fortune, b: Fortune): number {
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/**
 * TFB's four database operations over one pool. Every query is a prepared statement (the
 * driver's default for tagged templates). Reads of several rows are separate statements, in
 * flight together (TFB forbids fetching them in one `IN` query); the writes of `/updates` are
 * one statement.
 *
 * @example
 * ```ts
 * const db = new WorldDatabase(process.env.DATABASE_URL!);
 * const world = await db.findWorld();   // { id: 4174, randomNumber: 331 }
 * ```
 */
export class WorldDatabase {
  readonly sql: postgres.Sql;

  /** @param url `postgres://user:password@host:port/database` (default: `$DATABASE_URL`). */
  constructor(url = process.env.DATABASE_URL) {
    if (!url) throw new Error('WorldDatabase needs a database URL: set DATABASE_URL=postgres://user:password@host:port/hello_world');
    this.sql = postgres(url, { max: POOL_SIZE });
  }

  /** One random row. */
  async findWorld(id = randomWorldId()): Promise<World> {
    const [world] = await this.sql<World[]>`SELECT id, randomnumber AS "randomNumber" FROM world WHERE id = ${id}`;
    return world;
  }

  /** `count` random rows, each read by its own query. */
  findWorlds(count: number): Promise<World[]> {
    const reads: Array<Promise<World>> = [];
    for (let i = 0; i < count; i++) reads.push(this.findWorld());
    return Promise.all(reads);
  }

  /** Every fortune and the one added at request time, sorted by message. */
  async fortunes(): Promise<Fortune[]> {
    const rows = await this.sql<Fortune[]>`SELECT id, message FROM fortune`;
    const fortunes: Fortune[] = [...rows, { id: 0, message: ADDED_FORTUNE }];
    return fortunes.sort(byMessage);
  }

  /**
   * Reads `count` random rows (each by its own query), gives each a new random number and
   * writes them back in one statement; resolves to the rows as written.
   */
  async updateWorlds(count: number): Promise<World[]> {
    const worlds = await this.findWorlds(count);
    for (const world of worlds) world.randomNumber = randomWorldId();
    // Rows locked in id order: concurrent requests updating overlapping rows wait, never deadlock.
    const sorted = [...worlds].sort((a, b) => a.id - b.id);
    const ids = sorted.map((world) => world.id);
    const numbers = sorted.map((world) => world.randomNumber);
    await this.sql`UPDATE world SET randomnumber = new.randomnumber
      FROM (SELECT * FROM unnest(${ids}::int[], ${numbers}::int[]) AS t(id, randomnumber) ORDER BY id) AS new
      WHERE world.id = new.id`;
    return worlds;
  }

  /** Closes the pool. */
  close(): Promise<void> {
    return this.sql.end({ timeout: 1 });
  }
}
