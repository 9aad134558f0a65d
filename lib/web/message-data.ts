import { Buffer } from 'node:buffer';
import { jsonText, type ResponseChunk } from './json-text';

/**
 * What goes over a WebSocket or a topic: strings and Buffers as they are, byte arrays as
 * Buffers, other values as JSON text (as `write()` takes them). A string with a lone surrogate
 * has its surrogate replaced by U+FFFD (as `TextEncoder` does): uWS would encode it as bytes
 * that are not UTF-8, and every client then fails the connection (RFC 6455 §8.1).
 *
 * @param owner the handler or connection sending it, named in the error
 * @param method what sends it, for the error: `'writeMessage()'`
 * @throws TypeError for a value with no JSON text (undefined, a function, a symbol, a bigint,
 *   a cycle) or a Promise: uWS would send an empty message, or `{}`
 */
export function messageData(message: ResponseChunk, owner?: object, method = 'publish()'): string | Buffer {
  if (typeof message === 'string') return wellFormed(message);
  if (Buffer.isBuffer(message)) return message;
  if (message instanceof Uint8Array) return Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  return jsonText(message, owner, method);
}

/** `text` as valid UTF-16 (lone surrogates replaced by U+FFFD), so that uWS encodes it as valid UTF-8. */
export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}
