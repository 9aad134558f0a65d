import { expect } from 'chai';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Application, configureLogging, HTTPError, RequestHandler, Route, type LogRecord } from '../../lib';
import { makeLogger } from '../../lib/common/pino-logging';
import { TestServer } from '../../lib/testing';
import { waitFor } from '../helpers/promises';
import { rawExchange } from '../helpers/raw-http';

@Route('/items/:id')
class Items extends RequestHandler {
  get(id: string) {
    this.log.info({ itemId: Number(id) }, 'item read');
    if (id === '0') throw new HTTPError(404, 'no item 0');
    if (id === '13') throw new Error('unlucky');
    this.write({ id });
  }
}

/** A pino logger writing JSON lines into `lines`. */
function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('structured logging on pino', () => {
  let saved: ReturnType<typeof configureLogging>;
  beforeEach(() => (saved = configureLogging({})));
  afterEach(() => void configureLogging(saved));

  it('gives each request an id (its well-formed X-Request-Id, else a UUID), sends it back, and carries it in access records and handler.log', async () => {
    const { logger, lines } = capture();
    const server = await TestServer.start(new Application({ handlers: [Items], logger }));
    try {
      const given = await server.fetch('/items/7', { headers: { 'X-Request-Id': 'trace-42.a' } });
      expect(given.headers.get('x-request-id')).to.equal('trace-42.a');
      await waitFor(() => lines.some((line) => line.logger === 'access' && line.reqId === 'trace-42.a'), 10_000, 'the access record');
      const app = lines.find((line) => line.logger === 'app' && line.reqId === 'trace-42.a')!;
      expect(app).to.include({ level: 30, msg: 'item read', itemId: 7 });
      const access = lines.find((line) => line.logger === 'access' && line.reqId === 'trace-42.a')!;
      expect(access).to.include({ level: 30, msg: access.msg });
      expect(access.msg).to.match(/^200 GET \/items\/7 \(127\.0\.0\.1\) [\d.]+ms$/);
      expect(access.req).to.deep.equal({ id: 'trace-42.a', method: 'GET', url: '/items/7', path: '/items/7', remoteAddress: '127.0.0.1' });
      expect(access.res).to.deep.equal({ statusCode: 200, bytes: '{"id":"7"}'.length });
      expect(access.responseTime).to.be.a('number').and.at.least(0);

      // Two X-Request-Id lines are no one id: a new one, on both transports.
      const raw = await rawExchange(server.port, 'GET /items/9 HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\nX-Request-Id: second\r\nConnection: close\r\n\r\n', 2000);
      expect(raw.data).to.match(/\r\nX-Request-Id: [0-9a-f]{8}-[0-9a-f]{4}-4/i);
      const generated = await server.fetch('/items/8', { headers: { 'X-Request-Id': 'not a well-formed id, it has spaces' } });
      const id = generated.headers.get('x-request-id')!;
      expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      await waitFor(() => lines.some((line) => line.logger === 'access' && line.reqId === id), 10_000, 'the second access record');
    } finally {
      await server.close();
    }
  });

  it('logs errors with their request id: a 404 as a warning, an exception with its err', async () => {
    const { logger, lines } = capture();
    const server = await TestServer.start(new Application({ handlers: [Items], logger }));
    try {
      const missing = await server.fetch('/items/0');
      expect(missing.status).to.equal(404);
      expect(missing.headers.get('x-request-id')).to.be.a('string');
      const failed = await server.fetch('/items/13');
      expect(failed.status).to.equal(500);
      const failedId = failed.headers.get('x-request-id');
      await waitFor(() => lines.some((line) => line.logger === 'access' && (line.res as { statusCode: number }).statusCode === 500), 10_000, 'the 500 record');
      expect(lines.find((line) => line.logger === 'access' && (line.res as { statusCode: number }).statusCode === 404)).to.include({ level: 40 });
      const exception = lines.find((line) => line.logger === 'app' && line.level === 50)!;
      expect((exception.err as { message: string }).message).to.equal('unlucky');
      expect(lines.find((line) => line.logger === 'access' && line.reqId === failedId)).to.include({ level: 50 });
    } finally {
      await server.close();
    }
  });

  it('without a logger: no request ids, and handler.log writes to the app logger', async () => {
    const records: LogRecord[] = [];
    configureLogging({ level: 'info', sink: (record) => records.push(record) });
    const server = await TestServer.start(new Application({ handlers: [Items] }));
    try {
      const response = await server.fetch('/items/3');
      expect(response.headers.get('x-request-id')).to.equal(undefined);
      const record = records.find((entry) => entry.logger === 'app')!;
      expect(record).to.include({ level: 'info', message: 'item read' });
      expect(record.fields).to.deep.equal({ itemId: 3 });
      await waitFor(() => records.some((entry) => entry.logger === 'access'), 10_000, 'the access record');
      expect(records.find((entry) => entry.logger === 'access')!.message).to.match(/^200 GET \/items\/3 /);
    } finally {
      await server.close();
    }
  });

  it('makes a logger from pino options, at debug level in debug (printed through pino-pretty)', () => {
    const quiet = makeLogger({ level: 'warn' }, false);
    expect(quiet.level).to.equal('warn');
    const readable = makeLogger({}, true);
    expect(readable.level).to.equal('debug');
  });
});
