// The soak's arithmetic and acceptance rules (bench/soak-stats.ts, issue 24).
import { expect } from 'chai';
import { TIMERS_50MS } from '../../../bench/soak.js';
import { leastSquaresSlope, percentile, soakVerdicts } from '../../../bench/soak-stats.js';
import { Results } from '../../../bench/stats.js';

describe('soak statistics', () => {
  it('least squares: the slope of a noisy line, null without two distinct x', () => {
    expect(leastSquaresSlope([[0, 10], [1, 12], [2, 14], [3, 16]])).to.equal(2);
    expect(leastSquaresSlope([[0, 1], [1, 3], [2, 2], [3, 4]])).to.be.closeTo(0.8, 1e-9);
    expect(leastSquaresSlope([[1, 5]])).to.equal(null);
    expect(leastSquaresSlope([[1, 5], [1, 7]])).to.equal(null);
  });

  it('nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).to.equal(50);
    expect(percentile(v, 99)).to.equal(99);
    expect(percentile([7], 99)).to.equal(7);
  });

  it('judges each phase after the warm-up by the rules of issue 24', () => {
    const r = new Results();
    r.add('soak', 'x', '50ms/1s warm-up', 'rss_slope', 'KiB/min', 900);
    r.add('soak', 'x', '50ms/1s steady', 'rss_slope', 'KiB/min', 10);
    r.add('soak', 'x', '50ms/1s steady', 'rss_slope', 'KiB/min', 80);
    r.add('soak', 'x', '50ms/1s steady', 'send_p99', 'ms', 60);
    r.add('soak', 'x', '50ms/1s loss', 'false_deaths', 'lines', 0);
    r.add('soak', 'x', '50ms/1s loss', 'false_deaths', 'lines', 1);
    r.add('soak', 'x', '50ms/1s churn', 'false_deaths', 'lines', 0);
    r.add('soak', 'x', '50ms/1s churn', 'send_max', 'ms', 2300); // a restart: no rule for it
    r.add('soak', 'x', '50ms/1s churn', 'log_growth', 'KiB/min', 7); // standby lines: steady only
    expect(soakVerdicts(r, TIMERS_50MS)).to.deep.equal([
      'FAIL  x  50ms/1s steady: RSS slope KiB/min 80 > 64',
      'FAIL  x  50ms/1s loss: false deaths 1 > 0',
      'PASS  x  50ms/1s churn',
    ]);
  });
});
