import { expect } from 'chai';
import { MissingArgumentError } from '../../lib/common/http-errors';
import { argumentValues, lastArgument } from '../../lib/web/handler-arguments';

describe('handler arguments', () => {
  it('replaces control characters other than whitespace with a space, and strips unless asked not to', () => {
    expect(argumentValues([' a\x00b ', 'c\x1f'], true)).to.deep.equal(['a b', 'c']);
    expect(argumentValues([' a\x00b '], false)).to.deep.equal([' a b ']);
    expect(argumentValues(['tab\tand\nnewline'], false)).to.deep.equal(['tab\tand\nnewline']);
    expect(argumentValues(undefined, true)).to.deep.equal([]);
  });

  it("takes the last value, as Tornado's get_argument: a default when missing, MissingArgumentError (400) without one", () => {
    const args = { q: ['first', ' last '] };
    expect(lastArgument(args, 'q', [])).to.equal('last');
    expect(lastArgument(args, 'q', [null, false])).to.equal(' last ');
    expect(lastArgument(args, 'missing', [null])).to.equal(null);
    expect(lastArgument(args, 'missing', ['fallback', false])).to.equal('fallback');
    expect(() => lastArgument(args, 'missing', [])).to.throw(MissingArgumentError).with.property('statusCode', 400);
  });
});
