import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { genLog } from '../common/log';

/** What node's `clientError` event carries: llhttp's code and reason, the bytes it was parsing, and where in them it stopped. */
type ClientError = NodeJS.ErrnoException & { reason?: string; rawPacket?: Buffer; bytesParsed?: number };

/**
 * A request node's parser refused (request-smuggling shapes, a head over the limit, garbage):
 * the same status and reason the application gives for the shapes it checks itself, then close.
 */
export function answerClientError(error: ClientError, socket: Duplex): void {
  genLog.debug(`Refused a malformed request: ${error.code} ${error.reason ?? error.message}`);
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // Behind a response still being written: let it finish, then close without a word (an answer
  // written now would land inside that response).
  const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (current) {
    current.once('finish', () => socket.end());
    current.once('close', () => socket.destroy());
    return;
  }
  const [status, reason] = clientErrorStatus(error);
  const body = `${status}: ${reason}`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}

/** The status and reason phrase for what llhttp refused. */
export function clientErrorStatus(error: ClientError): [number, string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request Header Fields Too Large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return [408, 'Request Timeout'];
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'Duplicate Content-Length'];
    case 'HPE_INVALID_CONTENT_LENGTH':
      return [400, 'Invalid Content-Length'];
    case 'HPE_INVALID_TRANSFER_ENCODING':
      if (/Content-Length/.test(error.reason ?? '')) return [400, 'Ambiguous Message Length'];
      // Two Transfer-Encoding lines reach llhttp as one list ending in a second "chunked".
      return [400, (error.rawPacket?.toString('latin1').match(/\r\ntransfer-encoding\s*:/gi)?.length ?? 0) > 1 ? 'Duplicate Transfer-Encoding' : 'Unsupported Transfer-Encoding'];
    case 'HPE_INVALID_METHOD':
      // A method nobody implements is a 501 (RFC 9110 §9.1), a request line that is not one a 400 (RFC 9112 §3).
      return WELL_FORMED_REQUEST_LINE.test(failedLine(error)) ? [501, 'Not Implemented'] : [400, 'Bad Request'];
    default:
      return [400, 'Bad Request'];
  }
}

/** `method SP request-target SP HTTP-version` (RFC 9112 §3), the method a token (RFC 9110 §5.6.2). */
const WELL_FORMED_REQUEST_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ \S+ HTTP\/\d\.\d\r?$/;

/** The line llhttp stopped in (a pipelined request's is not the packet's first), `''` when it is not known. */
function failedLine(error: ClientError): string {
  const packet = error.rawPacket?.toString('latin1');
  const at = error.bytesParsed;
  if (packet === undefined || at === undefined || at > packet.length) return '';
  const start = packet.lastIndexOf('\n', at - 1) + 1;
  const end = packet.indexOf('\n', at);
  return packet.slice(start, end < 0 ? packet.length : end);
}
