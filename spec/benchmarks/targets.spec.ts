import { expect } from 'chai';
import type { Row } from '../../benchmarks/lib/row';
import { BEST_UWS_PEER, compare, referenceRounds, targetLines } from '../../benchmarks/lib/targets';

describe('benchmark targets (benchmarks/lib/targets.ts)', () => {
  const row = (server: string, rounds: number[], cpuRounds: number[]): Row => ({ scenario: 'plaintext', server, rate: Math.max(...rounds), unit: 'req/s', p99ms: 1, peakRssMb: 60, rounds, cpuRounds });
  const rows: Row[] = [
    row('uWebSockets.js', [100, 90, 95], [10, 11, 10]),
    row('Typhoon', [80, 85, 90], [12, 12, 11]),
    row('hyper-express', [90, 70, 100], [11, 13, 10]),
    row('ultimate-express', [50, 88, 40], [20, 12.5, 25]),
  ];

  it('takes the best uWS peer round by round: the higher rate and the lower CPU per request, from either peer', () => {
    expect(referenceRounds(rows, 'plaintext', BEST_UWS_PEER)).to.deep.equal({ rounds: [90, 88, 100], cpuRounds: [11, 12.5, 10] });
    expect(referenceRounds(rows, 'plaintext', 'uWebSockets.js')).to.deep.equal({ rounds: [100, 90, 95], cpuRounds: [10, 11, 10] });
    expect(referenceRounds(rows, 'JSON', BEST_UWS_PEER)).to.equal(null);
  });

  it('compares as medians of per-round ratios, CPU as the reference over the server', () => {
    const peers = compare(rows, 'plaintext', 'Typhoon', BEST_UWS_PEER)!;
    // Throughput 80/90, 85/88, 90/100; CPU 11/12, 12.5/12, 10/11.
    expect(peers.ratio).to.be.closeTo(0.9, 1e-9);
    expect(peers.cpuRatio).to.be.closeTo(11 / 12, 1e-9);
    expect(compare(rows, 'plaintext', 'Fastify', BEST_UWS_PEER)).to.equal(null);
  });

  it('leaves a round a peer did not measure to the other, and a missing CPU figure out', () => {
    const gaps = [row('Typhoon', [80, 80], [10, 10]), row('hyper-express', [NaN, 100], [NaN, 8]), row('ultimate-express', [40, 50], [20, NaN])];
    expect(referenceRounds(gaps, 'plaintext', BEST_UWS_PEER)).to.deep.equal({ rounds: [40, 100], cpuRounds: [20, 8] });
  });

  it('judges a target against the best peer by throughput and by CPU, others by throughput with Typhoon / best peer beside', () => {
    const lines = targetLines(rows, [['plaintext', 'Typhoon', 'uWebSockets.js', 0.85], ['plaintext', 'Typhoon', BEST_UWS_PEER, 1], ['JSON', 'Typhoon', BEST_UWS_PEER, 1]]);
    expect(lines).to.have.length(2);
    expect(lines[0]).to.equal('| plaintext | Typhoon | uWebSockets.js | 0.94× | ≥ 0.85× (met) | 0.91× | 0.90× · 0.92× |');
    expect(lines[1]).to.equal('| plaintext | Typhoon | best uWS peer | 0.90× | ≥ 1.00× (not met) | 0.92× (not met) | – |');
  });
});
