import { expect } from 'chai';
import http from 'node:http';
import { Application, RequestHandler, Route, UnsafeValueError, type EventStream } from '../../lib';
import { formatEvent } from '../../lib/web/event-stream';
import { eventStreamBudget } from '../../lib/web/event-stream-budget';
import { captureLogs } from '../helpers/logs';
import { TestServer } from '../../lib/testing';
import { waitFor } from '../helpers/promises';

const ended: string[] = [];
let current: EventStream | null = null;

@Route('/events')
class Events extends RequestHandler {
  async get() {
    const stream = await this.startEventStream({ heartbeat: Number(this.getArgument('heartbeat', '5')), retry: 1500 });
    current = stream;
    await stream.send({ data: `resumed after ${stream.lastEventId ?? 'nothing'}` });
    await stream.send({ event: 'figures', id: 7, data: { rss: 1, load: [0.5, 0.25] } });
    await stream.send({ data: 'two\nlines' });
    await stream.closed;
    ended.push(this.getArgument('tag', ''));
  }
}

@Route('/events-then-close')
class EventsThenClose extends RequestHandler {
  async get() {
    const stream = await this.startEventStream();
    await stream.send({ data: 'last' });
    await stream.close();
    await stream.send({ data: 'after close: dropped' });
  }
}

/** Reads an event stream; `text` grows as it comes. */
function listen(port: number, target: string, headers: Record<string, string> = {}) {
  const state = { status: 0, headers: {} as http.IncomingHttpHeaders, text: '', ended: false, request: null as http.ClientRequest | null };
  state.request = http.get({ port, host: '127.0.0.1', path: target, headers, agent: false }, (response) => {
    state.status = response.statusCode ?? 0;
    state.headers = response.headers;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (state.text += chunk));
    response.on('end', () => (state.ended = true));
  });
  state.request.on('error', () => undefined);
  return state;
}

describe('server-sent events', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(new Application({ handlers: [Events, EventsThenClose], compressResponse: true }));
  });
  after(() => server.close());

  it('streams events in the text/event-stream format, uncompressed, as they are sent', async () => {
    const stream = listen(server.port, '/events?tag=format', { 'Accept-Encoding': 'gzip' });
    await waitFor(() => stream.text.includes('data: lines\n\n'), 10_000, 'the third event');
    expect(stream.status).to.equal(200);
    expect(stream.headers['content-type']).to.equal('text/event-stream; charset=UTF-8');
    expect(stream.headers['cache-control']).to.equal('no-cache');
    expect(stream.headers['content-encoding']).to.equal(undefined);
    expect(stream.text).to.equal(
      'retry: 1500\n\n' +
        'data: resumed after nothing\n\n' +
        'event: figures\nid: 7\ndata: {"rss":1,"load":[0.5,0.25]}\n\n' +
        'data: two\ndata: lines\n\n',
    );
    stream.request!.destroy();
    await waitFor(() => ended.includes('format'), 10_000, 'the handler to see the client go');
    expect(current!.isClosed).to.equal(true);
  });

  it('gives the handler the Last-Event-ID the browser sends when it reconnects', async () => {
    const stream = listen(server.port, '/events?tag=resume', { 'Last-Event-ID': '41' });
    await waitFor(() => stream.text.includes('resumed after'), 10_000, 'the first event');
    expect(stream.text).to.contain('data: resumed after 41\n\n');
    stream.request!.destroy();
    await waitFor(() => ended.includes('resume'), 10_000, 'the handler to end');
  });

  it('sends heartbeat comments while the stream is quiet', async () => {
    const stream = listen(server.port, '/events?tag=heartbeat&heartbeat=0.2');
    await waitFor(() => (stream.text.match(/^:\n\n/gm) ?? []).length >= 2, 10_000, 'two heartbeats');
    expect(stream.ended).to.equal(false);
    stream.request!.destroy();
    await waitFor(() => ended.includes('heartbeat'), 10_000, 'the handler to end');
  });

  it('ends the response at close(); later sends do nothing', async () => {
    const stream = listen(server.port, '/events-then-close');
    await waitFor(() => stream.ended, 10_000, 'the response to end');
    expect(stream.text).to.equal(':\n\ndata: last\n\n');
  });

  it('refuses an event name or id with a line break', () => {
    expect(() => formatEvent({ event: 'a\nb', data: 1 })).to.throw(UnsafeValueError, /line break/);
    expect(() => formatEvent({ id: 'x\r', data: 1 })).to.throw(UnsafeValueError);
    expect(formatEvent({ data: '' })).to.equal('data: \n\n');
  });

  it('sends data without JSON text as null only when it is undefined, and refuses functions, symbols, bigints and promises by name', () => {
    expect(formatEvent({ data: undefined })).to.equal('data: null\n\n');
    for (const [data, what] of [[() => 1, /was given a function/], [Symbol('s'), /was given a symbol/], [1n, /was given a bigint/], [Promise.resolve(1), /a Promise: await it/]] as const) {
      expect(() => formatEvent({ data })).to.throw(TypeError, what).with.property('code', 'TYPHOON_ERR_INVALID_ARGUMENT');
      expect(() => formatEvent({ data })).to.throw(/^EventStream\.send\(\) was given /);
    }
  });
});

