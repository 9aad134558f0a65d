import { headerValue, type HeaderList, type PullSource, type ServerExchange } from './types';

const DONE = Promise.resolve();

/**
 * What is left of an HTTP exchange once its connection became a WebSocket: the request data,
 * copied (method, path, query, headers, address), and an exchange that is over. The handler and
 * its request keep this small object for the connection's life instead of the transport's
 * exchange; nothing can be sent through it (the handler's output is sealed too).
 */
export class CopiedExchange implements ServerExchange {
  get state(): 'finished' {
    return 'finished';
  }

  constructor(
    readonly method: string,
    readonly protocol: string,
    readonly version: string,
    readonly path: string,
    readonly query: string,
    private readonly headers: HeaderList,
    readonly remoteAddress: string,
  ) {}

  header(name: string): string {
    return headerValue(this.headers, name);
  }

  headerList(): HeaderList {
    return this.headers;
  }

  hostLines(): number {
    let count = 0;
    for (let i = 0; i < this.headers.length; i += 2) if (this.headers[i] === 'host') count++;
    return count;
  }

  // The exchange is over: as for any finished exchange, output and body calls do nothing.
  keepRemoteAddress(): void {}
  onAbort(): void {}
  readBody(): void {}
  pauseBody(): void {}
  resumeBody(): void {}
  refreshTimeout(): void {}
  end(): void {}
  endWithoutBody(): void {}
  writeHead(): void {}
  write(): boolean {
    return true;
  }
  drained(): Promise<void> {
    return DONE;
  }
  endStream(_status: string, _headers: HeaderList, source: PullSource): Promise<void> {
    source.close();
    return DONE;
  }
  endChunked(): void {}
  closeWhenDone(): void {}
  close(): void {}
}
