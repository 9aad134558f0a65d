import { inspect } from 'node:util';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as typhoon from '../lib';

/** Every error class and its stable code: a change here is a breaking change. */
const CODES: Record<string, string> = {
  HTTPError: 'ERR_HTTP',
  MissingArgumentError: 'ERR_MISSING_ARGUMENT',
  ValidationError: 'ERR_VALIDATION',
  Finish: 'ERR_FINISH',
  StreamClosedError: 'ERR_STREAM_CLOSED',
  WebSocketClosedError: 'ERR_WEBSOCKET_CLOSED',
  TimeoutError: 'ERR_TIMEOUT',
  ConfigurationError: 'ERR_CONFIGURATION',
  UnsafeValueError: 'ERR_UNSAFE_VALUE',
  ResponseStateError: 'ERR_RESPONSE_STATE',
  TemplateError: 'ERR_TEMPLATE',
  QueueEmpty: 'ERR_QUEUE_EMPTY',
  QueueFull: 'ERR_QUEUE_FULL',
};

describe('errors', () => {
  it('keeps a stable code per error class, each documented in docs/errors.md', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
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
    expect(error.errorCode).to.equal('ERR_HTTP_CLIENT');
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
});
