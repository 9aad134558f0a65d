import { Buffer } from 'node:buffer';
import { invalidArgument } from '../common/invalid-argument';

/**
 * What goes over a WebSocket or a topic: strings and Buffers as they are, byte arrays as
 * Buffers, other objects as JSON text. A string with a lone surrogate has its surrogate
 * replaced by U+FFFD (as `TextEncoder` does): uWS would encode it as bytes that are not UTF-8,
 * and every client then fails the connection (RFC 6455 §8.1).
 */
export function messageData(message: string | Buffer | Uint8Array | object): string | Buffer {
  if (typeof message === 'string') return wellFormed(message);
  if (Buffer.isBuffer(message)) return message;
  if (message instanceof Uint8Array) return Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const json = JSON.stringify(message) as string | undefined;
  // undefined, functions and symbols have no JSON text: uWS would send an empty message.
  if (json === undefined) throw invalidArgument(TypeError, `Cannot send ${String(message)} over a WebSocket: pass a string, a Buffer or a JSON-serializable value`);
  return json;
}

/** `text` as valid UTF-16 (lone surrogates replaced by U+FFFD), so that uWS encodes it as valid UTF-8. */
export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}
