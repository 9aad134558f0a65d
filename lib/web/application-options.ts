import type { TransportKind } from '../transport/types';
import type { TestBody } from './test-response';
import type { HandlerSpec } from './router';
import type { ApplicationSettings } from './settings';

/** `new Application(options)`: the handlers and the settings. */
export interface ApplicationOptions extends ApplicationSettings {
  /**
   * Routes: decorated classes, or Tornado tuples `[pattern, Class, initArgs?, name?]`.
   * Omitted: every class decorated with `@Route`/`@WebSocket` that is defined by the time the
   * application starts serving (`listen()`, `inject()`, `TestServer.start()`), declared before
   * or after `new Application()`, in declaration order; classes another application was given
   * explicitly (an extension's, through `addHandlers()`) are left to it.
   */
  handlers?: HandlerSpec[];
}

/** Options of {@link Application.listen}. */
export interface ListenOptions {
  /**
   * Worker threads serving the application (default 1; `'auto'`: one per CPU). With more than
   * one, the entry script runs again in each worker, which builds its own Application and
   * listens on the same port (SO_REUSEPORT); topics reach subscribers in every worker.
   */
  workers?: number | 'auto';
}

/** A request for {@link Application.inject}. */
export interface InjectOptions {
  /** Default `GET`. */
  method?: string;
  /** Path and query, e.g. `/items/1?full=1`. */
  url: string;
  headers?: Record<string, string | string[]>;
  /** Strings and Buffers as they are; other objects as JSON (with `Content-Type: application/json` unless given). */
  body?: TestBody;
  /**
   * The client address handlers see as `request.remoteIp`.
   *
   * @defaultValue `127.0.0.1`
   */
  remoteAddress?: string;
}

/** Options of {@link Application.close}. */
export interface CloseOptions {
  /**
   * Seconds to wait for in-flight requests before closing connections anyway.
   *
   * @defaultValue 10
   */
  timeout?: number;
}

/** The running server returned by {@link Application.listen}. */
export interface HTTPServer {
  /** The bound port (the free port picked when 0 was asked). */
  readonly port: number;
  readonly host: string;
  /** The transport serving: `'uws'` (uWebSockets.js) or `'node'` (`node:http` + `ws`). */
  readonly transport: TransportKind;
  /** Same as `app.close()`. */
  close(options?: CloseOptions): Promise<void>;
}
