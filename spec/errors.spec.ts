import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as typhoon from '../lib';

/** Every error class and its stable code: a change here is a breaking change. */
const CODES: Record<string, string> = {
  HTTPError: 'ERR_HTTP',
  MissingArgumentError: 'ERR_MISSING_ARGUMENT',
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

  it('keeps HTTPClientError.code numeric, as Tornado', () => {
    const error = new typhoon.HTTPClientError(599, 'Timeout');
    expect(error.code).to.equal(599);
    expect(error.errorCode).to.equal('ERR_HTTP_CLIENT');
  });

  it('HTTPError carries status, log message, reason and headers', () => {
    const error = new typhoon.HTTPError(429, 'too many from %s', { reason: 'Slow Down', headers: { 'Retry-After': '5' } });
    expect([error.statusCode, error.logMessage, error.reason, error.headers]).to.deep.equal([429, 'too many from %s', 'Slow Down', { 'Retry-After': '5' }]);
    expect(new typhoon.MissingArgumentError('q')).to.be.instanceOf(typhoon.HTTPError).and.include({ statusCode: 400, argName: 'q' });
  });
});
