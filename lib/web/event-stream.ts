import { UnsafeValueError } from '../common/errors';
import { invalidArgument } from '../common/invalid-argument';
import type { BudgetedStream, EventStreamBudget } from './event-stream-budget';
import { jsonText } from './json-text';

/** One server-sent event (HTML Living Standard §9.2, "Server-sent events"). */
export interface ServerSentEvent {
  /**
   * The payload: a string as it is (several lines become several `data:` lines), anything else
   * as JSON (`undefined` as `null`, so that the browser dispatches the event).
   */
  data: unknown;
  /** The event type the page listens for (`addEventListener(event, ...)`); default `message`. */
  event?: string;
  /** The id the browser sends back as `Last-Event-ID` when it reconnects. */
  id?: string | number;
  /** Milliseconds the browser waits before reconnecting. */
  retry?: number;
}

/** Options of `RequestHandler.startEventStream()`. */
export interface EventStreamOptions {
  /**
   * Seconds between heartbeats (a comment line) while nothing else is sent, so that proxies
   * and idle timers (uWS's 10 s) never cut a quiet stream.
   *
   * @defaultValue 5
   */
  heartbeat?: number;
  /** Milliseconds the browser should wait before reconnecting (sent once, at the start). */
  retry?: number;
  /**
   * Bytes of events that may wait for a client that does not read (sends not awaited, as from a
   * timer): past it the stream is closed, as a WebSocket past its backpressure limit. All the
   * application's streams together are bounded too (`maxEventStreamBytes`, 64 MiB).
   *
   * @defaultValue 1 MiB
   */
  maxBufferedBytes?: number;
}

/** What an event stream needs of its handler (the handler's own output methods). */
export interface EventStreamOutput {
  write(chunk: string): void;
  flush(): Promise<void>;
  finish(): Promise<void>;
  readonly finished: boolean;
  readonly signal: AbortSignal;
}

/** @internal The key of `stream[ENDED]()`: the response ended (`finish()`, an error page). */
export const ENDED = Symbol('typhoon.eventStream.ended');

/**
 * A server-sent event stream (`text/event-stream`), made by `RequestHandler.startEventStream()`:
 * the other real-time channel, for live dashboards and notifications. Each `send` resolves once
 * the client's socket took the event (a slow client slows the producer); the stream ends when
 * the client goes away (`closed` resolves) or when `close()` ends the response.
 *
 * @example
 * ```ts
 * @Route('/figures')
 * class Figures extends RequestHandler {
 *   async get() {
 *     const stream = await this.startEventStream();
 *     let id = Number(stream.lastEventId ?? 0);
 *     const timer = setInterval(() => void stream.send({ event: 'figures', id: ++id, data: { rss: process.memoryUsage().rss } }), 1000);
 *     await stream.closed; // until the client goes
 *     clearInterval(timer);
 *   }
 * }
 * ```
 */
export class EventStream implements BudgetedStream {
  /** Resolves when the stream is over: the client went away, or `close()` was called. */
  readonly closed: Promise<void>;
  private ended = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private endStream!: () => void;
  private readonly heartbeatSeconds: number;
  private readonly retry: number | undefined;
  private readonly maxBufferedBytes: number;
  /** Bytes of events written whose flush has not completed: the client has not taken them yet. */
  buffered = 0;
  /** Events written so far (the pump flushes until no new one came while it waited). */
  private written = 0;
  /** The flush in progress, which the sends made meanwhile wait for too. */
  private pumping: Promise<void> | null = null;

  /**
   * @param lastEventId the `Last-Event-ID` the browser sent when it reconnected, or null
   * @param connection `close()` drops a client that stopped reading
   * @param budget the bytes all the application's streams may hold
   * @throws RangeError for options out of range
   */
  constructor(
    private readonly output: EventStreamOutput,
    private readonly connection: { close(): void },
    readonly lastEventId: string | null,
    options: EventStreamOptions = {},
    private readonly budget?: EventStreamBudget,
  ) {
    this.heartbeatSeconds = inRange('heartbeat', options.heartbeat ?? 5, 0, 2_147_483);
    this.retry = options.retry === undefined ? undefined : inRange('retry', options.retry, 0, 2 ** 31);
    this.maxBufferedBytes = inRange('maxBufferedBytes', options.maxBufferedBytes ?? 1024 * 1024, 1, Number.MAX_SAFE_INTEGER);
    this.closed = new Promise((resolve) => (this.endStream = resolve));
    budget?.add(this);
    if (output.signal.aborted) this.over();
    else output.signal.addEventListener('abort', () => this.over(), { once: true });
  }

