import { Buffer } from 'node:buffer';

/** Bytes of a streamed response body read and offered at a time. */
export const STREAM_CHUNK = 128 * 1024;

/** Free buffers kept for reuse (8 MiB): enough for a burst of downloads, little when idle. */
const KEPT = 32;

/**
 * Reuses the buffers that stream response bodies (file ranges), one {@link STREAM_CHUNK} each.
 * Without it, every download allocates its own, and the ones of aborted downloads wait for a
 * garbage collection that an idle process may never run; the C allocator then keeps the memory
 * even after it was freed. A buffer is given back only once nothing (a pending read, a write
 * the socket has not taken) can still touch it.
 *
 * @example
 * const buffer = streamBuffers.take(fileSize);
 * try { await file.read(buffer); } finally { streamBuffers.give(buffer); }
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(readonly size: number, private readonly kept: number) {}

  /** A buffer for a body of `total` bytes: a pooled one, or an exact small one for a small body. */
  take(total: number): Buffer {
    if (total < this.size) return Buffer.allocUnsafeSlow(Math.max(total, 1));
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives a buffer back (small ones and any beyond what is kept are left to the collector). */
  give(buffer: Buffer): void {
    if (buffer.length === this.size && this.free.length < this.kept) this.free.push(buffer);
  }

  /** Free buffers held now. */
  get available(): number {
    return this.free.length;
  }
}

/** The process's pool of streaming buffers (both transports). */
export const streamBuffers = new BufferPool(STREAM_CHUNK, KEPT);
