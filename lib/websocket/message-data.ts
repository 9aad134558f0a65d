import { Buffer } from 'node:buffer';

/** What goes over a WebSocket or a topic: strings and Buffers as they are, byte arrays as Buffers, other objects as JSON text. */
export function messageData(message: string | Buffer | Uint8Array | object): string | Buffer {
  if (typeof message === 'string' || Buffer.isBuffer(message)) return message;
  if (message instanceof Uint8Array) return Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  return JSON.stringify(message);
}