  /** True once the client went away or `close()` was called; `send` then does nothing. */
  get isClosed(): boolean {
    return this.ended;
  }

  /**
   * Sends one event. Resolves when the client's socket took it; after the stream ended it
   * does nothing (a timer need not check first).
   *
   * @throws UnsafeValueError for an `event` or `id` with a line break (or NUL, in an id)
   * @throws TypeError for `data` with no JSON text (a function, a symbol, a bigint, a cycle) or a Promise
   */
  send(event: ServerSentEvent): Promise<void> {
    return this.emit(formatEvent(event));
  }

  /** Sends a comment line (ignored by the browser): what heartbeats are. */
  comment(text = ''): Promise<void> {
    return this.emit(`:${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  /** Ends the stream and the response; the browser reconnects after `retry` unless the page closes its EventSource. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.over();
    if (!this.output.finished) await this.output.finish();
  }

  /** @internal Writes the opening lines and sends the headers. */
  async open(): Promise<void> {
    this.output.write(this.retry === undefined ? ':\n\n' : `retry: ${Math.floor(this.retry)}\n\n`);
    await this.output.flush();
    this.beat();
  }

  /** @internal The response ended (`finish()`, an error page): the stream is over. */
  [ENDED](): void {
    this.over();
  }

  /**
   * Closes the stream and its connection now: what a client that stopped reading gets (past
   * `maxBufferedBytes`, or `maxEventStreamBytes` across streams) rather than the memory.
   */
  drop(): void {
    this.over();
    this.connection.close();
  }

  private async emit(text: string): Promise<void> {
    if (this.ended || this.output.finished) return;
    const size = text.length;
    if (this.buffered > this.maxBufferedBytes || (this.budget && !this.budget.reserve(this, size))) return this.drop();
    this.buffered += size;
    this.output.write(text);
    this.written++;
    this.beat();
    try {
      await (this.pumping ??= this.pump());
    } catch {
      this.over(); // the client went away while the event was on its way
    } finally {
      this.buffered -= size;
      this.budget?.release(this, size);
    }
  }

  /**
   * Flushes what was written, again while more was written meanwhile: events sent while the
   * socket is full wait together in one buffer and go out in one write, not each with a flush,
   * a promise and a copy of its own. Every send waiting on it resolves when it is done.
   */
  private async pump(): Promise<void> {
    try {
      let written = -1;
      while (written !== this.written) {
        written = this.written;
        await this.output.flush();
      }
    } finally {
      this.pumping = null;
    }
  }

  /** (Re)starts the heartbeat: the next one comes a full interval after the last thing sent. */
  private beat(): void {
    clearTimeout(this.heartbeat);
    if (this.ended || !(this.heartbeatSeconds > 0)) return;
    this.heartbeat = setTimeout(() => void this.comment(), this.heartbeatSeconds * 1000);
  }

  private over(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.heartbeat);
    this.budget?.remove(this);
    this.endStream();
  }
}

/** One event in the wire format: `event:`, `id:`, `retry:`, one `data:` line per line, a blank line. */
export function formatEvent(event: ServerSentEvent): string {
  let text = '';
  if (event.event !== undefined) text += `event: ${field('event', event.event)}\n`;
  if (event.id !== undefined) text += `id: ${field('id', String(event.id))}\n`;
  if (event.retry !== undefined) text += `retry: ${Math.max(0, Math.floor(event.retry))}\n`;
  const data = typeof event.data === 'string' ? event.data : jsonText(event.data ?? null, undefined, 'EventStream.send()');
  for (const line of data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

function field(name: string, value: string): string {
  // A line break would end the field early; NUL makes the browser ignore an id.
  if (/[\r\n]/.test(value) || (name === 'id' && value.includes('\0'))) {
    throw new UnsafeValueError(`Server-sent event ${name} ${JSON.stringify(value)} contains a line break${name === 'id' ? ' or NUL' : ''}`);
  }
  return value;
}

function inRange(name: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !(value >= min && value <= max)) throw invalidArgument(RangeError, `Event stream ${name} must be a number from ${min} to ${max}, got ${String(value)}`);
  return value;
}
