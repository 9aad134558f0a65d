import { requireLegacyDecorators } from '../../di/legacy-decorators';
import { markStreamRequestBody, type Constructor } from '../../di/reflection';

/**
 * Makes a handler receive its body in chunks instead of whole: `prepare()` runs before the
 * body arrives, then `dataReceived(chunk)` per chunk (return a promise to slow the client
 * down), then the verb method. `maxBodySize` still applies.
 *
 * @example
 * ```ts
 * @streamRequestBody
 * @Route('/upload')
 * class Upload extends RequestHandler {
 *   bytes = 0;
 *   async dataReceived(chunk: Buffer) { this.bytes += chunk.length; }
 *   put() { this.write({ bytes: this.bytes }); }
 * }
 * ```
 */
export function streamRequestBody<T extends Constructor>(target: T): T {
  requireLegacyDecorators('streamRequestBody', arguments);
  markStreamRequestBody(target);
  return target;
}
