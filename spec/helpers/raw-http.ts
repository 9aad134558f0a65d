import net from 'node:net';

// waitFor lives in promises.ts; re-exported for the specs that import it from here.
export { waitFor } from './promises';

/** Sends raw bytes to a server and collects everything it answers until it closes or goes quiet. */
export async function rawRequest(port: number, data: string | Buffer, quietMs = 300): Promise<string> {
  return (await rawExchange(port, data, quietMs)).data;
}

/** Like rawRequest, and tells whether the server closed the connection (rather than going quiet). */
export function rawExchange(port: number, data: string | Buffer, quietMs = 300): Promise<{ data: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout;
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: received, closedByServer });
    };
    const done = () => finish(true);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), quietMs);
    };
    socket.on('connect', () => {
      socket.write(data);
      arm();
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      arm();
    });
    socket.on('end', done);
    socket.on('error', (error) => (received ? done() : reject(error)));
  });
}

/** Parses the status lines of every response in a raw HTTP/1.1 byte stream. */
export function statusLines(raw: string): string[] {
  return raw.match(/HTTP\/1\.1 \d{3}[^\r\n]*/g) ?? [];
}
