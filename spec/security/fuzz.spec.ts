import { expect } from 'chai';
import net from 'node:net';
import path from 'node:path';
import { rssOf, startChildServer, type ChildServer } from '../helpers/child-server';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const CONNECTIONS = 400;
const PER_CONNECTION = 8;

/** Builds a valid request carrying `token` in the path, a header and (for POST) the body. */
function validRequest(rand: () => number, token: string): Buffer {
  const kind = Math.floor(rand() * 4);
  const base = kind === 3 ? 'stream' : 'echo';
  if (kind === 0) return Buffer.from(`GET /${base}/${token} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${token}\r\n\r\n`);
  const body = `${token}-body-${'x'.repeat(Math.floor(rand() * 200))}`;
  if (kind === 1) return Buffer.from(`POST /${base}/${token} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${token}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  return Buffer.from(`${kind === 2 ? 'PUT' : 'POST'} /${base}/${token} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${token}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
}

const NASTY = ['\r\n', '\n', '\r', '\0', ':', ' ', '%', '%00', '%ff', '\r\n\r\n', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n', '../', '\u00ff', 'GET / HTTP/1.1\r\n'];

/** Mutates a request: byte flips, insertions, deletions, truncation, duplication, huge values. */
function mutate(rand: () => number, request: Buffer): Buffer {
  let bytes = Buffer.from(request);
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * bytes.length);
    switch (Math.floor(rand() * 7)) {
      case 0: bytes[at] = Math.floor(rand() * 256); break;
      case 1: bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(NASTY[Math.floor(rand() * NASTY.length)], 'latin1'), bytes.subarray(at)]); break;
      case 2: bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + Math.floor(rand() * 10)))]); break;
      case 3: bytes = bytes.subarray(0, at); break;
      case 4: bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + 40), bytes.subarray(at)]); break;
      case 5: bytes = Buffer.concat([bytes.subarray(0, at), Buffer.alloc(Math.floor(rand() * 20000), 'A'), bytes.subarray(at)]); break;
      default: bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
    }
  }
  return bytes;
}

/** Sends `payload` on one connection and collects what comes back until close or quiet. */
function exchange(port: number, payload: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let timer: NodeJS.Timeout;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      // Responses are UTF-8: decode them so echoed bytes compare with what was sent.
      resolve(Buffer.concat(received).toString('utf8'));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(done, 250);
    };
    socket.on('connect', () => {
      socket.write(payload);
      arm();
    });
    socket.on('data', (chunk) => {
      received.push(chunk);
      arm();
    });
    socket.on('close', done);
    socket.on('error', done);
  });
}

describe('fuzz: random and mutated requests on raw sockets', function () {
  this.timeout(120_000);
  let server: ChildServer;

  before(async () => {
    server = await startChildServer(path.join(__dirname, '..', 'fixtures', 'fuzz-server.js'));
  });
  after(() => server?.stop());

  it(`survives ${CONNECTIONS * PER_CONNECTION} requests (seed ${SEED}), never leaking one request's data into another's response`, async () => {
    const rand = random(SEED);
    const baseline = rssOf(server.child.pid!);
    let sent = 0;
    let answered = 0;
    const leaks: string[] = [];
    const batch: Array<Promise<void>> = [];
    for (let c = 0; c < CONNECTIONS; c++) {
      const parts: Buffer[] = [];
      for (let r = 0; r < PER_CONNECTION; r++) {
        const token = `t${c}x${r}y${Math.floor(rand() * 1e9).toString(36)}`;
        const valid = validRequest(rand, token);
        parts.push(rand() < 0.6 ? mutate(rand, valid) : valid);
        sent++;
      }
      const payload = Buffer.concat(parts);
      // What was sent, read the two ways the server may have decoded it (bytes, or UTF-8 with replacements).
      const sentText = `${payload.toString('latin1')}\n${payload.toString('utf8')}`;
      batch.push(exchange(server.port, payload).then((received) => {
        answered += (received.match(/HTTP\/1\.1 \d{3}/g) ?? []).length;
        // Every token a response echoes must have been sent on this very connection. A header
        // sent twice may come back as its lines joined with ', ' (RFC 9110 5.3, the Node transport).
        for (const match of received.matchAll(/(?:token|header)=([^;]*);/g)) {
          for (const value of match[1].split(', ')) {
            if (value && !sentText.includes(value)) leaks.push(`connection ${c}: ${JSON.stringify(match[1].slice(0, 80))}`);
          }
        }
        for (const match of received.matchAll(/t(\d+)x\d+y[0-9a-z]+/g)) {
          if (Number(match[1]) !== c && !sentText.includes(match[0])) leaks.push(`connection ${c} got ${match[0]}`);
        }
      }));
      if (batch.length >= 40) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
    expect(server.child.exitCode, 'the server process is alive').to.equal(null);
    expect(leaks, leaks.slice(0, 5).join('\n')).to.deep.equal([]);
    expect(sent).to.equal(CONNECTIONS * PER_CONNECTION);
    // Many payloads are garbage uWS never answers, and pipelining behind an async response makes uWS
    // drop the connection; still, a good share of requests get answers.
    expect(answered).to.be.greaterThan(CONNECTIONS / 10);
    // Afterwards the server still answers correctly.
    for (let i = 0; i < 20; i++) {
      const token = `after${i}`;
      const response = await fetch(`http://127.0.0.1:${server.port}/echo/${token}`, { headers: { 'X-Token': token } });
      expect(await response.text()).to.equal(`token=${token};header=${token};`);
      const posted = await fetch(`http://127.0.0.1:${server.port}/stream/${token}`, { method: 'POST', body: `data-${token}` });
      expect(await posted.text()).to.equal(`token=${token};streamed=data-${token};`);
    }
    expect(rssOf(server.child.pid!) - baseline, 'memory growth').to.be.lessThan(200 * 1024 * 1024);
  });
});
