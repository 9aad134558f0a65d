import { expect } from 'chai';
import { gunzipSync } from 'node:zlib';
import { Application, ConfigurationError, OutputTransform, RequestHandler } from '../../lib';
import { TestServer } from '../../lib/testing';

const calls: string[] = [];

class Upper extends OutputTransform {
  override transformFirstChunk(chunk: Buffer, finishing: boolean): Buffer {
    calls.push(`first ${chunk.toString()} ${finishing}`);
    this.handler.setHeader('X-Transformed', 'upper');
    return Buffer.from(chunk.toString().toUpperCase());
  }
  override transformChunk(chunk: Buffer, finishing: boolean): Buffer {
    calls.push(`chunk ${chunk.toString()} ${finishing}`);
    return Buffer.from(chunk.toString().toUpperCase());
  }
}

class Signed extends OutputTransform {
  override transformFirstChunk(chunk: Buffer, finishing: boolean): Buffer {
    return finishing ? Buffer.concat([chunk, Buffer.from(' -- signed')]) : chunk;
  }
  override transformChunk(chunk: Buffer, finishing: boolean): Buffer {
    return finishing ? Buffer.concat([chunk, Buffer.from(' -- signed')]) : chunk;
  }
}

class Whole extends RequestHandler {
  get() {
    this.write('hello ');
    this.write('world');
  }
}

class Streamed extends RequestHandler {
  async get() {
    this.write('one');
    await this.flush();
    this.write('two');
    await this.flush();
    this.write('three');
  }
}

describe("output transforms (Tornado's OutputTransform)", () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start(new Application({ handlers: [['/whole', Whole], ['/streamed', Streamed], ['/big', class extends RequestHandler {
      get() {
        this.write('x'.repeat(5000));
      }
    }]], transforms: [Upper, Signed], compressResponse: true }));
  });
  after(() => server.close());
  beforeEach(() => (calls.length = 0));

  it('rewrites a buffered body in the order listed, with the headers still open', async () => {
    const response = await server.fetch('/whole');
    expect(response.text).to.equal('HELLO WORLD -- signed');
    expect(response.headers.get('x-transformed')).to.equal('upper');
    expect(response.headers.get('content-length')).to.equal(String('HELLO WORLD -- signed'.length));
    expect(calls).to.deep.equal(['first hello world true']);
  });

  it('rewrites the chunks of a flushed response: the first with the headers, the last as finishing', async () => {
    const response = await server.fetch('/streamed');
    expect(response.text).to.equal('ONETWOTHREE -- signed');
    expect(response.headers.get('x-transformed')).to.equal('upper');
    expect(calls).to.deep.equal(['first one false', 'chunk two false', 'chunk three true']);
  });

  it('runs before gzip', async () => {
    const response = await server.fetch('/big', { headers: { 'Accept-Encoding': 'gzip' }, decompress: false } as never);
    const body = response.headers.get('content-encoding') === 'gzip' ? gunzipSync(response.body).toString() : response.text;
    expect(body).to.equal(`${'X'.repeat(5000)} -- signed`);
  });

  it('refuses a transforms setting that is not a list of classes', () => {
    expect(() => new Application({ handlers: [], transforms: ['gzip'] as never })).to.throw(ConfigurationError, /OutputTransform classes/);
  });
});

describe('output transforms that fail', () => {
  class Throws extends OutputTransform {
    override transformFirstChunk(): Buffer {
      throw new Error('transform broke');
    }
  }
  class ReturnsNothing extends OutputTransform {
    override transformFirstChunk(): Buffer {
      return undefined as unknown as Buffer;
    }
  }
  class Page extends RequestHandler {
    get() {
      this.write('body');
    }
  }

  it('answer 500 with the untransformed error page, never a hanging request', async () => {
    for (const Transform of [Throws, ReturnsNothing]) {
      const server = await TestServer.start(new Application({ handlers: [['/', Page]], transforms: [Transform] }));
      try {
        const response = await server.fetch('/');
        expect(response.status).to.equal(500);
        expect(response.text).to.contain('500: Internal Server Error');
      } finally {
        await server.close();
      }
    }
  });
});
