import type { RequestHandler } from './request-handler';
import { invalidArgument } from '../common/invalid-argument';

/**
 * Tornado's `OutputTransform`: rewrites a response's body on its way out, for every handler of
 * an application that lists it in the `transforms` setting. One instance per request, made with
 * the handler. The first chunk comes with the headers still open (`this.handler.setHeader`,
 * `setStatus` work there); later chunks are those of `flush()`. Transforms run in the order
 * listed, before Typhoon's own gzip.
 *
 * @example
 * ```ts
 * class Signature extends OutputTransform {
 *   override transformFirstChunk(chunk: Buffer, finishing: boolean): Buffer {
 *     this.handler.setHeader('X-Signed', 'yes');
 *     return finishing ? Buffer.concat([chunk, Buffer.from('\n-- sent by Typhoon')]) : chunk;
 *   }
 * }
 * const app = new Application({ handlers: [], transforms: [Signature] });
 * ```
 */
export class OutputTransform {
  constructor(readonly handler: RequestHandler) {}

  /** The chunk sent with the headers (the whole body when `finishing`). Default: unchanged. */
  transformFirstChunk(chunk: Buffer, _finishing: boolean): Buffer {
    return chunk;
  }

  /** A later chunk (`finishing` for the last one). Default: unchanged. */
  transformChunk(chunk: Buffer, _finishing: boolean): Buffer {
    return chunk;
  }
}

/** A class of {@link OutputTransform}, as the `transforms` setting lists them. */
export type OutputTransformClass = new (handler: RequestHandler) => OutputTransform;

/** The output's transform function for one handler: its transforms' instances, in order. */
export function transformFor(handler: RequestHandler, classes: readonly OutputTransformClass[]): (chunk: Buffer, first: boolean, finishing: boolean) => Buffer {
  const transforms = classes.map((Transform) => new Transform(handler));
  let failed = false;
  return (chunk, first, finishing) => {
    // After a transform failed, the rest of this response (its error page) goes out as written.
    if (failed) return chunk;
    try {
      for (const transform of transforms) {
        const result: unknown = first ? transform.transformFirstChunk(chunk, finishing) : transform.transformChunk(chunk, finishing);
        if (typeof result === 'string') chunk = Buffer.from(result);
        else if (Buffer.isBuffer(result)) chunk = result;
        else throw invalidArgument(TypeError, `${transform.constructor.name}.${first ? 'transformFirstChunk' : 'transformChunk'}() must return a Buffer, got ${typeof result}`);
      }
      return chunk;
    } catch (error) {
      failed = true;
      throw error;
    }
  };
}
