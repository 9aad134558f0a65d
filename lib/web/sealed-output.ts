import { ResponseStateError } from '../common/errors';
import type { ServerExchange } from '../transport/types';
import { ResponseOutput } from './response-output';

/**
 * The output of a handler whose connection became a WebSocket: the 101 is sent, nothing more
 * can be written over HTTP. One shared instance, so open connections keep no output state.
 */
class SealedOutput extends ResponseOutput {
  constructor() {
    super(null as unknown as ServerExchange);
    this.state = 'finished';
    this.status = 101;
  }

  private refuse(): never {
    throw new ResponseStateError('The connection was upgraded to a WebSocket: use writeMessage(), not the HTTP response');
  }

  override setStatus(): void {
    this.refuse();
  }
  override setHeader(): void {
    this.refuse();
  }
  override setTrustedHeader(): void {
    this.refuse();
  }
  override addHeader(): void {
    this.refuse();
  }
  override setCookieHeader(): void {
    this.refuse();
  }
  override clearHeader(): void {
    this.refuse();
  }
  override reset(): void {
    this.refuse();
  }
  override write(): void {
    this.refuse();
  }
  override flush(): Promise<void> {
    return Promise.reject(new ResponseStateError('The connection was upgraded to a WebSocket'));
  }
  override finish(): void {
    this.refuse();
  }
  override getHeader(): string | undefined {
    return undefined;
  }
}

/** The shared output of upgraded handlers. */
export const SEALED_OUTPUT: ResponseOutput = new SealedOutput();
