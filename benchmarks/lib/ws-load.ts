/**
 * A lean WebSocket load client on raw TCP sockets: a prebuilt masked frame per message and
 * byte counting on receipt, so one client core can outpace the server under test.
 */
import net from 'node:net';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Opens a WebSocket (handshake only); resolves with the socket and any bytes after the head. */
export function connect(port: number, path: string): Promise<{ socket: net.Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (!head.subarray(0, 12).toString().includes('101')) {
        socket.destroy();
        reject(new Error(`handshake refused: ${head.subarray(0, end).toString()}`));
        return;
      }
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
  });
}

/** A masked client text frame (mask key 0: the payload goes as it is). */
export function frame(payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error('frames above 125 bytes are not needed here');
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/** Server frames of a `size`-byte unmasked payload are `size + 2` bytes. */
const serverFrameSize = (size: number) => size + 2;

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Echo: `connections` sockets, each keeping `depth` messages in flight, for `seconds`. */
export async function echoLoad(port: number, seconds: number, connections = 50, depth = 8, size = 32): Promise<{ rate: number; p99ms: number; messages: number }> {
  const message = frame(Buffer.alloc(size, 97));
  const frameSize = serverFrameSize(size);
  const sockets = await Promise.all(Array.from({ length: connections }, () => connect(port, '/echo')));
  let received = 0;
  let running = true;
  const latencies: number[] = [];
  const started = performance.now();
  await new Promise<void>((resolve) => {
    for (const { socket, rest } of sockets) {
      const sentAt: number[] = [];
      let pending = rest.length;
      const send = () => {
        sentAt.push(performance.now());
        socket.write(message);
      };
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.length;
        const frames = Math.floor(pending / frameSize);
        pending -= frames * frameSize;
        const now = performance.now();
        for (let i = 0; i < frames; i++) {
          const at = sentAt.shift();
          if (at !== undefined && (received & 15) === 0) latencies.push(now - at);
          received++;
          if (running) send();
        }
      });
      for (let i = 0; i < depth; i++) send();
    }
    setTimeout(() => {
      running = false;
      resolve();
    }, seconds * 1000);
  });
  const elapsed = (performance.now() - started) / 1000;
  for (const { socket } of sockets) socket.destroy();
  return { rate: received / elapsed, p99ms: percentile(latencies, 99), messages: received };
}

/**
 * Broadcast: `receivers` subscribed sockets (spread over `ports`, e.g. two processes sharing
 * Redis) plus a sender on the first port keeping `depth` broadcasts in flight.
 */
export async function broadcastLoad(ports: number | number[], seconds: number, receivers = 1000, depth = 4, size = 32): Promise<{ rate: number; p99ms: number; messages: number }> {
  const targets = Array.isArray(ports) ? ports : [ports];
  const message = frame(Buffer.alloc(size, 98));
  const frameSize = serverFrameSize(size);
  const listeners: net.Socket[] = [];
  for (let i = 0; i < receivers; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, receivers - i) }, (_, j) => connect(targets[(i + j) % targets.length], '/broadcast')));
    listeners.push(...batch.map(({ socket }) => socket));
  }
  const { socket: sender } = await connect(targets[0], '/broadcast');
  await new Promise((resolve) => setTimeout(resolve, 200)); // let every subscription settle
  let deliveredBytes = 0;
  let sent = 0;
  let running = true;
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const complete = () => Math.floor(deliveredBytes / frameSize / receivers);
  let acknowledged = 0;
  const started = performance.now();
  const pump = () => {
    const done = complete();
    const now = performance.now();
    while (acknowledged < done) {
      const at = sentAt[acknowledged++];
      if (at !== undefined) latencies.push(now - at);
    }
    while (running && sent - done < depth) {
      sentAt.push(performance.now());
      sent++;
      sender.write(message);
    }
  };
  sender.on('data', () => undefined);
  for (const socket of listeners) {
    socket.on('data', (chunk: Buffer) => {
      deliveredBytes += chunk.length;
      pump();
    });
  }
  pump();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  running = false;
  const elapsed = (performance.now() - started) / 1000;
  const messages = Math.floor(deliveredBytes / frameSize);
  sender.destroy();
  for (const socket of listeners) socket.destroy();
  return { rate: messages / elapsed, p99ms: percentile(latencies, 99), messages };
}

/** Opens `count` WebSockets and leaves them idle; returns them for closing. */
export async function openIdle(port: number, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i += 250) {
    const batch = await Promise.all(Array.from({ length: Math.min(250, count - i) }, () => connect(port, '/echo')));
    sockets.push(...batch.map(({ socket }) => socket));
  }
  return sockets;
}
