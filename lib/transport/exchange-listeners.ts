import { TyphoonError } from '../common/errors';
import { notifyAbort, type AbortListener, type ExchangeState } from './types';

/**
 * How long, and how much more, a connection closing under a client that still sends is read
 * and discarded after its answer (a lingering close, as nginx and Go do), on both transports.
 */
export const LINGER_MS = 2000;
export const LINGER_BYTES = 1 << 20;

/**
 * What every transport's exchange keeps the same way: its state, who is told when the client
 * goes away (most requests have one listener, the handler: no array for them), and who waits
 * for the socket to drain or the exchange to be over.
 */
export abstract class ExchangeListeners {
  state: ExchangeState = 'open';
  private abortCallback: AbortListener | null = null;
  private abortCallbacks: AbortListener[] | null = null;
  private drainWaiters: Array<() => void> | null = null;

  onAbort(listener: AbortListener): void {
    if (!this.abortCallback) this.abortCallback = listener;
    else (this.abortCallbacks ??= []).push(listener);
  }

  /** Forgets the abort listeners. */
  private dropAbortListeners(): void {
    this.abortCallback = null;
    this.abortCallbacks = null;
  }

  /** The exchange was handed over (an upgrade): keep no listeners or waiters for the connection's life. */
  protected handOver(): void {
    this.dropAbortListeners();
    this.drainWaiters = null;
  }

  /** The client went away while the exchange was open: mark it, wake writers, tell the listeners once. */
  protected markAborted(): void {
    this.state = 'aborted';
    this.wakeDrainWaiters();
    const first = this.abortCallback;
    const callbacks = this.abortCallbacks;
    this.dropAbortListeners();
    if (first) notifyAbort(first);
    if (callbacks) for (const callback of callbacks) notifyAbort(callback);
  }

  /** Registers a wake-up; returns true for the first since the last wake (time to listen for drain). */
  protected addDrainWaiter(wake: () => void): boolean {
    const first = this.drainWaiters === null;
    (this.drainWaiters ??= []).push(wake);
    return first;
  }

  /** The socket drained, or the exchange is over (ended or aborted): anyone waiting to write may go on. */
  protected wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    if (!waiters || waiters.length === 0) return;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** A file (or other pull source) gave fewer bytes than the Content-Length already sent: the response is cut. */
export function bodySourceEnded(size: number): TyphoonError {
  return new TyphoonError('TYPHOON_ERR_BODY_SOURCE_ENDED', `The body source ended before ${size} bytes were sent (did the file shrink while it was being sent?)`);
}
