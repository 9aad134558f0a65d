import type { SocketRouteOptions } from './types';

/** One permessage-deflate offer of a `Sec-WebSocket-Extensions` header (RFC 7692 §7.1). */
export interface DeflateOffer {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** 8..15; undefined when not asked for. */
  serverMaxWindowBits?: number;
  /** 8..15, `true` when offered without a value, undefined when not offered. */
  clientMaxWindowBits?: number | true;
}

/** Which engine negotiates: the `ws` package (Node transport) or uWS's native code. */
export type DeflateEngine = 'ws' | 'uws';

const WINDOW_BITS = /^(8|9|1[0-5])$/;

/**
 * The permessage-deflate offers of a header, in order, leaving out those a server must decline
 * (RFC 7692 §7: a parameter it does not know, one given twice, a value that is not allowed; and
 * an offer that is not well-formed). Other extensions are left out too: Typhoon speaks none.
 *
 * @example
 * ```ts
 * deflateOffers('permessage-deflate; foo, permessage-deflate; client_max_window_bits');
 * // [{ serverNoContextTakeover: false, clientNoContextTakeover: false, clientMaxWindowBits: true }]
 * ```
 */
export function deflateOffers(header: string): DeflateOffer[] {
  const offers: DeflateOffer[] = [];
  for (const extension of splitOutsideQuotes(header, ',')) {
    const [name, ...params] = splitOutsideQuotes(extension, ';').map((part) => part.trim());
    if (name !== 'permessage-deflate') continue;
    const offer = readParams(params);
    if (offer) offers.push(offer);
  }
  return offers;
}

/** The parameters of one offer, or null when the offer must be declined. */
function readParams(params: string[]): DeflateOffer | null {
  const offer: DeflateOffer = { serverNoContextTakeover: false, clientNoContextTakeover: false };
  const seen = new Set<string>();
  for (const param of params) {
    const at = param.indexOf('=');
    const key = (at < 0 ? param : param.slice(0, at)).trim();
    // A value may be a quoted string; what it says must still be a token (§7).
    const value = at < 0 ? undefined : param.slice(at + 1).trim().replace(/^"(.*)"$/, '$1');
    if (seen.has(key)) return null;
    seen.add(key);
    if (key === 'server_no_context_takeover' && value === undefined) offer.serverNoContextTakeover = true;
    else if (key === 'client_no_context_takeover' && value === undefined) offer.clientNoContextTakeover = true;
    else if (key === 'server_max_window_bits' && value !== undefined && WINDOW_BITS.test(value)) offer.serverMaxWindowBits = Number(value);
    else if (key === 'client_max_window_bits' && (value === undefined || WINDOW_BITS.test(value))) offer.clientMaxWindowBits = value === undefined ? true : Number(value);
    else return null;
  }
  return offer;
}

/** `text` split at `separator`, except inside a quoted string. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (char === '\\' && quoted) i++;
    else if (char === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * Whether `engine`, compressing as `mode` says, grants `offer` as RFC 7692 asks. `ws`, set up
 * by the Node transport to impose nothing the client did not ask for, grants every valid
 * offer. uWS answers some offers without what they asked for (its negotiation, unchanged
 * since 2021, in WebSocketExtensions.h): on a dedicated compressor (a 512-byte window) it
 * ignores server_no_context_takeover (§7.1.1.1 says the answer must keep it) and answers
 * server_max_window_bits=8 with 9 (§7.1.2.1: at most what was asked); its shared compressor
 * never names server_max_window_bits and compresses with a 32 KiB window. Those are declined.
 */
export function grantsAsAsked(engine: DeflateEngine, mode: SocketRouteOptions['compression'], offer: DeflateOffer): boolean {
  if (engine === 'ws') return true;
  if (mode === 'shared') return offer.serverMaxWindowBits === undefined;
  return !offer.serverNoContextTakeover && offer.serverMaxWindowBits !== 8;
}

/**
 * The `Sec-WebSocket-Extensions` value to hand to `engine`: the first offer of `header` it
 * grants as asked, written plainly (so a parser that reads every offer of a header as one, as
 * uWS's does, sees only that one), or `''` to decline compression (RFC 6455 §9.1). Never an
 * offer the engine would refuse the handshake for.
 */
export function chooseDeflateOffer(engine: DeflateEngine, mode: SocketRouteOptions['compression'], header: string): string {
  if (!header || mode === 'none') return '';
  const offer = deflateOffers(header).find((candidate) => grantsAsAsked(engine, mode, candidate));
  return offer ? formatOffer(offer) : '';
}

/** An offer as a header value. */
export function formatOffer(offer: DeflateOffer): string {
  let text = 'permessage-deflate';
  if (offer.serverNoContextTakeover) text += '; server_no_context_takeover';
  if (offer.clientNoContextTakeover) text += '; client_no_context_takeover';
  if (offer.serverMaxWindowBits !== undefined) text += `; server_max_window_bits=${offer.serverMaxWindowBits}`;
  if (offer.clientMaxWindowBits === true) text += '; client_max_window_bits';
  else if (offer.clientMaxWindowBits !== undefined) text += `; client_max_window_bits=${offer.clientMaxWindowBits}`;
  return text;
}
