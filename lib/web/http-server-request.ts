import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HTTPError, ValidationError } from '../common/http-errors';
import type { HeaderList, ServerExchange } from '../transport/types';
import { parseCookies } from './cookies';
import { parseQueryString, type ArgumentMap, type FileMap } from './form-data';
import { HTTPHeaders, RELINK } from '../common/http-headers';
import { argumentObject, validate, type SchemaOutput, type StandardSchemaV1 } from './validation';

/** Proxy settings the request needs to find the real client. */
export interface ProxyTrust {
  xheaders?: boolean;
  trustedDownstream: string[];
}

/** @internal Keys of the request's internals (as fastify's lib/symbols.js): a header's first value; the data moving to a copy. */
export const HEADER = Symbol('typhoon.request.header');
/** @internal */
export const REBIND = Symbol('typhoon.request.rebind');

/**
 * One HTTP request as handlers see it (Tornado's `HTTPServerRequest`). Everything is copied
 * from the native request, so it stays valid after `await`s and for the handler's whole life.
 *
 * @example
 * ```ts
 * class Items extends RequestHandler {
 *   post() {
 *     const { name } = this.request.json<{ name: string }>();
 *     this.write({ created: name, from: this.request.remoteIp });
 *   }
 * }
 * ```
 */
export class HTTPServerRequest {
  /** Upper-case method, e.g. `GET`. */
  readonly method: string;
  private uriText: string | undefined;
  /** `HTTP/1.1`, or `HTTP/1.0` on the Node transport (uWS answers nothing else). */
  get version(): string {
    return this.exchange.version;
  }
  private headerMap: HTTPHeaders | undefined;
  /** The complete body (empty for streamed bodies and bodiless requests). */
  body: Buffer = EMPTY;
  /** When the request arrived (`performance.now()` milliseconds). */
  readonly startTime: number;
  private finishTime: number | undefined;
  private remote: string | undefined;
  private scheme: string | undefined;
  /** Arguments, files and cookies, parsed when first asked for (most requests never ask). */
  private parsed: Parsed | undefined;

  constructor(private exchange: ServerExchange, private readonly trust: ProxyTrust) {
    this.method = exchange.method;
    this.startTime = performance.now();
  }

  /** Request headers, lower-case names. */
  get headers(): HTTPHeaders {
    return (this.headerMap ??= new HTTPHeaders(undefined, this.exchange));
  }

  /** @internal A header's first value, without making `headers` when nobody did (lower-case name). */
  [HEADER](name: string): string | undefined {
    if (this.headerMap) return this.headerMap.get(name) || undefined;
    const first = this.exchange.header(name);
    if (!first) return undefined;
    // A list-valued header may come on several lines: read them all (uWS gives the first only),
    // without making `headers`, which a WebSocket would otherwise keep for its whole life.
    return LIST_HEADERS.has(name) ? joinedValues(this.exchange.headerList(), name) : first;
  }

  /** Path as sent (still percent-encoded). */
  get path(): string {
    return this.exchange.path;
  }

  /** Query string without `?`. */
  get query(): string {
    return this.exchange.query;
  }

  /** Path and query as sent, e.g. `/items/1?full=1`. */
  get uri(): string {
    if (this.uriText === undefined) this.uriText = this.query ? `${this.path}?${this.query}` : this.path;
    return this.uriText;
  }

  /** Uploaded files of a multipart body. */
  get files(): FileMap {
    return (this.cache().files ??= Object.create(null) as FileMap);
  }

  /** Client address; behind a proxy with `xheaders`, the address the proxy reports. */
  get remoteIp(): string {
    if (this.remote === undefined) this.applyXheaders();
    return this.remote!;
  }

  /** `http` or `https` (with `xheaders`, as the proxy reports). */
  get protocol(): string {
    if (this.scheme === undefined) this.applyXheaders();
    return this.scheme!;
  }

  /** The `Host` header, or `127.0.0.1`. */
  get host(): string {
    return this[HEADER]('host') || '127.0.0.1';
  }

  /** `host` without the port, lower-case. */
  get hostName(): string {
    const host = this.host.toLowerCase();
    if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
    const colon = host.lastIndexOf(':');
    return colon >= 0 ? host.slice(0, colon) : host;
  }

  /** Query arguments by name (decoded; invalid UTF-8 → 400). */
  get queryArguments(): ArgumentMap {
    return (this.cache().query ??= parseQueryString(this.query));
  }

  /** Form arguments of a urlencoded or multipart body. */
  get bodyArguments(): ArgumentMap {
    const cache = this.cache();
    if (cache.body) return cache.body;
    const type = this[HEADER]('content-type') ?? '';
    cache.body = Object.create(null) as ArgumentMap;
    if (type.toLowerCase().startsWith('application/x-www-form-urlencoded') && this.body.length) {
      cache.body = parseQueryString(this.body.toString());
    }
    return cache.body!;
  }

  /** Query and body arguments together (body values after query values). */
  get arguments(): ArgumentMap {
    const cache = this.cache();
    if (cache.all) return cache.all;
    const merged: ArgumentMap = Object.create(null);
    for (const source of [this.queryArguments, this.bodyArguments]) {
      for (const [name, values] of Object.entries(source)) (merged[name] ??= []).push(...values);
    }
    return (cache.all = merged);
  }

  /** Cookies sent by the client. */
  get cookies(): Record<string, string> {
    return (this.cache().cookies ??= parseCookies(this[HEADER]('cookie') ?? ''));
  }

