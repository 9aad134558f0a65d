import { expect } from 'chai';
import { configureLogging } from '../../lib';
import { TestServer } from '../../lib/testing';
import { makeApp } from '../../samples/echo/app';

describe('samples/echo', () => {
  it('echoes text with "You said: " and binary as it is', async () => {
    const log = console.log;
    console.log = () => undefined;
    const restore = configureLogging({ level: 'silent' });
    const server = await TestServer.start(makeApp());
    try {
      const conn = await server.websocket('/websocket');
      await conn.writeMessage('hi');
      expect(await conn.readMessage()).to.equal('You said: hi');
      await conn.writeMessage(Buffer.from([9, 8]), true);
      expect(await conn.readMessage()).to.deep.equal(Buffer.from([9, 8]));
      await conn.close();
    } finally {
      await server.close();
      console.log = log;
      configureLogging(restore);
    }
  });
});