describe('server-sent events: what careless code and clients do', () => {
  it('answers HEAD with the headers and no stream; ends the stream when the response is finished; refuses options out of range', async () => {
    let afterFinish: boolean | null = null;
    let refused: unknown = null;
    @Route('/sse-misc')
    class Misc extends RequestHandler {
      async get() {
        if (this.getArgument('bad', '')) {
          refused = await this.startEventStream({ heartbeat: Infinity }).catch((error: unknown) => error);
          this.write('refused');
          return;
        }
        const stream = await this.startEventStream();
        if (this.request.method === 'GET') {
          await stream.send({ data: 'one' });
          await this.finish();
        }
        await stream.closed;
        afterFinish = stream.isClosed;
      }
    }
    const server = await TestServer.start(new Application({ handlers: [Misc] }));
    try {
      const head = await server.fetch('/sse-misc', { method: 'HEAD' });
      expect([head.status, head.headers.get('content-type')]).to.deep.equal([200, 'text/event-stream; charset=UTF-8']);
      const get = await server.fetch('/sse-misc');
      expect(get.text).to.equal(':\n\ndata: one\n\n');
      await waitFor(() => afterFinish === true, 10_000, 'closed to resolve after finish()');
      expect((await server.fetch('/sse-misc?bad=1')).text).to.equal('refused');
      expect(refused).to.be.instanceOf(RangeError);
      expect(String(refused)).to.match(/heartbeat must be a number from 0 to 2147483/);
    } finally {
      await server.close();
    }
  });

  it('closes a stream whose client stops reading while a timer sends without awaiting, instead of buffering without bound', async () => {
    let sends = 0;
    let closedBy: string | null = null;
    @Route('/sse-flood')
    class Flood extends RequestHandler {
      async get() {
        const stream = await this.startEventStream({ maxBufferedBytes: 256 * 1024 });
        const big = 'x'.repeat(64 * 1024);
        const timer = setInterval(() => {
          sends++;
          void stream.send({ data: big });
        }, 1);
        await stream.closed;
        clearInterval(timer);
        closedBy = 'closed';
      }
    }
    const server = await TestServer.start(new Application({ handlers: [Flood] }));
    try {
      const socket = (await import('node:net')).connect(server.port, '127.0.0.1', () => socket.write('GET /sse-flood HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('error', () => undefined);
      socket.pause(); // never reads
      await waitFor(() => closedBy === 'closed', 20_000, 'the stream to be closed');
      expect(sends).to.be.lessThan(10_000);
      socket.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('server-sent events: the bytes all streams may hold', function () {
  this.timeout(30_000);
  const logs = captureLogs('warn');

  it('drops the streams whose clients stopped reading to stay within maxEventStreamBytes, keeps the one that reads, and warns of nothing', async () => {
    const open = new Set<EventStream>();
    let dropped = 0;
    @Route('/ticker')
    class Ticker extends RequestHandler {
      async get() {
        const stream = await this.startEventStream();
        open.add(stream);
        const event = { data: 'y'.repeat(16 * 1024) };
        // Sends from a timer, not awaited: a client that does not read makes them pile up.
        const timer = setInterval(() => void stream.send(event), 5);
        await stream.closed;
        clearInterval(timer);
        open.delete(stream);
        dropped++;
      }
    }
    const app = new Application({ handlers: [Ticker], maxEventStreamBytes: 512 * 1024 });
    const server = await TestServer.start(app);
    const budget = eventStreamBudget(app);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, budget.used)), 1);
    const net = await import('node:net');
    const stalled = Array.from({ length: 10 }, () => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('GET /ticker HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('error', () => undefined);
      socket.pause(); // never reads
      return socket;
    });
    const reader = listen(server.port, '/ticker');
    try {
      await waitFor(() => dropped === 10, 20_000, 'the ten streams that do not read to be dropped');
      // Each non-reader held less than its own 1 MiB limit: the shared 512 KiB dropped them.
      expect(peak).to.be.at.most(512 * 1024 + 16 * 1024);
      const before = reader.text.length;
      await waitFor(() => reader.text.length > before + 64 * 1024, 10_000, 'the reading client to go on receiving');
      expect(open.size).to.equal(1);
      expect(reader.ended).to.equal(false);
      expect(logs.records.map((record) => record.message).filter((message) => message.includes('returned before'))).to.deep.equal([]);
    } finally {
      clearInterval(sampler);
      for (const socket of stalled) socket.destroy();
      reader.request?.destroy();
      await server.close();
    }
  });
});
