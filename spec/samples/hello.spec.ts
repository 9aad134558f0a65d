import { expect } from 'chai';
import { makeApp } from '../../samples/hello/app';
import { TestServer } from '../../lib/testing';

describe('samples/hello', () => {
  it('answers "Hello, Tornado!" on /', async () => {
    const server = await TestServer.start(makeApp());
    try {
      const response = await server.fetch('/');
      expect([response.status, response.text]).to.deep.equal([200, 'Hello, Tornado!']);
    } finally {
      await server.close();
    }
  });
});
