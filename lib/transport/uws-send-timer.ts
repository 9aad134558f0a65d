import type { HttpResponse } from 'uWebSockets.js';

/** How often the timer is re-armed while a response waits for the socket. */
const TICK_MS = 2000;
/**
 * How long a client may take no bytes of a response before uWS is left to cut it: nginx's
 * `send_timeout` default (RFC 9110 sets none). A slow reader costs no memory here (nothing is
 * read from the source while the socket is full), only a connection.
 */
export const SEND_TIMEOUT_MS = 60_000;

/**
 * Keeps a uWS response alive while it waits for a slow client. When a write finds the socket
 * full, uWS arms its idle timer (10 s; `idleConnectionTimeout` on later builds) and does not
 * re-arm it while the response drains: a client that stops reading for that long (a burst
 * reader, a paused download, a phone changing networks) is cut mid-response, silently. From
 * `start()` until `stop()` (the socket took what was waiting), the timer is re-armed every
 * 2 s — pause() then resume() re-arms it — as long as the client took bytes within
 * {@link SEND_TIMEOUT_MS}; after that uWS's own timer decides.
 */
export class SendTimer {
  private timer: NodeJS.Timeout | null = null;
  private offset = -1;
  private progressAt = 0;

  /**
   * @param res the response, valid while `mayTouch()` says so
   * @param mayTouch true while the response is open and its reading is not paused by the
   * body's flow control (resume() would release that)
   */
  constructor(private readonly res: HttpResponse, private readonly mayTouch: () => boolean) {}

  /** A write found the socket full. */
  start(): void {
    if (this.timer) return;
    this.offset = -1;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** The socket took what was waiting, or the response is over. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (!this.mayTouch()) return this.stop();
    const now = Date.now();
    const offset = this.res.getWriteOffset();
    if (offset !== this.offset) {
      this.offset = offset;
      this.progressAt = now;
    }
    if (now - this.progressAt > SEND_TIMEOUT_MS) return this.stop();
    this.res.pause();
    this.res.resume();
  }
}
