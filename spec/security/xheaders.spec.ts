import { expect } from 'chai';
import { Application, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';

class WhoHandler extends RequestHandler {
  get() {
    this.write({ ip: this.request.remoteIp, protocol: this.request.protocol });
  }
}

describe('behind a proxy (xheaders)', () => {
  let trusting: TestServer;
  let plain: TestServer;

  before(async () => {
    trusting = await TestServer.start(new Application({ xheaders: true, trustedDownstream: ['10.0.0.2', '10.0.0.3'], handlers: [['/', WhoHandler]] }));
    plain = await TestServer.start(new Application({ handlers: [['/', WhoHandler]] }));
  });
  after(() => Promise.all([trusting.close(), plain.close()]));

  const who = (server: TestServer, headers: Record<string, string>) => server.fetch('/', { headers }).then((r) => r.json());

  it('uses X-Real-Ip, else the last untrusted X-Forwarded-For address', async () => {
    expect(await who(trusting, { 'X-Real-Ip': '203.0.113.7' })).to.deep.equal({ ip: '203.0.113.7', protocol: 'http' });
    expect(await who(trusting, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9, 10.0.0.2, 10.0.0.3' })).to.deep.include({ ip: '203.0.113.9' });
    expect(await who(trusting, { 'X-Forwarded-For': '2001:db8::1' })).to.deep.include({ ip: '2001:db8::1' });
  });

  it('takes the scheme from X-Forwarded-Proto or X-Scheme', async () => {
    expect(await who(trusting, { 'X-Forwarded-Proto': 'https' })).to.deep.include({ protocol: 'https' });
    expect(await who(trusting, { 'X-Scheme': 'https' })).to.deep.include({ protocol: 'https' });
    expect(await who(trusting, { 'X-Forwarded-Proto': 'http, https' })).to.deep.include({ protocol: 'https' });
  });

  it('ignores garbage values', async () => {
    expect(await who(trusting, { 'X-Real-Ip': 'not an ip' })).to.deep.equal({ ip: '127.0.0.1', protocol: 'http' });
    expect(await who(trusting, { 'X-Forwarded-For': '<script>, 999.1.1.1' })).to.deep.include({ ip: '127.0.0.1' });
    expect(await who(trusting, { 'X-Forwarded-Proto': 'gopher' })).to.deep.include({ protocol: 'http' });
  });

  it('ignores all of them without xheaders', async () => {
    expect(await who(plain, { 'X-Real-Ip': '203.0.113.7', 'X-Forwarded-Proto': 'https' })).to.deep.equal({ ip: '127.0.0.1', protocol: 'http' });
  });
});
