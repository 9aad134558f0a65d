import { existsSync } from 'node:fs';
import { ConfigurationError } from '../common/errors';
import type { Constructor } from '../di/reflection';
import type { CookieSecret } from './signed-value';
import type { CookieOptions } from './cookies';
import type { CorsOptions } from './cors';
import type { PubSubOptions } from '../scale/pubsub';
import { transportSetting, type TransportSetting } from '../transport/create-transport';
import type { TransportOptions } from '../transport/types';
import { connectionsFor, descriptorLimit } from '../transport/descriptors';
import type { LoggerSetting } from '../common/pino-logging';
import type { OutputTransformClass } from './output-transform';

/** Access-log hook: called once per finished request with the handler that served it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any handler subclass
export type LogFunction = (handler: any) => void;

/**
 * Application settings: Tornado's, in camelCase. Unknown keys are refused at start-up (typos
 * would otherwise pass silently); application state belongs in DI-injected services.
 */
export interface ApplicationSettings {
  /** Development mode: implies `serveTraceback`, `autoreload`, no template or static-hash caches. */
  debug?: boolean;
  /**
   * Restart the application when a code file changes in its script's folder (default: `debug`),
   * as Tornado's autoreload: the script's top-level code runs once per start, and the process
   * goes on under `node --watch` after the first change (same port; a file that fails to load is
   * reported and the next change awaited). Applies to scripts you run yourself, not to test
   * runners, `node --watch` or `typhoon dev`; `TYPHOON_AUTORELOAD=off` turns it off.
   */
  autoreload?: boolean;
  /**
   * Send the error stack to the client on 500 pages.
   *
   * @defaultValue `debug`
   */
  serveTraceback?: boolean;
  /**
   * Gzip text responses of 1 KiB or more when the client accepts it.
   *
   * @defaultValue false
   */
  compressResponse?: boolean;
  /** Key for signed cookies and XSRF: a string, or `{ version: key }` with `keyVersion`. */
  cookieSecret?: CookieSecret;
  /** Which key of a versioned `cookieSecret` signs new values. */
  keyVersion?: string | number;
  /** Where `@authenticated` sends users without a session. */
  loginUrl?: string;
  /**
   * Check XSRF tokens on POST/PUT/PATCH/DELETE.
   *
   * @defaultValue false
   */
  xsrfCookies?: boolean;
  /**
   * Name of the XSRF cookie.
   *
   * @defaultValue `_xsrf`
   */
  xsrfCookieName?: string;
  /** Attributes of the XSRF cookie. */
  xsrfCookieOptions?: CookieOptions;
  /** Folder served under `staticUrlPrefix`. */
  staticPath?: string;
  /**
   * URL prefix of static files.
   *
   * @defaultValue `/static/`
   */
  staticUrlPrefix?: string;
  /**
   * Handler class for static files.
   *
   * @defaultValue `StaticFileHandler`
   */
  staticHandlerClass?: Constructor;
  /** Extra init args of the static handler, e.g. `{ defaultFilename: 'index.html' }`. */
  staticHandlerArgs?: Record<string, unknown>;
  /** Folder of Handlebars templates. */
  templatePath?: string;
  /**
   * Escape `{{ }}` output in templates.
   *
   * @defaultValue true
   */
  autoescape?: boolean;
  /** Extra template helpers, available in every template. */
  uiMethods?: Record<string, (...args: never[]) => unknown>;
  /**
   * Handler for paths no route matches.
   *
   * @defaultValue a 404 page
   */
  defaultHandlerClass?: Constructor;
  /** Init args of `defaultHandlerClass`. */
  defaultHandlerArgs?: Record<string, unknown>;
  /**
   * Seconds between server pings on every WebSocket.
   *
   * @defaultValue none
   */
  websocketPingInterval?: number;
  /**
   * Seconds without a pong before a WebSocket is closed.
   *
   * @defaultValue 3 pings
   */
  websocketPingTimeout?: number;
  /**
   * Largest WebSocket message accepted, in bytes.
   *
   * @defaultValue 10 MiB
   */
  websocketMaxMessageSize?: number;
  /**
   * Largest request body accepted, in bytes.
   *
   * @defaultValue 10 MiB
   */
  maxBodySize?: number;
  /**
   * Bytes all request bodies being received may hold together, across connections. Each body
   * reserves its `Content-Length` (a chunked one `maxBodySize`) before it is read; one that
   * does not fit waits with its client paused, and gets 503 with `Retry-After` after
   * `idleConnectionTimeout` seconds. Bodies streamed to `@streamRequestBody` handlers do not
   * count. At least `maxBodySize`.
   *
   * @defaultValue 64 MiB, or `maxBodySize` when that is larger
   */
  maxBufferedBodySize?: number;
  /**
   * Bytes of server-sent events that may wait for clients that do not read, across all the
   * application's event streams (each also has its own `maxBufferedBytes`, 1 MiB by default).
   * Past it the stream holding the most is closed, as a WebSocket past its backpressure limit;
   * its browser reconnects later with `Last-Event-ID`. Memory costs about twice this.
   *
   * @defaultValue 64 MiB
   */
  maxEventStreamBytes?: number;
  /**
   * Largest request head (request line and headers), in bytes; larger → 431. Unset, the
   * transport's own limit applies: 64 KiB on the Node transport and on uWS builds after
   * v20.30 (431 beyond), about 100 KB and 48 header fields on uWS v20.30 (beyond, it drops the
   * connection or does not answer). On uWS builds after v20.30 a larger value takes effect when
   * its Application is the first of the process, as the build loads with it; a later one's is
   * refused (ConfigurationError) unless `UWS_HTTP_MAX_HEADERS_SIZE` allows it. docs/transports.md.
   */
  maxHeaderSize?: number;
  /**
   * Client connections (HTTP and WebSocket) held at once. The Node transport accepts and
   * closes the connections above it (node:http's `maxConnections`). uWS cannot stop
   * accepting in this build: above it (counted as the descriptors the process opened since it
   * listened, once a second) every request and handshake gets 503 and its connection closes,
   * until the count is below nine tenths of it.
   *
   * @defaultValue nine tenths of the process's descriptor limit (`ulimit -n`), less 32; where
   * the limit cannot be read, none
   */
  maxConnections?: number;
  /**
   * Seconds a connection may stay idle: before its first request, while a head or body is
   * awaited, and between requests. uWS counts in 4-second ticks (a connection closes up to 4 s
   * late) and takes at most 960; uWS v20.30 builds accept only 10 (their compile-time constant).
   *
   * @defaultValue 10
   * @throws ConfigurationError (at construction) for a value the serving uWS build cannot honour
   */
  idleConnectionTimeout?: number;
  /**
   * Seconds to receive a whole request body; slower → 408, and the connection closes after the
   * answer. A body whose client sends nothing for `idleConnectionTimeout` seconds gets 408 too
   * (nginx's `client_body_timeout`).
   *
   * @defaultValue 300 (node:http's `requestTimeout`)
   */
  requestTimeout?: number;
  /**
   * Seconds a handler may take to respond; longer → 503 (its `signal` is aborted). A timer on
   * the event loop: it stops a handler that awaits (I/O, `IOLoop.runInExecutor`), never one
   * that blocks the loop synchronously (it fires only once that handler has answered).
   * Default: none.
   */
  handlerTimeout?: number;
  /** Cross-origin requests (CORS): answers preflights and decorates responses. */
  cors?: CorsOptions;
  /** Topics across processes through Redis (`{ redis: 'redis://host:6379', channel? }`). */
  pubsub?: PubSubOptions;
  /** Trust `X-Real-Ip` / `X-Forwarded-For` / `X-Forwarded-Proto` (behind a proxy). */
  xheaders?: boolean;
  /** Proxy addresses skipped when reading `X-Forwarded-For`. */
  trustedDownstream?: string[];
  /** Replaces the access log line. */
  logFunction?: LogFunction;
  /**
   * Structured logging on pino: a pino logger, or pino options to make one with (readable
   * lines through pino-pretty in `debug`). Every Typhoon record then goes to it (process-wide,
   * as `configureLogging`), access records carry `req`, `res` and `responseTime`, each request
   * gets an id (its `X-Request-Id` when well-formed, else a new UUID) that is sent back in
   * `X-Request-Id` and carried by `handler.log`. Unset: Typhoon's own lines, no request ids.
   */
  logger?: LoggerSetting;
  /** Tornado's output transforms: classes that rewrite every response body on its way out, in order. */
  transforms?: OutputTransformClass[];
  /** Serve HTTPS/WSS with these PEM files. */
  ssl?: { keyFile: string; certFile: string; passphrase?: string };
  /**
   * What serves the application: `'uws'` (uWebSockets.js's native build), `'node'` (`node:http`
   * and `ws`), or `'auto'`: uWS when its native build loads on this Node.js, else node, with
   * one log line saying why. Default: the `TYPHOON_TRANSPORT` environment variable, else `'auto'`.
   */
  transport?: TransportSetting;
  /**
   * @deprecated Without the native uWebSockets.js build Typhoon now serves through its Node
   * transport (`transport: 'auto'`), never through uWS's slow JavaScript fallback; this setting
   * is accepted and does nothing.
   */
  allowUwsFallback?: boolean;
}

