import { expect } from 'chai';
import { createHash } from 'node:crypto';
import net from 'node:net';
import WsClient from 'ws';
import { Application, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { specTransport } from '../helpers/requirements';

/**
 * What the transports do with WebSocket traffic that the Autobahn|Testsuite sends (its case
 * numbers are named): fragmented messages (section 9) and permessage-deflate offers (sections
 * 12 and 13, RFC 7692). Real servers on port 0, the `ws` package or raw sockets as the client.
 */

/** Answers each message with its type, length and SHA-1, so a test sees it arrived whole. */
@WebSocket('/echo-digest', { maxMessageSize: 8 * 1024 * 1024 })
class EchoDigest extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    const kind = typeof message === 'string' ? 'text' : 'binary';
    return this.writeMessage(`${kind} ${message.length} ${createHash('sha1').update(message).digest('hex')}`);
  }
}

/** The same with a small limit. */
@WebSocket('/small', { maxMessageSize: 64 * 1024 })
class Small extends EchoDigest {}

@WebSocket('/deflate-dedicated', { compression: 'dedicated' })
class DeflateDedicated extends EchoDigest {}

@WebSocket('/deflate-shared', { compression: 'shared' })
class DeflateShared extends EchoDigest {}

/** Opens a client on `path` and waits for the connection. */
async function connect(port: number, path: string): Promise<WsClient> {
  const client = new WsClient(`ws://127.0.0.1:${port}${path}`, { maxPayload: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  return client;
}

/**
 * Sends `payload` as one message in fragments of `size` bytes (the last may be shorter), and
 * resolves with the first thing the server says: a message, or the close code it closed with.
 */
function sendFragmented(client: WsClient, payload: Buffer, size: number, binary: boolean): Promise<string | number> {
  const answer = new Promise<string | number>((resolve) => {
    client.once('message', (data) => resolve(data.toString()));
    client.once('close', (code) => resolve(code));
  });
  for (let at = 0; at < payload.length; at += size) {
    const fin = at + size >= payload.length;
    client.send(payload.subarray(at, at + size), { binary, fin, compress: false });
  }
  return answer;
}

/** A raw handshake offering `extensions`: the status line and the Sec-WebSocket-Extensions the server answered ('' if none). */
function handshake(port: number, path: string, extensions: string): Promise<{ status: string; extensions: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${extensions}\r\n\r\n`);
    });
    let head = '';
    const deadline = setTimeout(() => socket.destroy(new Error(`no complete answer to ${extensions}: ${JSON.stringify(head)}`)), 10_000);
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(deadline);
      socket.destroy();
      const lines = head.slice(0, end).split('\r\n');
      const field = lines.find((line) => /^sec-websocket-extensions:/i.test(line));
      resolve({ status: lines[0], extensions: field ? field.slice(field.indexOf(':') + 1).trim() : '' });
    });
    socket.on('error', reject);
  });
}

/** An extension with its parameters (names lower-case, values unquoted; `true` for none). */
type Extension = { name: string; params: Map<string, string | true>; repeated: boolean };

function parseExtension(text: string): Extension {
  const [name, ...params] = text.split(';').map((part) => part.trim());
  const map = new Map<string, string | true>();
  let repeated = false;
  for (const param of params) {
    const at = param.indexOf('=');
    const key = (at < 0 ? param : param.slice(0, at)).trim().toLowerCase();
    repeated ||= map.has(key);
    map.set(key, at < 0 ? true : param.slice(at + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return { name, params: map, repeated };
}

/**
 * Why `response` is not a conforming acceptance of `offer` (RFC 7692 §7.1), or '' when it is:
 * known parameters once each, server_no_context_takeover kept when asked for, server window at
 * most what was asked, a client window only when offered and at most the offered value.
 */
function acceptanceFault(offer: Extension, response: Extension): string {
  const bits = (value: string | true | undefined) => (typeof value === 'string' && /^(8|9|1[0-5])$/.test(value) ? Number(value) : NaN);
  if (response.name !== 'permessage-deflate' || response.repeated) return 'not one permessage-deflate with each parameter once';
  for (const [key, value] of response.params) {
    if (key === 'server_no_context_takeover' || key === 'client_no_context_takeover') {
      if (value !== true) return `${key} with a value`;
    } else if (key === 'server_max_window_bits' || key === 'client_max_window_bits') {
      if (Number.isNaN(bits(value))) return `${key} without a value of 8..15`;
    } else return `unknown parameter ${key}`;
  }
  if (offer.params.has('server_no_context_takeover') && !response.params.has('server_no_context_takeover')) return 'server_no_context_takeover asked for, not granted (§7.1.1.1)';
  if (offer.params.has('server_max_window_bits')) {
    const granted = bits(response.params.get('server_max_window_bits'));
    if (!(granted <= bits(offer.params.get('server_max_window_bits')))) return 'server_max_window_bits asked for, not granted at most that (§7.1.2.1)';
  }
  if (response.params.has('client_max_window_bits')) {
    const offered = offer.params.get('client_max_window_bits');
    if (offered === undefined) return 'client_max_window_bits not offered (§7.1.2.2)';
    if (offered !== true && bits(response.params.get('client_max_window_bits')) > bits(offered)) return 'client_max_window_bits above the offer (§7.1.2.2)';
  }
  return '';
}

const digest = (kind: string, payload: Buffer) => `${kind} ${payload.length} ${createHash('sha1').update(payload).digest('hex')}`;

describe('WebSocket conformance (Autobahn|Testsuite)', function () {
  this.timeout(60_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({ handlers: [EchoDigest, Small, DeflateDedicated, DeflateShared] }));
  });
  after(() => server.close());

  describe('fragmented messages (section 9)', () => {
    it('assembles 4 MiB sent in 65,536 fragments of 64 bytes, text and binary (9.3.1, 9.4.1)', async () => {
      const payload = Buffer.alloc(4 * 1024 * 1024, 'Hello, World! ');
      for (const [binary, kind] of [[false, 'text'], [true, 'binary']] as const) {
        const client = await connect(server.port, '/echo-digest');
        expect(await sendFragmented(client, payload, 64, binary), kind).to.equal(digest(kind, payload));
        client.close();
      }
    });

    it('closes with 1009 a message whose fragments together exceed maxMessageSize', async () => {
      const client = await connect(server.port, '/small');
      expect(await sendFragmented(client, Buffer.alloc(65 * 1024, 'a'), 1024, false)).to.equal(1009);
    });

    it('assembles a message of tiny fragments within maxMessageSize on uWS; the Node transport caps fragments at one per 64 bytes of the limit (ws keeps each)', async () => {
      // 40,000 one-byte fragments: under /small's 64 KiB, over the Node transport's cap for it
      // (the larger of 16,384 and (maxMessageSize + 1 MiB) / 64 = 17,408).
      const payload = Buffer.alloc(40_000, 'b');
      const client = await connect(server.port, '/small');
      const expected = specTransport() === 'node' ? 1008 : digest('text', payload);
      expect(await sendFragmented(client, payload, 1, false)).to.equal(expected);
      client.close();
    });
  });

  describe('permessage-deflate offers (sections 12, 13; RFC 7692)', () => {
    /** An offer that may be granted as asked on every transport and mode. */
    const ANY = { dedicated: true, shared: true };
    /**
     * Offers, and the one each transport and mode grants (its index among the header's offers)
     * or null where it declines (no compression, RFC 6455 §9.1). What uWS cannot grant as asked
     * (it would answer without the parameter, or with a larger window) is declined on uWS.
     */
    const OFFERS: Array<{ header: string; grants: Record<'node' | 'uws', Record<'dedicated' | 'shared', number | null>> }> = [];
    const offer = (header: string, node: Record<'dedicated' | 'shared', number | null | boolean>, uws = node) => {
      const index = (value: number | null | boolean) => (value === true ? 0 : value === false ? null : value);
      OFFERS.push({ header, grants: { node: { dedicated: index(node.dedicated), shared: index(node.shared) }, uws: { dedicated: index(uws.dedicated), shared: index(uws.shared) } } });
    };
    offer('permessage-deflate', ANY);
    offer('permessage-deflate; client_max_window_bits', ANY);
    offer('permessage-deflate; client_no_context_takeover', ANY);
    offer('permessage-deflate; client_max_window_bits=10', ANY);
    offer('permessage-deflate; client_max_window_bits="10"', ANY);
    offer('permessage-deflate; server_max_window_bits=15', ANY, { dedicated: true, shared: false });
    offer('permessage-deflate; server_no_context_takeover', ANY, { dedicated: false, shared: true });
    offer('permessage-deflate; server_max_window_bits=10', ANY, { dedicated: true, shared: false });
    offer('permessage-deflate; server_max_window_bits=8', ANY, { dedicated: false, shared: false });
    offer('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9', ANY, { dedicated: false, shared: false });
    offer('permessage-deflate; server_no_context_takeover, permessage-deflate; client_max_window_bits', ANY, { dedicated: 1, shared: 0 });
    offer('permessage-deflate; server_max_window_bits=8; client_max_window_bits=8, permessage-deflate; client_no_context_takeover, permessage-deflate', ANY, { dedicated: 1, shared: 1 });
    // Offers a server MUST decline (RFC 7692 §7): a later valid one is taken instead.
    offer('permessage-deflate; server_max_window_bits=10; server_max_window_bits=10', { dedicated: false, shared: false });
    offer('permessage-deflate; server_max_window_bits=7, permessage-deflate', { dedicated: 1, shared: 1 });
    offer('permessage-deflate; server_max_window_bits', { dedicated: false, shared: false });
    offer('permessage-deflate; client_no_context_takeover=1, permessage-deflate; client_no_context_takeover', { dedicated: 1, shared: 1 });
    offer('permessage-deflate; foo, permessage-deflate; server_max_window_bits=15', { dedicated: 1, shared: 1 }, { dedicated: 1, shared: false });
    offer('x-webkit-deflate-frame, permessage-deflate', { dedicated: 1, shared: 1 });
    offer('permessage-deflate; =; ;, ,;', { dedicated: false, shared: false });

    for (const mode of ['dedicated', 'shared'] as const) {
      it(`answers every offer with 101, granting one as asked or declining (compression: '${mode}')`, async () => {
        const transport = specTransport() === 'node' ? 'node' : 'uws';
        const faults: string[] = [];
        for (const { header, grants } of OFFERS) {
          const answer = await handshake(server.port, `/deflate-${mode}`, header);
          const wanted = grants[transport][mode];
          const offers = header.split(',').map((part) => parseExtension(part.trim()));
          const fault = answer.status !== 'HTTP/1.1 101 Switching Protocols' ? answer.status
            : wanted === null ? (answer.extensions ? `granted ${answer.extensions}, expected to be declined` : '')
            : !answer.extensions ? 'declined, expected to be granted'
            : acceptanceFault(offers[wanted], parseExtension(answer.extensions));
          if (fault) faults.push(`${header} → ${fault}`);
        }
        expect(faults).to.deep.equal([]);
      });
    }

    it('carries messages both ways with what was agreed, whatever the client asked for', async () => {
      const payload = Buffer.from('Autobahn 12 and 13 send compressible text. '.repeat(400));
      const asks = [{}, { serverNoContextTakeover: true }, { clientNoContextTakeover: true }, { serverMaxWindowBits: 9 }, { clientMaxWindowBits: 9 }, { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 10 }];
      for (const mode of ['dedicated', 'shared']) {
        for (const ask of asks) {
          const client = new WsClient(`ws://127.0.0.1:${server.port}/deflate-${mode}`, { perMessageDeflate: { ...ask, threshold: 0 } });
          await new Promise<void>((resolve, reject) => {
            client.once('open', resolve);
            client.once('error', reject);
          });
          for (let i = 0; i < 3; i++) {
            const answer = new Promise<string>((resolve) => client.once('message', (data) => resolve(data.toString())));
            client.send(payload.toString());
            expect(await answer, `${mode} ${JSON.stringify(ask)}`).to.equal(digest('text', payload));
          }
          client.close();
        }
      }
    });
  });
});
