/**
 * The bytes all request bodies being buffered may hold at once, across connections
 * (`maxBufferedBodySize`). Each body reserves its declared `Content-Length` (a chunked one
 * `maxBodySize`) before it is read; one that does not fit waits, its client paused, in arrival
 * order. Reserving up front, rather than counting bytes as they come, is what makes the bound
 * hard: bodies that each got part of the budget can never all be waiting for the rest.
 *
 * @example
 * const budget = new BodyBudget(64 * 1024 * 1024);
 * if (!budget.reserve(1_000_000, () => console.log('granted later'))) console.log('waiting');
 * budget.release(1_000_000);
 */
export class BodyBudget {
  private used = 0;
  /** Bytes bodies received while they waited (a transport may hand over what it had read before the pause). */
  private early = 0;
  private readonly queue: Array<{ bytes: number; grant: () => void }> = [];

  /** @param limit bytes, at least `maxBodySize` (checked by the settings) */
  constructor(readonly limit: number) {}

  /** Bytes reserved right now. */
  get reserved(): number {
    return this.used;
  }

  /** Bodies waiting for their reservation. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Reserves `bytes` now and returns true, or queues the request and returns false: `grant` is
   * called once the bytes were reserved for it (the caller releases them).
   */
  reserve(bytes: number, grant: () => void): boolean {
    if (this.queue.length === 0 && this.fits(bytes)) {
      this.used += bytes;
      return true;
    }
    this.queue.push({ bytes, grant });
    return false;
  }

  /**
   * Counts bytes a waiting body received anyway; false once waiting bodies hold more than a
   * quarter of the limit that way (the caller then refuses its body rather than wait).
   */
  holdEarly(bytes: number): boolean {
    this.early += bytes;
    return this.early <= this.limit / 4;
  }

  /** Gives back early bytes (the body was granted, refused or left). */
  dropEarly(bytes: number): void {
    this.early -= bytes;
  }

  /** Withdraws a queued request (its client left or timed out before it was granted). */
  cancel(grant: () => void): void {
    const at = this.queue.findIndex((entry) => entry.grant === grant);
    if (at >= 0) this.queue.splice(at, 1);
    if (at === 0) this.grantWaiting();
  }

  /** Gives back a reservation; waiting bodies that now fit are granted, in order. */
  release(bytes: number): void {
    this.used -= bytes;
    this.grantWaiting();
  }

  private grantWaiting(): void {
    while (this.queue.length && this.fits(this.queue[0].bytes)) {
      const { bytes, grant } = this.queue.shift()!;
      this.used += bytes;
      grant();
    }
  }

  /** A body larger than the whole budget still runs alone (the settings prevent that case). */
  private fits(bytes: number): boolean {
    return this.used + bytes <= this.limit || this.used === 0;
  }
}
