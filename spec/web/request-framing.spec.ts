import { expect } from 'chai';
import { refuseRequest, type FramedRequest } from '../../lib/web/request-framing';

/** A request as the transport shows it: method, target and header lines. */
function request(method: string, headers: string[], path = '/upload', query = ''): FramedRequest {
  return { method, path, query, headerList: () => headers, hostLines: () => headers.filter((name, i) => i % 2 === 0 && name === 'host').length };
}

const first = (headers: string[], name: string) => headers[headers.indexOf(name) + 1] ?? '';

/** The refusal for a request, as `[status, reason]`, or null. */
function refusal(method: string, headers: string[], limits = { maxBodySize: 1000 } as { maxBodySize: number; maxHeaderSize?: number }): [number, string | undefined] | null {
  const error = refuseRequest(request(method, headers), headers.includes('content-length') ? first(headers, 'content-length') : '', headers.includes('transfer-encoding') ? first(headers, 'transfer-encoding') : '', limits);
  return error && [error.statusCode, error.reason];
}

describe('request framing checks (RFC 9112 §6.3), a pure function', () => {
  it('lets sound framing through', () => {
    expect(refusal('GET', ['host', 'x'])).to.equal(null);
    expect(refusal('POST', ['content-length', '10'])).to.equal(null);
    expect(refusal('POST', ['transfer-encoding', 'Chunked '])).to.equal(null);
    expect(refusal('POST', ['content-length', '1000'])).to.equal(null);
  });

  it('refuses the request-smuggling shapes with a reason', () => {
    expect(refusal('POST', ['content-length', '5', 'content-length', '5'])).to.deep.equal([400, 'Duplicate Content-Length']);
    expect(refusal('POST', ['transfer-encoding', 'chunked', 'transfer-encoding', 'chunked'])).to.deep.equal([400, 'Duplicate Transfer-Encoding']);
    expect(refusal('POST', ['content-length', '5', 'transfer-encoding', 'chunked'])).to.deep.equal([400, 'Ambiguous Message Length']);
    expect(refusal('POST', ['transfer-encoding', 'gzip, chunked'])).to.deep.equal([400, 'Unsupported Transfer-Encoding']);
    expect(refusal('POST', ['content-length', '+5'])).to.deep.equal([400, 'Invalid Content-Length']);
    expect(refusal('POST', ['content-length', '0x10'])).to.deep.equal([400, 'Invalid Content-Length']);
    expect(refusal('POST', ['content-length', '1234567890123456'])).to.deep.equal([400, 'Invalid Content-Length']);
  });

  it('refuses several Host lines, on any method (RFC 9112 §3.2)', () => {
    expect(refusal('GET', ['host', 'a', 'host', 'b'])).to.deep.equal([400, 'Duplicate Host']);
    expect(refusal('GET', ['host', 'a', 'accept', '*/*', 'host', 'a'])).to.deep.equal([400, 'Duplicate Host']);
    expect(refusal('POST', ['host', 'a', 'content-length', '3', 'host', 'b'])).to.deep.equal([400, 'Duplicate Host']);
    expect(refusal('GET', ['host', 'a'])).to.equal(null);
  });

  it('sees an empty framing header on a body method (uWS reads it as absent)', () => {
    const empty = refuseRequest(request('PUT', ['content-length', '']), '', '', { maxBodySize: 1000 });
    expect([empty?.statusCode, empty?.reason]).to.deep.equal([400, 'Invalid Content-Length']);
    const emptyEncoding = refuseRequest(request('PATCH', ['transfer-encoding', '']), '', '', { maxBodySize: 1000 });
    expect([emptyEncoding?.statusCode, emptyEncoding?.reason]).to.deep.equal([400, 'Unsupported Transfer-Encoding']);
    // A method without a body is not looked at for it.
    expect(refuseRequest(request('GET', ['content-length', '']), '', '', { maxBodySize: 1000 })).to.equal(null);
  });

  it('answers 413 to a declared body over maxBodySize and 431 to a head over maxHeaderSize', () => {
    expect(refusal('POST', ['content-length', '1001'])).to.deep.equal([413, undefined]);
    const head = refuseRequest(request('GET', ['host', 'example.test', 'cookie', 'c'.repeat(100)], '/a', 'b=1'), '', '', { maxBodySize: 1000, maxHeaderSize: 100 });
    expect(head?.statusCode).to.equal(431);
    expect(head?.logMessage).to.match(/^request head of \d+ bytes exceeds maxHeaderSize 100$/);
    expect(refuseRequest(request('GET', ['host', 'x']), '', '', { maxBodySize: 1000, maxHeaderSize: 100 })).to.equal(null);
  });
});
