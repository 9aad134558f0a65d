import { expect } from 'chai';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { Application, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { waitUntil } from '../helpers/promises';

class Hello extends RequestHandler {
  get() {
    this.write('hello');
  }
}

/** 'answered', or how a fresh connection failed (refused, reset, closed unanswered). */
function tryGet(port: number): Promise<string> {
  return new Promise((resolve) => {
    const request = http.get({ port, host: '127.0.0.1', path: '/', agent: false, timeout: 3000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200 ? 'answered' : String(response.statusCode)));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => resolve(socket));
  });
}

describe('connections: the budget and the descriptor limit', () => {
  it('stops accepting above maxConnections, and accepts again once fewer are open', async function () {
    this.timeout(40_000);
    const server = await TestServer.start(new Application({ maxConnections: 20, handlers: [['/', Hello]] }));
    const held: net.Socket[] = [];
    try {
      expect(await tryGet(server.port)).to.equal('answered');
      for (let i = 0; i < 30; i++) held.push(await connect(server.port));
      await waitUntil(async () => (await tryGet(server.port)) !== 'answered', 15_000, 'new connections to be turned away');
      for (const socket of held) socket.destroy();
      await waitUntil(async () => (await tryGet(server.port)) === 'answered', 15_000, 'new connections to be served again');
    } finally {
      for (const socket of held) socket.destroy();
      await server.close();
    }
  });

  it('refuses a maxConnections that is not a positive whole number', () => {
    expect(() => new Application({ maxConnections: 0 })).to.throw(/maxConnections must be a positive whole number, got 0/);
    expect(() => new Application({ maxConnections: 2.5 })).to.throw(/maxConnections/);
  });

  it('warns at start-up when the descriptor limit caps the connections low, naming what to set', async () => {
    const script = `
      const { Application } = require(${JSON.stringify(require.resolve('../../lib'))});
      new Application().listen(0, '127.0.0.1').then((server) => server.close());
    `;
    const output = await new Promise<string>((resolve) => {
      const child = spawn('bash', ['-c', `ulimit -n 256 && exec "${process.execPath}" -e "$SCRIPT"`], { env: { ...process.env, SCRIPT: script, TYPHOON_LOG_LEVEL: 'warn' } });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('close', () => resolve(text));
    });
    expect(output).to.match(/may open only 256 files \(ulimit -n\), so it holds at most 198 connections/);
    expect(output).to.contain('LimitNOFILE=65536');
  });
});
