import { expect } from 'chai';
import http from 'node:http';
import { Application, RequestHandler, Route, UnsafeValueError, type EventStream } from '../../lib';
import { formatEvent } from '../../lib/web/event-stream';
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
});
