import { expect } from 'chai';
import http from 'node:http';
import { Application, RequestHandler, sleep } from '../../lib';
import { TestServer } from '../../lib/testing';
import { captureLogs } from '../helpers/logs';
import { waitFor } from '../helpers/promises';

class Work extends RequestHandler {
  async get() {
    await sleep(Number(this.getArgument('ms', '5')) / 1000);
    this.write('worked');
  }
}

class Quick extends RequestHandler {
  get() {
    this.write('quick');
  }
}

interface Outcome {
  /** Responses that arrived after close() began, with their Connection header. */
  afterClose: string[];
  /** How the client's loop ended: the error code of its last request. */
  ended: string;
}

/** A keep-alive client sending one request after another (no pipelining) until one fails. */
async function client(port: number, index: number, closing: () => boolean, counted: () => void): Promise<Outcome> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const outcome: Outcome = { afterClose: [], ended: '' };
  try {
    for (let i = 0; ; i++) {
      const path = (index + i) % 2 ? '/work?ms=5' : '/quick';
      const wasClosing = closing();
      const result = await new Promise<{ status: number; connection: string }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path, agent }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: String(response.headers.connection ?? '') }));
        }).on('error', reject);
      });
      expect(result.status).to.equal(200);
      if (wasClosing || closing()) outcome.afterClose.push(result.connection);
      counted();
    }
  } catch (error) {
    outcome.ended = (error as NodeJS.ErrnoException).code ?? String(error);
  } finally {
    agent.destroy();
  }
  return outcome;
}

describe('a graceful close under keep-alive load', function () {
  this.timeout(30_000);

  it('answers every request keep-alive clients sent, says Connection: close meanwhile, and resets none', async () => {
    const app = new Application({ handlers: [['/work', Work], ['/quick', Quick]] });
    const server = await TestServer.start(app);
    let closing = false;
    let answered = 0;
    const clients = Array.from({ length: 20 }, (_, index) => client(server.port, index, () => closing, () => answered++));
    await waitFor(() => answered >= 400, 15_000, '400 answers under load');
    closing = true;
    const closed = app.close({ timeout: 10 });
    const outcomes = await Promise.all(clients);
    await closed;
    // Each client's connection was told to close; its next request found no listener: refused, never reset.
    expect(outcomes.map((outcome) => outcome.ended)).to.deep.equal(Array(20).fill('ECONNREFUSED'));
    for (const outcome of outcomes) {
      expect(outcome.afterClose.length).to.be.greaterThan(0);
      expect(outcome.afterClose.at(-1)).to.equal('close');
    }
  });
});

describe('a graceful close of a streamed response', function () {
  this.timeout(30_000);

  it('says Connection: close in the head of a response streamed during the drain, and keeps its body intact', async () => {
    let release!: () => void;
    let started = false;
    class Stream extends RequestHandler {
      async get() {
        started = true;
        await new Promise<void>((resolve) => (release = resolve));
        this.write('first ');
        await this.flush();
        this.write('second');
      }
    }
    const app = new Application({ handlers: [['/stream', Stream]] });
    const server = await TestServer.start(app);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const response = new Promise<{ connection: string; body: string; encoding: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: server.port, path: '/stream', agent }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ connection: String(res.headers.connection), body, encoding: String(res.headers['transfer-encoding']) }));
      }).on('error', reject);
    });
    await waitFor(() => started, 10_000, 'the handler to start');
    const closed = app.close({ timeout: 10 });
    release();
    expect(await response).to.deep.equal({ connection: 'close', body: 'first second', encoding: 'chunked' });
    await closed;
    agent.destroy();
  });
});

describe('a graceful close with event streams open (issue 28)', function () {
  this.timeout(30_000);
  const logs = captureLogs('warn');

  it('ends every event stream at once instead of waiting out the timeout for them', async () => {
    let opened = 0;
    class Ticks extends RequestHandler {
      async get() {
        const stream = await this.startEventStream({ heartbeat: 0 });
        opened++;
        const timer = setInterval(() => void stream.send({ data: 'tick' }), 20);
        await stream.closed;
        clearInterval(timer);
      }
    }
    const app = new Application({ handlers: [['/ticks', Ticks]] });
    const server = await TestServer.start(app);
    const listen = () => new Promise<{ ticks: number; ended: boolean }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: server.port, path: '/ticks', agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ ticks: body.split('data: tick').length - 1, ended: true }));
        res.on('error', reject);
      }).on('error', reject);
    });
    const streams = [listen(), listen()];
    await waitFor(() => opened === 2, 10_000, 'both streams to open');
    const closed = app.close({ timeout: 15 });
    const outcomes = await Promise.all(streams);
    await closed;
    expect(outcomes.map((outcome) => outcome.ended)).to.deep.equal([true, true]);
    // Before, close() waited its whole timeout for the streams and said so.
    expect(logs.records.map((record) => record.message)).to.deep.equal([]);
  });
});
