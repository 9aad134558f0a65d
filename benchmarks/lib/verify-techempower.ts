import net from 'node:net';
import type postgres from 'postgres';

/** What TFB's `verify` mode found wrong with one server; empty when it passes. */
export type Problems = string[];

/** TFB's Content-Type rules (toolset/test_types/verifications.py). */
const CONTENT_TYPES = {
  json: /^application\/json(; ?charset=(UTF|utf)-8)?$/,
  html: /^text\/html; ?charset=(UTF|utf)-8$/,
  plaintext: /^text\/plain(; ?charset=(UTF|utf)-8)?$/,
};

/** `Mon, 30 Nov 2026 04:08:51 GMT` (RFC 9110's IMF-fixdate, TFB's `%a, %d %b %Y %H:%M:%S %Z`). */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** The `queries` values TFB tries, with the row count each must give. */
const QUERY_CASES: Array<[query: string | null, rows: number]> = [['2', 2], ['0', 1], ['foo', 1], ['501', 500], ['', 1], [null, 1], ['20', 20]];

/** What a server's fortunes page must list, in order, after decoding its HTML escapes. */
export interface FortuneRow {
  id: number;
  message: string;
}

interface Fetched {
  status: number;
  headers: Headers;
  body: string;
}

async function get(base: string, path: string): Promise<Fetched> {
  const response = await fetch(base + path);
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** TFB's header rules: Server, Date (IMF-fixdate), the test type's Content-Type, and a length or chunked framing. */
function headerProblems(path: string, response: Fetched, type: keyof typeof CONTENT_TYPES): Problems {
  const problems: Problems = [];
  if (response.status !== 200) problems.push(`${path}: status ${response.status}`);
  if (!response.headers.get('server')) problems.push(`${path}: no Server header`);
  const date = response.headers.get('date');
  if (!date || !HTTP_DATE.test(date)) problems.push(`${path}: Date header ${JSON.stringify(date)} is not an HTTP date`);
  const contentType = response.headers.get('content-type') ?? '';
  if (!CONTENT_TYPES[type].test(contentType)) problems.push(`${path}: Content-Type ${JSON.stringify(contentType)} does not match ${CONTENT_TYPES[type]}`);
  if (!response.headers.get('content-length') && !response.headers.get('transfer-encoding')) problems.push(`${path}: neither Content-Length nor Transfer-Encoding`);
  return problems;
}

/** Problems with one `{id, randomNumber}` object (exactly those keys, integers in 1..10,000). */
function worldProblems(path: string, value: unknown): Problems {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: ${JSON.stringify(value)?.slice(0, 60)} is not a JSON object`];
  const keys = Object.keys(value).sort().join(',');
  if (keys !== 'id,randomNumber') return [`${path}: keys ${keys}, expected id,randomNumber`];
  const { id, randomNumber } = value as { id: unknown; randomNumber: unknown };
  const inRange = (n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 10000;
  return inRange(id) && inRange(randomNumber) ? [] : [`${path}: ${JSON.stringify(value)} has values outside 1..10,000 or not integers`];
}

function parseJson(path: string, body: string, problems: Problems): unknown {
  try {
    return JSON.parse(body);
  } catch {
    problems.push(`${path}: not JSON: ${JSON.stringify(body.slice(0, 80))}`);
    return undefined;
  }
}

/** Rows of `path` that disagree with the database (as `id: served / stored`). */
async function staleRows(sql: postgres.Sql, worlds: Array<{ id: number; randomNumber: number }>): Promise<string[]> {
  const stored = new Map<number, number>();
  const rows = await sql<Array<{ id: number; randomnumber: number }>>`SELECT id, randomnumber FROM world WHERE id = ANY(${worlds.map((world) => world.id)}::int[])`;
  for (const row of rows) stored.set(row.id, row.randomnumber);
  return worlds.filter((world) => stored.get(world.id) !== world.randomNumber).map((world) => `${world.id}: ${world.randomNumber} / ${stored.get(world.id)}`);
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", mdash: '—' };

/** Decodes the escapes TFB's parser accepts (named, decimal and hex character references). */
function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] !== '#') return ENTITIES[code.toLowerCase()] ?? whole;
    return String.fromCodePoint(code[1] === 'x' || code[1] === 'X' ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1)));
  });
}

/**
 * Problems with a fortunes page: the table TFB expects (a header row, then every fortune and
 * the added one, sorted by message), every `<`/`>`/`&` of a message escaped (the `<script>`
 * row must arrive as text), the Japanese row intact (UTF-8).
 */
export function fortunesProblems(html: string, expected: FortuneRow[]): Problems {
  const problems: Problems = [];
  if (!/^\s*<!doctype html>/i.test(html)) problems.push('/fortunes: does not start with <!DOCTYPE html>');
  if (!/<title>Fortunes<\/title>/.test(html)) problems.push('/fortunes: no <title>Fortunes</title>');
  if (!/<tr>\s*<th>id<\/th>\s*<th>message<\/th>\s*<\/tr>/.test(html)) problems.push('/fortunes: no header row <tr><th>id</th><th>message</th></tr>');
  if (/<script/i.test(html)) problems.push('/fortunes: a <script> tag reached the page unescaped');
  // With every message escaped, no cell holds a '<'; an unescaped one breaks its row out of this pattern.
  const rows = [...html.matchAll(/<tr>\s*<td>([^<]*)<\/td>\s*<td>([^<]*)<\/td>\s*<\/tr>/g)].map(([, id, message]) => ({ id: Number(id.trim()), message: decodeHtml(message) }));
  const want = expected.map((row) => `${row.id} ${row.message}`);
  const got = rows.map((row) => `${row.id} ${row.message}`);
  if (want.join('\n') !== got.join('\n')) {
    const first = want.findIndex((line, i) => line !== got[i]);
    problems.push(`/fortunes: ${got.length} rows, expected ${want.length}; first difference at row ${first + 1}: ${JSON.stringify(got[first])}, expected ${JSON.stringify(want[first])}`);
  }
  return problems;
}

/** The fortunes every server must list: the table's rows and the added one, sorted by message. */
export async function expectedFortunes(sql: postgres.Sql): Promise<FortuneRow[]> {
  const rows = await sql<FortuneRow[]>`SELECT id, message FROM fortune`;
  return [...rows, { id: 0, message: 'Additional fortune added at request time.' }].sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

/**
 * Checks every endpoint of a server against TFB's rules, as its `verify` mode does, and
 * against the database itself: `/plaintext` and `/json` bodies, `/db` and `/queries` rows as
 * stored (with `queries` clamped to 1..500, anything not a number being 1), the fortunes
 * table, and `/updates` rows written to the database (at least 90% of 500 rows changed, TFB's
 * threshold). Run it while nothing else writes to the database.
 *
 * @param base `http://127.0.0.1:<port>`
 * @param sql a connection to the same database as the server
 * @returns the problems found (empty: the server may be timed)
 */
export async function verifyTechEmpower(base: string, sql: postgres.Sql, fortunes: FortuneRow[]): Promise<Problems> {
  const problems: Problems = [];
  const plaintext = await get(base, '/plaintext');
  problems.push(...headerProblems('/plaintext', plaintext, 'plaintext'));
  if (plaintext.body !== 'Hello, World!') problems.push(`/plaintext: body ${JSON.stringify(plaintext.body.slice(0, 60))}`);

  const json = await get(base, '/json');
  problems.push(...headerProblems('/json', json, 'json'));
  const message = parseJson('/json', json.body, problems);
  if (JSON.stringify(message) !== '{"message":"Hello, World!"}') problems.push(`/json: body ${json.body.slice(0, 60)}`);

  const single = await get(base, '/db');
  problems.push(...headerProblems('/db', single, 'json'));
  const world = parseJson('/db', single.body, problems);
  const worldIssues = worldProblems('/db', world);
  problems.push(...worldIssues);
  if (!worldIssues.length) problems.push(...(await staleRows(sql, [world as { id: number; randomNumber: number }])).map((row) => `/db: row ${row} (served / stored)`));

  for (const endpoint of ['/queries', '/updates']) {
    for (const [query, rows] of QUERY_CASES) {
      const path = query === null ? endpoint : `${endpoint}?queries=${query}`;
      const response = await get(base, path);
      problems.push(...headerProblems(path, response, 'json'));
      const list = parseJson(path, response.body, problems);
      if (!Array.isArray(list)) {
        problems.push(`${path}: not a JSON array`);
        continue;
      }
      if (list.length !== rows) problems.push(`${path}: ${list.length} rows, expected ${rows}`);
      const bad = list.flatMap((item) => worldProblems(path, item));
      problems.push(...bad.slice(0, 3));
      if (!bad.length && endpoint === '/queries') problems.push(...(await staleRows(sql, list)).slice(0, 3).map((row) => `${path}: row ${row} (served / stored)`));
    }
  }
  problems.push(...(await updateProblems(base, sql)));

  const page = await get(base, '/fortunes');
  problems.push(...headerProblems('/fortunes', page, 'html'));
  problems.push(...fortunesProblems(page.body, fortunes));
  return problems;
}

/**
 * `/updates?queries=500` against the table before and after, as TFB's verify_updates: the
 * served rows must be the stored ones (ids served once; a duplicate id keeps one of its
 * values), and at least 90% of them must have changed.
 */
async function updateProblems(base: string, sql: postgres.Sql): Promise<Problems> {
  const before = new Map((await sql<Array<{ id: number; randomnumber: number }>>`SELECT id, randomnumber FROM world`).map((row) => [row.id, row.randomnumber]));
  const response = await get(base, '/updates?queries=500');
  let worlds: Array<{ id: number; randomNumber: number }>;
  try {
    worlds = JSON.parse(response.body);
  } catch {
    return [`/updates?queries=500: not JSON`];
  }
  const counts = new Map<number, number>();
  for (const world of worlds) counts.set(world.id, (counts.get(world.id) ?? 0) + 1);
  const once = worlds.filter((world) => counts.get(world.id) === 1);
  const problems: Problems = (await staleRows(sql, once)).slice(0, 3).map((row) => `/updates?queries=500: row ${row} (served / stored): not written`);
  const after = new Map((await sql<Array<{ id: number; randomnumber: number }>>`SELECT id, randomnumber FROM world WHERE id = ANY(${[...counts.keys()]}::int[])`).map((row) => [row.id, row.randomnumber]));
  const changed = [...counts.keys()].filter((id) => after.get(id) !== before.get(id)).length;
  if (changed < 0.9 * counts.size) problems.push(`/updates?queries=500: only ${changed} of ${counts.size} rows changed in the database`);
  return problems;
}

/**
 * Whether the server answers 16 requests written at once on one connection (HTTP/1.1
 * pipelining, as TFB's plaintext test sends them): all 16 responses within 2 s.
 */
export function supportsPipelining(port: number, path = '/plaintext', depth = 16): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2000);
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if ((received.match(/HTTP\/1\.1 200/g) ?? []).length >= depth) done(true);
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`.repeat(depth));
  });
}

/**
 * TFB refuses a cached `Date`: the header must change from one second to the next. Call with
 * the Date of a response at least 1.1 s old.
 */
export async function dateProblems(base: string, earlier: string): Promise<Problems> {
  const response = await fetch(`${base}/json`);
  await response.arrayBuffer();
  const date = response.headers.get('date');
  return date === earlier ? [`Date header did not change in over a second (${date}): cached`] : [];
}
