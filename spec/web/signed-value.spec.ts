import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { ConfigurationError, createSignedValue, decodeSignedValue } from '../../lib';
import { hasPythonTornado, requirePackage } from '../helpers/requirements';

describe('signed values', () => {
  it('round-trips, and refuses wrong names, keys, ages and garbage', () => {
    const signed = createSignedValue('k', 'session', 'héllo|world');
    expect(decodeSignedValue('k', 'session', signed)).to.equal('héllo|world');
    expect(decodeSignedValue('k', 'other', signed)).to.equal(null);
    expect(decodeSignedValue('x', 'session', signed)).to.equal(null);
    expect(decodeSignedValue('k', 'session', signed, { now: Date.now() / 1000 + 32 * 86400 })).to.equal(null);
    expect(decodeSignedValue('k', 'session', signed, { maxAgeDays: 0, now: Date.now() / 1000 + 10 })).to.equal(null);
    for (const garbage of ['', '2|', '2|1:0|', '2|99999999999:0|', 'x'.repeat(500), `${signed}x`, signed.slice(0, -1), '1|abc', '2|1:0|10:a|']) {
      expect(decodeSignedValue('k', 'session', garbage)).to.equal(null);
    }
  });

  it('rotates keys: signs with keyVersion, verifies with the version inside the value', () => {
    const old = createSignedValue({ 1: 'old-key', 2: 'new-key' }, 'n', 'v', { keyVersion: 1 });
    const fresh = createSignedValue({ 1: 'old-key', 2: 'new-key' }, 'n', 'v', { keyVersion: 2 });
    expect(fresh).to.match(/^2\|1:2\|/);
    expect(decodeSignedValue({ 1: 'old-key', 2: 'new-key' }, 'n', old)).to.equal('v');
    expect(decodeSignedValue({ 2: 'new-key' }, 'n', old)).to.equal(null);
    expect(() => createSignedValue({ 1: 'a' }, 'n', 'v', { keyVersion: 3 })).to.throw(ConfigurationError, /key version 3/);
  });

  describe('interoperability with Tornado', function () {
    before(function () {
      requirePackage(this, 'python3-tornado', hasPythonTornado());
    });

    it('reads values Tornado signed, and Tornado reads ours', () => {
      const script = `
import sys
from tornado.web import create_signed_value, decode_signed_value
mine = sys.argv[1]
print(create_signed_value("shared", "user", "from tornado").decode())
print(decode_signed_value("shared", "user", mine).decode())
`;
      const ours = createSignedValue('shared', 'user', 'from typhoon');
      const [fromTornado, decodedByTornado] = execFileSync('/usr/bin/python3', ['-c', script, ours]).toString().trim().split('\n');
      expect(decodeSignedValue('shared', 'user', fromTornado)).to.equal('from tornado');
      expect(decodedByTornado).to.equal('from typhoon');
    });
  });
});
