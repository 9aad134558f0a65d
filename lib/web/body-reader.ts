import { HTTPError } from '../common/http-errors';
import type { ServerExchange } from '../transport/types';
import type { BodyBudget } from './body-budget';

/** The limits a request body is read under (from the application settings). */
export interface BodyLimits {
  /** Bytes one body may have (`maxBodySize`); more → 413. */
  maxBodySize: number;
  /** Seconds to receive the whole body (`requestTimeout`); slower → 408. */
  requestTimeout: number;
  /** Seconds the client may send nothing while the body is read (`idleConnectionTimeout`); longer → 408. */
  idleTimeout: number;
  /** What buffered bodies may hold together (`maxBufferedBodySize`). */
  budget: BodyBudget;
}

/** How often a slow body's deadlines are checked, and the transport told it is still alive. */
const CHECK_MS = 2000;
const TIMER_SLACK_MS = 5;

/**
 * Reads a request body from the transport, enforcing the size limit, the timeouts and the
 * application's budget for buffered bodies. Created in the route callback (the transport only
 * accepts a body reader there); the body is then either collected whole (`readAll`) or handed
 * to a consumer chunk by chunk with flow control (`pipeTo`).
 *
 * A buffered body first reserves its declared length from the budget and holds it until the
 * request ends ({@link release}); while it does not fit, its client is paused, and after
 * `idleTimeout` (or `requestTimeout`, if shorter) of waiting it gets 503 with `Retry-After`. A
 * streamed body is paused until its consumer starts. While the client is paused by us, it is
 * not idle.
 */
export class BodyReader {
  private chunks: Buffer[] = [];
  /**
   * A buffered body of declared length is copied into one buffer of that length, allocated at
   * its first byte: one allocation instead of one per chunk plus their concatenation, and one
   * that the C allocator gives back to the system when it is freed (many small ones it keeps).
   */
  private whole: Buffer | null = null;
  private readonly declaredLength: number | null;
  private received = 0;
  private done = false;
  private failure: HTTPError | null = null;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private lastChunk = this.started;
  /** Why the body flow is paused by us, if it is: waiting for the budget, or for the consumer. */
  private paused: 'budget' | 'consumer' | null = null;
  /** Bytes reserved from the budget (0 for a streamed body, or once given back). */
  private reservation = 0;
  /** Bytes received while waiting for the reservation, counted by the budget as early. */
  private early = 0;
  /** The request is over (released): later chunks are dropped. */
  private over = false;
  /** The body step is reading it (readAll): only then is the one buffer of its length allocated. */
  private reading = false;
  private readonly granted = () => this.grant();

  /**
   * @param declaredLength the `Content-Length`, or null for a chunked body
   * @param buffered false when the body is streamed to the handler (`@streamRequestBody`)
   */
  constructor(private readonly exchange: ServerExchange, private readonly limits: BodyLimits, declaredLength: number | null, buffered: boolean) {
    this.declaredLength = buffered ? declaredLength : null;
    exchange.readBody((chunk, last) => this.push(chunk, last));
    exchange.onAbort(() => this.fail(new HTTPError(400, 'The client closed the connection before the body was complete')));
    if (!buffered) this.pause('consumer');
    else {
      const bytes = Math.min(declaredLength ?? limits.maxBodySize, limits.maxBodySize);
      if (limits.budget.reserve(bytes, this.granted)) this.reservation = bytes;
      else {
        this.reservation = bytes;
        this.pause('budget');
      }
    }
    this.schedule();
  }

