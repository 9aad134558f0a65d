import { expect } from 'chai';
import { ratioChart } from '../../benchmarks/lib/chart';

describe('benchmark charts (benchmarks/lib/chart.ts)', () => {
  const rows = [
    { scenario: 'plaintext', server: 'uWebSockets.js', ratio: 1 },
    { scenario: 'plaintext', server: 'Typhoon <uws> & co', ratio: 0.93 },
    { scenario: 'plaintext', server: 'Tornado', ratio: 0.04 },
    { scenario: 'fortunes', server: 'Typhoon <uws> & co', ratio: 2.5 },
    { scenario: 'fortunes', server: 'not measured', ratio: Number.NaN },
  ];

  it('draws one bar per measured row, grouped by scenario, with names escaped as XML', () => {
    const svg = ratioChart(rows, { title: 'Ratios "to" raw uWS', subtitle: 'a run', targets: [{ scenario: 'plaintext', server: 'Typhoon <uws> & co', min: 0.9 }] });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
    expect(svg.match(/<rect [^>]*height="16"/g) ?? []).to.have.length(4);
    expect(svg).to.contain('Typhoon &#60;uws&#62; &#38; co').and.not.contain('<uws>').and.not.contain('not measured');
    expect(svg.indexOf('plaintext')).to.be.lessThan(svg.indexOf('fortunes'));
    // Every tag that opens closes: a reader that stops at the first error would show nothing.
    const opened = (svg.match(/<(svg|g|text|title)\b/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|g|text|title)>/g) ?? []).length;
    expect(opened).to.equal(closed);
  });

  it('still draws a chart without any measured row', () => {
    const svg = ratioChart([], { title: 'nothing yet' });
    expect(svg).to.match(/^<svg[\s\S]*<\/svg>\s*$/);
  });
});
