import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { bodyEtag, noneMatchHolds } from '../../lib/web/etag';
import { ResponseOutput } from '../../lib/web/response-output';
import type { ServerExchange } from '../../lib/transport/types';

const sha1 = (data: string | Buffer) => `"${createHash('sha1').update(data).digest('hex')}"`;
/** A response that is only buffered here: nothing reaches an exchange. */
const output = () => new ResponseOutput(null as unknown as ServerExchange);

describe('etag', () => {
  it('tags a buffered body with the quoted SHA-1 of its bytes, one chunk or several', () => {
    const one = output();
    one.write('hello');
    expect(bodyEtag(one)).to.equal(sha1('hello'));
    const several = output();
    several.write('hel');
    several.write(Buffer.from('lo'));
    expect(bodyEtag(several)).to.equal(sha1('hello'));
    const large = output();
    large.write('x'.repeat(10_000));
    expect(bodyEtag(large)).to.equal(sha1('x'.repeat(10_000)));
  });

  it('gives a new tag when the body changes (the remembered last body is only a cache)', () => {
    const first = output();
    first.write('a');
    const second = output();
    second.write('b');
    expect(bodyEtag(first)).to.equal(sha1('a'));
    expect(bodyEtag(second)).to.equal(sha1('b'));
    expect(bodyEtag(first)).to.equal(sha1('a'));
  });

  it('matches If-None-Match weakly (RFC 9110 13.1.2): W/ prefixes, lists and * match; no header or no tag never does', () => {
    const tag = '"abc"';
    expect(noneMatchHolds('"abc"', tag)).to.equal(true);
    expect(noneMatchHolds('W/"abc"', tag)).to.equal(true);
    expect(noneMatchHolds('"x", "abc"', tag)).to.equal(true);
    expect(noneMatchHolds('*', tag)).to.equal(true);
    expect(noneMatchHolds('"abd"', tag)).to.equal(false);
    expect(noneMatchHolds(undefined, tag)).to.equal(false);
    expect(noneMatchHolds('"abc"', undefined)).to.equal(false);
  });
});