  /** Resolves with the whole body; HTTPError 413 past the limit, 408 too slow, 400 if the client vanished, 503 no budget. */
  async readAll(): Promise<Buffer> {
    this.reading = true;
    // Bytes that came before the reservation was granted (uWS may hand over what it had
    // buffered after a pause) wait with the rest: the handler runs only within the budget.
    while ((!this.done || this.paused === 'budget') && !this.failure) await this.next();
    if (this.failure) throw this.failure;
    if (this.whole) {
      const whole = this.whole;
      this.whole = null;
      return whole.length === this.received ? whole : whole.subarray(0, this.received);
    }
    const chunks = this.chunks;
    this.chunks = [];
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.received);
  }

  /**
   * Hands each chunk to `consume`; while a returned promise is pending the transport is paused,
   * so a slow consumer slows the client instead of filling memory.
   */
  async pipeTo(consume: (chunk: Buffer) => void | Promise<void>): Promise<void> {
    this.resume();
    for (;;) {
      while (this.chunks.length) {
        const chunk = this.chunks.shift()!;
        const pending = consume(chunk);
        if (pending instanceof Promise) {
          this.pause('consumer');
          await pending;
          this.resume();
        }
      }
      if (this.failure) throw this.failure;
      if (this.done) return;
      await this.next();
    }
  }

  /** Takes a chunk that is valid only during this call: it is copied. */
  private push(chunk: Uint8Array, last: boolean): void {
    if (this.failure || this.over) return;
    this.lastChunk = Date.now();
    if (this.done) return; // bytes after the end (never from a transport that frames bodies)
    const at = this.received;
    this.received += chunk.length;
    if (this.received > this.limits.maxBodySize) return this.fail(new HTTPError(413, `Request body exceeds the limit of ${this.limits.maxBodySize} bytes`));
    if (this.declaredLength !== null && this.received > this.declaredLength) return this.fail(new HTTPError(400, 'more body than Content-Length declared'));
    if (chunk.length) this.keep(chunk, at);
    if (this.paused === 'budget') {
      this.early += chunk.length;
      if (!this.limits.budget.holdEarly(chunk.length)) return this.fail(this.noRoom());
    }
    if (last) {
      this.done = true;
      if (this.paused !== 'budget') clearTimeout(this.timer);
    }
    this.wake?.();
  }

  /**
   * Keeps a copy of a chunk. Only a body being read that holds its reservation gets the one
   * buffer of its declared length: a body still waiting for the budget, one whose request was
   * answered before its body step, or one whose request is over keeps no more than the bytes it
   * actually received.
   */
  private keep(chunk: Uint8Array, at: number): void {
    const declared = this.declaredLength;
    if (declared !== null && this.reading && this.reservation > 0 && this.paused !== 'budget') {
      if (!this.whole) {
        this.whole = declared < 4096 ? Buffer.allocUnsafe(declared) : Buffer.allocUnsafeSlow(declared);
        let offset = 0;
        for (const kept of this.chunks) {
          this.whole.set(kept, offset);
          offset += kept.length;
        }
        this.chunks = [];
      }
      this.whole.set(chunk, at);
    } else {
      this.chunks.push(Buffer.copyBytesFrom(chunk));
    }
  }

  /**
   * The request is over: the reservation goes back to the budget (a body still waiting for one
   * leaves the queue) and the timer stops. Safe to call more than once.
   */
  release(): void {
    // What still arrives is read by the transport and dropped here (the answer is out).
    this.over = true;
    this.chunks = [];
    this.whole = null;
    clearTimeout(this.timer);
    const budget = this.limits.budget;
    budget.dropEarly(this.early);
    this.early = 0;
    if (this.paused === 'budget') budget.cancel(this.granted);
    else if (this.reservation) budget.release(this.reservation);
    this.reservation = 0;
  }

  /** The body cannot be had: the reader's waiter gets `error`; later chunks are dropped. */
  private fail(error: HTTPError): void {
    if (this.failure || (this.done && this.paused !== 'budget')) return;
    this.failure = error;
    this.chunks = [];
    this.whole = null;
    this.release();
    // A client too slow to send its body gets its answer on a connection that then closes.
    if (error.statusCode === 408) this.exchange.closeWhenDone();
    // The transport reads on (and discards) while it answers: never leave the client paused.
    if (this.paused) this.exchange.resumeBody();
    this.paused = null;
    this.wake?.();
  }

  private grant(): void {
    if (this.paused !== 'budget') return;
    this.limits.budget.dropEarly(this.early);
    this.early = 0;
    this.resume();
    if (this.done) clearTimeout(this.timer);
    this.wake?.();
  }

  private pause(why: 'budget' | 'consumer'): void {
    this.paused = why;
    this.exchange.pauseBody();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = null;
    // Waiting paused is not idling: the client's silence counts from now.
    this.lastChunk = Date.now();
    this.exchange.resumeBody();
  }

  /** Arms the timer for the next deadline, or for the next liveness check of a slow body. */
  private schedule(): void {
    const { requestTimeout, idleTimeout } = this.limits;
    const now = Date.now();
    let next = Math.min(this.started + requestTimeout * 1000, now + CHECK_MS);
    if (this.paused === 'budget') next = Math.min(next, this.started + Math.min(idleTimeout, requestTimeout) * 1000);
    else if (!this.paused) next = Math.min(next, this.lastChunk + idleTimeout * 1000);
    this.timer = setTimeout(() => this.check(), Math.max(next - now, 1));
  }

  private check(): void {
    if (this.failure || (this.done && this.paused !== 'budget')) return;
    const { requestTimeout, idleTimeout } = this.limits;
    // A timer armed for a deadline may fire a millisecond before Date.now() says it passed:
    // counted as passed, or a timer of the same length armed after this one (handlerTimeout)
    // would fire first.
    const now = Date.now() + TIMER_SLACK_MS;
    const wait = Math.min(idleTimeout, requestTimeout);
    if (this.paused === 'budget' && now - this.started >= wait * 1000) return this.fail(this.noRoom());
    if (now - this.started >= requestTimeout * 1000) return this.fail(new HTTPError(408, `request body not received within ${requestTimeout} s (requestTimeout)`));
    if (!this.paused && now - this.lastChunk >= idleTimeout * 1000) {
      return this.fail(new HTTPError(408, `nothing of the request body received for ${idleTimeout} s (idleConnectionTimeout)`));
    }
    // Still coming: tell the transport, whose own timer may count differently (uWS drops a
    // body arriving slower than 16 KiB/s).
    if (!this.paused) this.exchange.refreshTimeout();
    this.schedule();
  }

  /** 503 for a body that found no room in the budget. */
  private noRoom(): HTTPError {
    const wait = Math.min(this.limits.idleTimeout, this.limits.requestTimeout);
    const reason = `no room among the request bodies being received (maxBufferedBodySize ${this.limits.budget.limit} bytes)`;
    return new HTTPError(503, reason, { headers: { 'Retry-After': String(Math.ceil(wait)) } });
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }
}