  /** Sets body arguments parsed elsewhere (multipart). @internal */
  setBodyArguments(args: ArgumentMap, files: FileMap): void {
    const cache = this.cache();
    cache.body = args;
    cache.files = files;
    cache.all = undefined;
  }

  /**
   * The body parsed as JSON; a malformed body is HTTPError 400 with the parser's reason. Without
   * a schema the result is only cast to `T`.
   */
  json<T = unknown>(): T;
  /**
   * The body parsed as JSON and checked against a Standard Schema (zod, valibot, arktype, ...):
   * resolves with the schema's typed output.
   *
   * @throws ValidationError (400, answered as `application/problem+json`, RFC 9457) listing
   * each issue's path and message; HTTPError 400 for malformed JSON
   */
  json<S extends StandardSchemaV1>(schema: S): Promise<SchemaOutput<S>>;
  json(schema?: StandardSchemaV1): unknown {
    if (schema) return this.validJson(schema);
    try {
      return JSON.parse(this.body.toString());
    } catch (error) {
      throw new HTTPError(400, `Malformed JSON body: ${(error as Error).message}`, { reason: 'Malformed JSON body' });
    }
  }

  /**
   * `json(schema)`: a body that says it is something else than JSON is 415 (a cross-site form
   * cannot post JSON as text/plain); malformed JSON is a validation failure like any other.
   */
  private async validJson(schema: StandardSchemaV1): Promise<unknown> {
    const type = (this[HEADER]('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type && type !== 'application/json' && !type.endsWith('+json')) {
      throw new HTTPError(415, `Content-Type ${JSON.stringify(type)} where JSON was expected`, { reason: 'Unsupported Media Type' });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.body.toString());
    } catch (error) {
      throw new ValidationError([{ path: '', message: `Malformed JSON: ${(error as Error).message}` }], 'body');
    }
    return validate(schema, parsed, 'body');
  }

  /**
   * Query and body arguments (`from`: `'query'`, `'body'` or both, `'all'`) as an object for a
   * Standard Schema — a name given once is a string, one given several times an array — checked
   * against it. Use the schema's coercions for numbers (`z.coerce.number()`).
   *
   * @throws ValidationError (400, problem details) when they fail the schema
   */
  validateArguments<S extends StandardSchemaV1>(schema: S, from: 'query' | 'body' | 'all' = 'all'): Promise<SchemaOutput<S>> {
    const args = from === 'query' ? this.queryArguments : from === 'body' ? this.bodyArguments : this.arguments;
    return validate(schema, argumentObject(args), 'arguments');
  }

  /** `protocol://host/uri`. */
  fullUrl(): string {
    return `${this.protocol}://${this.host}${this.uri}`;
  }

  /** Seconds the request took (so far, or until it finished). */
  requestTime(): number {
    return ((this.finishTime ?? performance.now()) - this.startTime) / 1000;
  }

  private cache(): Parsed {
    return (this.parsed ??= { query: undefined, body: undefined, all: undefined, files: undefined, cookies: undefined });
  }

  /** @internal The data now lives in `exchange` (a copy made at a WebSocket upgrade). */
  [REBIND](exchange: ServerExchange): void {
    this.exchange = exchange;
    this.headerMap?.[RELINK](exchange);
  }

  /** Marks the end of the request. @internal */
  markFinished(): void {
    this.finishTime ??= performance.now();
  }

  private applyXheaders(): void {
    this.remote = this.exchange.remoteAddress;
    this.scheme = this.exchange.protocol;
    if (!this.trust.xheaders) return;
    let ip = this.remote;
    const forwarded = this[HEADER]('x-forwarded-for');
    if (forwarded) {
      const candidates = forwarded.split(',').map((part) => part.trim()).reverse();
      ip = candidates.find((candidate) => !this.trust.trustedDownstream.includes(candidate)) ?? candidates[candidates.length - 1];
    }
    ip = this[HEADER]('x-real-ip')?.trim() || ip;
    if (isIP(ip)) this.remote = ip;
    const proto = (this[HEADER]('x-scheme') ?? this[HEADER]('x-forwarded-proto'))?.split(',').pop()?.trim();
    if (proto === 'http' || proto === 'https') this.scheme = proto;
  }
}

const EMPTY = Buffer.alloc(0);

/** Request headers Typhoon reads whose values are lists a client may split over several lines (RFC 9110 §5.3). */
/** Every line of header `name` in `list`, joined as `HTTPHeaders.get` joins them (`; ` for cookies). */
function joinedValues(list: HeaderList, name: string): string {
  let joined: string | undefined;
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] !== name) continue;
    joined = joined === undefined ? list[i + 1] : `${joined}${name === 'cookie' ? '; ' : ', '}${list[i + 1]}`;
  }
  return joined ?? '';
}

const LIST_HEADERS = new Set([
  'accept', 'accept-encoding', 'accept-language', 'cache-control', 'connection', 'cookie', 'if-match', 'if-none-match',
  'sec-websocket-extensions', 'sec-websocket-protocol', 'upgrade', 'x-forwarded-for', 'x-forwarded-proto',
]);

interface Parsed {
  query: ArgumentMap | undefined;
  body: ArgumentMap | undefined;
  all: ArgumentMap | undefined;
  files: FileMap | undefined;
  cookies: Record<string, string> | undefined;
}
