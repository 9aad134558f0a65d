import { inspect } from 'node:util';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as typhoon from '../../lib';

/** Every error class and its stable code: a change here is a breaking change. */
const CODES: Record<string, string> = {
  HTTPError: 'TYPHOON_ERR_HTTP',
  MissingArgumentError: 'TYPHOON_ERR_MISSING_ARGUMENT',
  ValidationError: 'TYPHOON_ERR_VALIDATION',
  Finish: 'TYPHOON_ERR_FINISH',
  StreamClosedError: 'TYPHOON_ERR_STREAM_CLOSED',
  WebSocketClosedError: 'TYPHOON_ERR_WEBSOCKET_CLOSED',
  TimeoutError: 'TYPHOON_ERR_TIMEOUT',
  ConfigurationError: 'TYPHOON_ERR_CONFIGURATION',
  UnsafeValueError: 'TYPHOON_ERR_UNSAFE_VALUE',
  ResponseStateError: 'TYPHOON_ERR_RESPONSE_STATE',
  TemplateError: 'TYPHOON_ERR_TEMPLATE',
  QueueEmpty: 'TYPHOON_ERR_QUEUE_EMPTY',
  QueueFull: 'TYPHOON_ERR_QUEUE_FULL',
  InvalidStateError: 'TYPHOON_ERR_INVALID_STATE',
  InvalidArgumentError: 'TYPHOON_ERR_INVALID_ARGUMENT',
};

describe('errors', () => {
  it('keeps a stable code per error class, each documented in docs/errors.md', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');
    for (const [name, code] of Object.entries(CODES)) {
      const ErrorClass = (typhoon as unknown as Record<string, new (...args: never[]) => typhoon.TyphoonError>)[name];
      expect(ErrorClass, name).to.be.a('function');
      const error = new (ErrorClass as unknown as new () => typhoon.TyphoonError)();
      expect(error.code, name).to.equal(code);
      expect(error.name).to.equal(name);
      expect(error).to.be.instanceOf(typhoon.TyphoonError).and.instanceOf(Error);
      expect(readme, `docs/errors.md documents ${name}`).to.contain(`\`${name}\``).and.contain(`\`${code}\``);
    }
  });

  it('keeps HTTPClientError.code numeric, as Tornado, in the TyphoonError family, printing briefly', () => {
    const error = new typhoon.HTTPClientError(599, 'Timeout', undefined, { cause: new Error('connect ECONNREFUSED') });
    expect(error.code).to.equal(599);
    expect(error.errorCode).to.equal('TYPHOON_ERR_HTTP_CLIENT');
    expect(error).to.be.instanceOf(typhoon.TyphoonError);
    expect(error.name).to.equal('HTTPClientError');
    const printed = inspect(error);
    expect(printed).to.match(/^HTTPClientError: HTTP 599: Timeout\n\s+at /).and.contain('cause: connect ECONNREFUSED');
    const response = new typhoon.HTTPResponse(new typhoon.HTTPRequest('http://example.test/x'), 404, 'Not Found', new typhoon.HTTPHeaders(), Buffer.alloc(50_000, 120), 'http://example.test/x', 0.01);
    const withBody = inspect(new typhoon.HTTPClientError(404, 'Not Found', response));
    expect(withBody).to.contain('response: 404 Not Found, 50000 bytes from http://example.test/x').and.not.contain('xxxxxxxx');
  });

  it('HTTPError carries status, log message, reason and headers', () => {
    const error = new typhoon.HTTPError(429, 'too many from %s', { reason: 'Slow Down', headers: { 'Retry-After': '5' } });
    expect([error.statusCode, error.logMessage, error.reason, error.headers]).to.deep.equal([429, 'too many from %s', 'Slow Down', { 'Retry-After': '5' }]);
    expect(new typhoon.MissingArgumentError('q')).to.be.instanceOf(typhoon.HTTPError).and.include({ statusCode: 400, argName: 'q' });
  });

  it('gives the errors thrown for misuse a code too: wrong state, and arguments of the wrong type or range', async () => {
    const lock = new typhoon.Lock();
    expect(() => lock.release()).to.throw(typhoon.InvalidStateError, /release only a lock you acquired/).with.property('code', 'TYPHOON_ERR_INVALID_STATE');
    expect(() => new typhoon.Semaphore(-1)).to.throw(RangeError).with.property('code', 'TYPHOON_ERR_INVALID_ARGUMENT');
    const client = new typhoon.AsyncHTTPClient();
    client.close();
    const refused = await client.fetch('http://127.0.0.1:1/').then(() => null, (error: unknown) => error);
    expect(refused).to.be.instanceOf(typhoon.InvalidStateError).with.property('code', 'TYPHOON_ERR_INVALID_STATE');
  });
});
