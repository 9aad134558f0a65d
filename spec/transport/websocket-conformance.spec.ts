import { expect } from 'chai';
import { createHash } from 'node:crypto';
import WsClient from 'ws';
import { Application, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { specTransport } from '../helpers/requirements';

/**
 * What the transports do with WebSocket traffic that the Autobahn|Testsuite sends (its case
 * numbers are named): fragmented messages (section 9). Real servers on port 0, the `ws`
 * package as the client.
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

const digest = (kind: string, payload: Buffer) => `${kind} ${payload.length} ${createHash('sha1').update(payload).digest('hex')}`;

describe('WebSocket conformance (Autobahn|Testsuite)', function () {
  this.timeout(60_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start(new Application({ handlers: [EchoDigest, Small] }));
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
});
