import { Buffer } from 'node:buffer';
import type { HttpResponse } from 'uWebSockets.js';
import { streamBuffers } from './buffer-pool';
import { bodySourceEnded } from './exchange-listeners';
import type { AbortListener, PullSource } from './types';
import { SendTimer } from './uws-send-timer';

/** What `pumpSource` needs of the exchange whose response it ends. */
export interface PumpTarget {
  /** Writes the status line and headers (called inside `cork`, once, before the first chunk). */
  writeHead(): void;
  /** True while the response may still be written. */
  isOpen(): boolean;
  /** Calls `listener` when the client goes away. */
  onAbort(listener: AbortListener): void;
  /** The last byte was taken: the response is complete. */
  finished(): void;
  /** Reading the source failed after the head went out: only closing is honest. */
  failed(error: unknown): void;
}

/**
 * Ends a uWS response with `source.size` bytes pulled from `source` (a file range), with
 * backpressure: `tryEnd` offers each chunk, and what the socket does not take waits for
 * `onWritable` (uWS's documented streaming pattern, as its VideoStreamer example). Resolves when
 * the response is complete, the client left, or the source failed (then `target.failed`).
 */
export function pumpSource(res: HttpResponse, source: PullSource, target: PumpTarget): Promise<void> {
  return new Promise((resolve) => {
    const size = source.size;
    // One buffer per response, refilled once uWS took its bytes (uWS copies what it cannot
    // send at once, or leaves it to us to offer again): nothing allocated per chunk. It goes
    // back to the pool when the stream stops, or after a read still in progress then.
    const buffer = streamBuffers.take(size);
    let headWritten = false;
    let stopped = false;
    // A client that reads slowly or in bursts is not cut while it still takes bytes.
    const sendTimer = new SendTimer(res, () => !stopped && target.isOpen());
    const stop = (error?: unknown) => {
      if (stopped) return;
      stopped = true;
      sendTimer.stop();
      if (!reading) streamBuffers.give(buffer);
      source.close();
      if (error) target.failed(error);
      resolve();
    };
    const finished = () => {
      target.finished();
      stop();
    };
    target.onAbort(() => stop());
    let reading = false;
    /** The chunk uWS did not take (all of it or the rest), and the write offset it started at. */
    let waiting: { chunk: Buffer; offset: number } | null = null;
    let writableHandler = false;
    const pull = () => {
      // One read at a time into the one buffer.
      if (reading || stopped) return;
      reading = true;
      source
        .read(buffer)
        .then((count) => {
          reading = false;
          if (stopped) streamBuffers.give(buffer);
          else if (!target.isOpen()) stop();
          else if (count === 0) stop(bodySourceEnded(size));
          else offer(buffer.subarray(0, count));
        })
        .catch((error: unknown) => {
          reading = false;
          if (stopped) streamBuffers.give(buffer);
          else stop(error);
        });
    };
    /** Offers a chunk to uWS; what the socket does not take waits for onWritable. */
    const offer = (chunk: Buffer) => {
      const offset = res.getWriteOffset();
      let ok = false;
      let done = false;
      res.cork(() => {
        if (!headWritten) {
          target.writeHead();
          headWritten = true;
        }
        [ok, done] = res.tryEnd(chunk, size);
      });
      if (done) return finished();
      if (ok) return pull();
      waiting = { chunk, offset };
      sendTimer.start();
      if (writableHandler) return;
      writableHandler = true;
      // Registered once: uWS keeps it, and may call it when nothing is waiting (a spurious
      // writable event, or after the last retry succeeded): then there is nothing to do.
      res.onWritable((writeOffset) => {
        const retry = waiting;
        if (!retry) return true;
        const rest = retry.chunk.subarray(writeOffset - retry.offset);
        if (rest.length === 0) {
          // uWS took the whole chunk after all. Never offer an empty one: from v20.52 an empty
          // tryEnd completes the response whatever its announced size.
          waiting = null;
          sendTimer.stop();
          pull();
          return true;
        }
        const [retryOk, retryDone] = res.tryEnd(rest, size);
        if (retryDone) {
          waiting = null;
          finished();
        } else if (retryOk) {
          waiting = null;
          sendTimer.stop();
          pull();
        }
        return retryOk;
      });
    };
    if (size === 0) offer(Buffer.alloc(0));
    else pull();
  });
}
