import type { Application } from './application';

const budgets = new WeakMap<Application, EventStreamBudget>();

/**
 * Ends every event stream of `app` (the application is closing): each response finishes, so a
 * drain does not wait out its timeout for streams that never end, and each browser reconnects
 * with `Last-Event-ID`, to whichever server listens next. Streams opened from now on end at once.
 */
export function closeEventStreams(app: Application): void {
  budgets.get(app)?.closeAll();
}

/** The application's budget, made on its first event stream. */
export function eventStreamBudget(app: Application): EventStreamBudget {
  let budget = budgets.get(app);
  if (!budget) budgets.set(app, (budget = new EventStreamBudget(app.settings.maxEventStreamBytes)));
  return budget;
}

/** What the budget asks of an event stream it may have to drop. */
export interface BudgetedStream {
  /** Bytes of this stream's events its client has not taken yet. */
  readonly buffered: number;
  /** Closes the stream and its connection: its client stopped reading. */
  drop(): void;
  /** Ends the stream and its response. */
  close(): Promise<void>;
}

/**
 * The bytes of server-sent events waiting for clients that do not read, across every event
 * stream of one application (`maxEventStreamBytes`). A stream reserves each event's bytes
 * before writing it; when they would not fit, the stream holding the most is dropped — the
 * worst reader, whose client reconnects later with `Last-Event-ID` — until they do. So memory
 * stays bounded however many clients stop reading, and a client that reads is never dropped
 * for the others.
 */
export class EventStreamBudget {
  private total = 0;
  private readonly streams = new Set<BudgetedStream>();
  /** Set when the application began closing. */
  private closing = false;

  constructor(readonly limit: number) {}

  /** Bytes reserved now, by every stream. */
  get used(): number {
    return this.total;
  }

  add(stream: BudgetedStream): void {
    this.streams.add(stream);
    // Opened while the application closes: its handler returns first, then the stream ends.
    if (this.closing) setImmediate(() => void stream.close().catch(() => undefined));
  }

  /** Ends every stream, and those opened from now on. */
  closeAll(): void {
    this.closing = true;
    for (const stream of this.streams) void stream.close().catch(() => undefined);
  }

  /** The stream is over: what it still holds no longer counts (its connection is closing). */
  remove(stream: BudgetedStream): void {
    if (this.streams.delete(stream)) this.total -= stream.buffered;
  }

  /**
   * Reserves `bytes` for `stream`'s next event, dropping the streams that hold the most until
   * they fit. False when `stream` itself holds the most: the caller drops it.
   */
  reserve(stream: BudgetedStream, bytes: number): boolean {
    while (this.total + bytes > this.limit) {
      let worst: BudgetedStream | null = null;
      for (const candidate of this.streams) if (!worst || candidate.buffered > worst.buffered) worst = candidate;
      if (!worst || worst === stream || worst.buffered <= stream.buffered) return false;
      worst.drop();
    }
    this.total += bytes;
    return true;
  }

  /** `stream`'s client took `bytes` (or the stream was dropped before: then nothing is counted). */
  release(stream: BudgetedStream, bytes: number): void {
    if (this.streams.has(stream)) this.total -= bytes;
  }
}