/** Settings after defaults were applied. */
export interface ResolvedSettings extends ApplicationSettings {
  debug: boolean;
  autoreload: boolean;
  serveTraceback: boolean;
  compressResponse: boolean;
  xsrfCookies: boolean;
  xsrfCookieName: string;
  staticUrlPrefix: string;
  autoescape: boolean;
  maxBodySize: number;
  maxBufferedBodySize: number;
  maxEventStreamBytes: number;
  requestTimeout: number;
  websocketMaxMessageSize: number;
  trustedDownstream: string[];
  transport: TransportSetting;
}

const KNOWN = new Set<string>([
  'debug', 'autoreload', 'serveTraceback', 'compressResponse', 'cookieSecret', 'keyVersion', 'loginUrl', 'xsrfCookies',
  'xsrfCookieName', 'xsrfCookieOptions', 'staticPath', 'staticUrlPrefix', 'staticHandlerClass', 'staticHandlerArgs',
  'templatePath', 'autoescape', 'uiMethods', 'defaultHandlerClass', 'defaultHandlerArgs', 'websocketPingInterval',
  'websocketPingTimeout', 'websocketMaxMessageSize', 'maxBodySize', 'maxBufferedBodySize', 'maxEventStreamBytes', 'maxHeaderSize', 'maxConnections', 'idleConnectionTimeout',
  'xheaders', 'trustedDownstream', 'logFunction', 'logger', 'transforms', 'ssl', 'allowUwsFallback', 'transport', 'requestTimeout', 'handlerTimeout', 'cors', 'pubsub',
]);

