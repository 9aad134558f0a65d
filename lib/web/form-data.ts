import type busboy from 'busboy';
import { HTTPError } from '../common/http-errors';

/** Values of one argument name, in the order they came. */
export type ArgumentMap = Record<string, string[]>;

/** An uploaded file of a multipart body. */
export interface HTTPFile {
  filename: string;
  contentType: string;
  body: Buffer;
}

/** Uploaded files by field name. */
export type FileMap = Record<string, HTTPFile[]>;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Percent-decodes `raw` (and `+` as space when `plus`), then decodes the bytes as UTF-8.
 * Malformed escapes stay as they are (as Python's `unquote`); bytes that are not valid UTF-8
 * are a client error: HTTPError 400 naming `what`.
 */
export function decodeComponent(raw: string, plus: boolean, what: string): string {
  if (!raw.includes('%') && !(plus && raw.includes('+'))) return raw;
  const bytes = percentDecode(raw, plus);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new HTTPError(400, `Invalid unicode in ${what}: ${JSON.stringify(raw.slice(0, 40))}`);
  }
}

function hex(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** `%XX` escapes to bytes; anything else is kept as its UTF-8 bytes. */
function percentDecode(raw: string, plus: boolean): Buffer {
  const source = Buffer.from(raw);
  const out = Buffer.allocUnsafe(source.length);
  let length = 0;
  for (let i = 0; i < source.length; i++) {
    const byte = source[i];
    if (byte === 0x25 && i + 2 < source.length && hex(source[i + 1]) >= 0 && hex(source[i + 2]) >= 0) {
      out[length++] = hex(source[i + 1]) * 16 + hex(source[i + 2]);
      i += 2;
    } else {
      out[length++] = plus && byte === 0x2b ? 0x20 : byte;
    }
  }
  return out.subarray(0, length);
}

/** Parses `a=1&b=2&a=3` into `{ a: ['1', '3'], b: ['2'] }`, keeping blank values. */
export function parseQueryString(query: string, into: ArgumentMap = Object.create(null)): ArgumentMap {
  if (!query) return into;
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq), true, 'argument name');
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1), true, `argument ${name}`);
    (into[name] ??= []).push(value);
  }
  return into;
}

/** Limits for multipart parsing. */
export interface MultipartLimits {
  maxFiles?: number;
  maxFields?: number;
}

/** Parses a complete `multipart/form-data` body; malformed input is HTTPError 400. */
export function parseMultipart(body: Buffer, contentType: string, limits: MultipartLimits = {}): Promise<{ args: ArgumentMap; files: FileMap }> {
  const args: ArgumentMap = Object.create(null);
  const files: FileMap = Object.create(null);
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => reject(new HTTPError(400, `Invalid multipart/form-data body: ${reason}`));
    let parser: busboy.Busboy;
    try {
      // Loaded on first use, like the other parsers few requests need.
      parser = (require('busboy') as typeof busboy)({
        headers: { 'content-type': contentType },
        defParamCharset: 'utf8',
        limits: { files: limits.maxFiles ?? 1000, fields: limits.maxFields ?? 10000, fieldSize: Infinity },
      });
    } catch (error) {
      fail((error as Error).message);
      return;
    }
    parser.on('field', (name, value) => (args[name] ??= []).push(value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      // A truncated part errors on its own stream too: unheard, that error would end the process.
      stream.on('error', (error: Error) => fail(error.message));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        (files[name] ??= []).push({
          filename: info.filename ?? '',
          contentType: info.mimeType || 'application/unknown',
          body: Buffer.concat(chunks),
        }),
      );
    });
    parser.on('filesLimit', () => fail(`more than ${limits.maxFiles ?? 1000} files`));
    parser.on('fieldsLimit', () => fail(`more than ${limits.maxFields ?? 10000} fields`));
    parser.on('error', (error: Error) => fail(error.message));
    parser.on('close', () => resolve({ args, files }));
    parser.end(body);
  });
}
