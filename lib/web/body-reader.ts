import { HTTPError } from '../errors';
import type { ServerExchange } from '../transport/types';

/**
 * Reads a request body from the transport, enforcing the size limit. Created in the route
 * callback (the transport only accepts a body reader there); the body is then either collected
 * whole (`readAll`) or handed to a consumer chunk by chunk with flow control (`pipeTo`).
 */
export class BodyReader {
  private chunks: Buffer[] = [];
  private received = 0;
  private done = false;
  private failure: HTTPError | null = null;
  private wake: (() => void) | null = null;

  private timer: NodeJS.Timeout | undefined;

  /** @param timeout seconds to receive the whole body (`requestTimeout`); slower → 408 */
  constructor(private readonly exchange: ServerExchange, private readonly limit: number, timeout?: number) {
    exchange.readBody((chunk, last) => this.push(chunk, last));
    if (timeout !== undefined) {
      this.timer = setTimeout(() => {
        if (this.done) return;
        this.failure ??= new HTTPError(408, `request body not received within ${timeout} s`);
        this.chunks = [];
        this.wake?.();
      }, timeout * 1000);
    }
    exchange.onAbort(() => {
      this.failure ??= new HTTPError(400, 'The client closed the connection before the body was complete');
      this.wake?.();
    });
  }

  /** Resolves with the whole body; HTTPError 413 past the limit, 400 if the client vanished. */
  async readAll(): Promise<Buffer> {
    while (!this.done && !this.failure) await this.next();
    if (this.failure) throw this.failure;
    const chunks = this.chunks;
    this.chunks = [];
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.received);
  }

  /**
   * Hands each chunk to `consume`; while a returned promise is pending the transport is paused,
   * so a slow consumer slows the client instead of filling memory.
   */
  async pipeTo(consume: (chunk: Buffer) => void | Promise<void>): Promise<void> {
    for (;;) {
      while (this.chunks.length) {
        const chunk = this.chunks.shift()!;
        const pending = consume(chunk);
        if (pending instanceof Promise) {
          this.exchange.pauseBody();
          await pending;
          this.exchange.resumeBody();
        }
      }
      if (this.failure) throw this.failure;
      if (this.done) return;
      await this.next();
    }
  }

  private push(chunk: Buffer, last: boolean): void {
    if (this.failure) return;
    this.received += chunk.length;
    if (this.received > this.limit) {
      this.failure = new HTTPError(413, `Request body exceeds the limit of ${this.limit} bytes`);
      this.chunks = [];
    } else if (chunk.length) {
      this.chunks.push(chunk);
    }
    if (last) {
      this.done = true;
      clearTimeout(this.timer);
    }
    this.wake?.();
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
