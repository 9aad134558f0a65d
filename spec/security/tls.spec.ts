import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { Application, AsyncHTTPClient, HTTPClientError, RequestHandler, WebSocket, WebSocketHandler } from '../../lib';
import { TestServer } from '../../lib/testing';
import { makeCertificate } from '../helpers/certificate';
import { hasOpenssl, requirePackage } from '../helpers/requirements';

class SecureHandler extends RequestHandler {
  get() {
    this.write({ protocol: this.request.protocol, url: this.request.fullUrl() });
  }
}

@WebSocket('/secure-ws')
class SecureSocket extends WebSocketHandler {
  override onMessage(message: string | Buffer) {
    void this.writeMessage(`${this.request.protocol}: ${message}`);
  }
}

describe('TLS (the ssl setting)', function () {
  this.timeout(30_000);
  let certificate: ReturnType<typeof makeCertificate>;
  let server: TestServer;

  before(async function () {
    requirePackage(this, 'openssl', hasOpenssl());
    certificate = makeCertificate('secret pass');
    server = await TestServer.start(new Application({
      ssl: { keyFile: certificate.keyFile, certFile: certificate.certFile, passphrase: 'secret pass' },
      handlers: [['/secure', SecureHandler], SecureSocket],
    }));
  });
  after(async () => {
    await server?.close();
    if (certificate) rmSync(certificate.folder, { recursive: true, force: true });
  });

  it('serves HTTPS, and the request knows it', async () => {
    expect(server.url('/secure')).to.match(/^https:/);
    const response = await server.fetch('/secure');
    expect(response.json()).to.deep.equal({ protocol: 'https', url: `https://127.0.0.1:${server.port}/secure` });
  });

  it('serves WSS', async () => {
    const conn = await server.websocket('/secure-ws');
    await conn.writeMessage('hi');
    expect(await conn.readMessage()).to.equal('https: hi');
    await conn.close();
  });

  it('AsyncHTTPClient refuses the self-signed certificate unless validateCert is false', async () => {
    const client = new AsyncHTTPClient();
    try {
      const refused = await client.fetch(server.url('/secure')).catch((error) => error);
      expect(refused).to.be.instanceOf(HTTPClientError).and.include({ code: 599 });
      expect(refused.message).to.match(/self.signed|certificate/i);
      const accepted = await client.fetch(server.url('/secure'), { validateCert: false });
      expect(accepted.json()).to.deep.include({ protocol: 'https' });
    } finally {
      client.close();
    }
  });
});