/** Applies defaults and refuses unknown or impossible values, naming the fix. */
export function resolveSettings(input: ApplicationSettings): ResolvedSettings {
  for (const key of Object.keys(input)) {
    if (KNOWN.has(key)) continue;
    // Tornado's names are snake_case (template_path): suggest the camelCase one.
    const camel = key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()).toLowerCase();
    const near = [...KNOWN].find((known) => known.toLowerCase() === key.toLowerCase() || known.toLowerCase() === camel);
    throw new ConfigurationError(
      `Unknown application setting '${key}'${near ? ` (did you mean '${near}'?)` : ''}; ` +
        'keep application state in injected services instead',
    );
  }
  const debug = input.debug ?? false;
  const settings: ResolvedSettings = {
    ...input,
    debug,
    autoreload: input.autoreload ?? debug,
    serveTraceback: input.serveTraceback ?? debug,
    compressResponse: input.compressResponse ?? false,
    xsrfCookies: input.xsrfCookies ?? false,
    xsrfCookieName: input.xsrfCookieName ?? '_xsrf',
    staticUrlPrefix: input.staticUrlPrefix ?? '/static/',
    autoescape: input.autoescape ?? true,
    maxBodySize: input.maxBodySize ?? 10 * 1024 * 1024,
    maxBufferedBodySize: input.maxBufferedBodySize ?? Math.max(64 * 1024 * 1024, input.maxBodySize ?? 0),
    maxEventStreamBytes: input.maxEventStreamBytes ?? 64 * 1024 * 1024,
    requestTimeout: input.requestTimeout ?? 300,
    maxConnections: input.maxConnections ?? connectionsFor(descriptorLimit()),
    websocketMaxMessageSize: input.websocketMaxMessageSize ?? 10 * 1024 * 1024,
    trustedDownstream: input.trustedDownstream ?? [],
    transport: transportSetting(input.transport),
  };
  positive('maxBodySize', settings.maxBodySize);
  positive('maxBufferedBodySize', settings.maxBufferedBodySize);
  positive('maxEventStreamBytes', settings.maxEventStreamBytes);
  if (settings.transforms !== undefined && !(Array.isArray(settings.transforms) && settings.transforms.every((transform) => typeof transform === 'function'))) {
    throw new ConfigurationError('transforms must be a list of OutputTransform classes');
  }
  if (settings.maxConnections !== undefined && !(Number.isInteger(settings.maxConnections) && settings.maxConnections > 0)) {
    throw new ConfigurationError(`maxConnections must be a positive whole number, got ${settings.maxConnections}`);
  }
  if (settings.maxBufferedBodySize < settings.maxBodySize) {
    throw new ConfigurationError(
      `maxBufferedBodySize (${settings.maxBufferedBodySize}) is below maxBodySize (${settings.maxBodySize}): a body of the largest size allowed could never be received; raise maxBufferedBodySize or lower maxBodySize`,
    );
  }
  if (settings.maxHeaderSize !== undefined) positive('maxHeaderSize', settings.maxHeaderSize);
  for (const name of ['requestTimeout', 'handlerTimeout'] as const) {
    const value = settings[name];
    if (value !== undefined && !(value > 0 && value <= 2 ** 31 / 1000)) throw new ConfigurationError(`${name} must be a positive number of seconds, got ${value}`);
  }
  if (settings.idleConnectionTimeout !== undefined && !(settings.idleConnectionTimeout > 0 && settings.idleConnectionTimeout <= 2 ** 31 / 1000)) {
    throw new ConfigurationError(`idleConnectionTimeout must be a positive number of seconds, got ${settings.idleConnectionTimeout}`);
  }
  if (settings.ssl) {
    for (const file of [settings.ssl.keyFile, settings.ssl.certFile]) {
      if (!file || !existsSync(file)) throw new ConfigurationError(`ssl: cannot read ${JSON.stringify(file)}; give keyFile and certFile as paths to PEM files`);
    }
  }
  if (settings.pubsub && !/^rediss?:\/\//.test(settings.pubsub.redis ?? '')) {
    throw new ConfigurationError(`pubsub.redis must be a Redis URL (redis://host:port), got ${JSON.stringify(settings.pubsub.redis)}`);
  }
  const retry = settings.pubsub?.maxRetryDelay;
  if (retry !== undefined && !(retry >= 1 && retry <= 2 ** 31 - 1)) throw new ConfigurationError(`pubsub.maxRetryDelay must be a number of milliseconds from 1, got ${retry}`);
  if (settings.cors) {
    const origins = settings.cors.origins;
    if (origins !== '*' && !Array.isArray(origins) && typeof origins !== 'function') {
      throw new ConfigurationError("cors.origins must be '*', a list of origins, or a function of the origin");
    }
    if (origins === '*' && settings.cors.credentials) {
      throw new ConfigurationError("cors: credentials cannot be allowed for every origin ('*'); list the origins or give a function");
    }
  }  positive('websocketMaxMessageSize', settings.websocketMaxMessageSize);
  if (!settings.staticUrlPrefix.startsWith('/') || !settings.staticUrlPrefix.endsWith('/')) {
    throw new ConfigurationError(`staticUrlPrefix '${settings.staticUrlPrefix}' must start and end with '/'`);
  }
  if (typeof settings.cookieSecret === 'object' && settings.keyVersion === undefined) {
    throw new ConfigurationError('cookieSecret is versioned ({ version: key }): also set keyVersion to the version that signs');
  }
  return settings;
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive number of bytes, got ${value}`);
}

/** What the transport takes from the settings; `reusePort` for worker threads sharing a port. */
export function transportOptions(settings: ResolvedSettings, reusePort = false): TransportOptions {
  const { ssl, idleConnectionTimeout, maxHeaderSize, requestTimeout, maxConnections } = settings;
  return { ssl, idleConnectionTimeout, maxHeaderSize, requestTimeout, maxConnections, reusePort };
}
