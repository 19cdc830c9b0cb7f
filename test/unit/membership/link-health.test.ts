// Link health (heartbeat status --links, /metrics): counted in the membership core as packets come,
// seen here in virtual time through the simulator, with one link cut and one lossy.
import { expect } from 'chai';
import { Histogram } from '../../../src/lib/histogram.js';
import { SLOT_MS, Window, linkHealthView, newLinkHealth, newNodeHealth, noteLinkStatus } from '../../../src/membership/link-health.js';
import { SimCluster } from '../../../src/sim/cluster.js';
import { pairTexts, simConfigs } from '../../../src/sim/config.js';

describe('link health', () => {
  it('a window forgets what is older than a minute', () => {
    const w = new Window();
    w.add(0, 5);
    w.add(30_000, 2);
    expect(w.sum(59_999)).to.equal(7);
    expect(w.max(59_999)).to.equal(5);
    expect(w.sum(60_000 + SLOT_MS - 1)).to.equal(2);
    expect(w.sum(200_000)).to.equal(0);
    expect(w.max(200_000)).to.equal(null);
  });

  it('a histogram counts each value once, in the first bucket that holds it', () => {
    const h = new Histogram([1, 2]);
    for (const v of [0.5, 1, 1.5, 3]) h.observe(v);
    expect([...h.counts]).to.deep.equal([2, 1, 1]);
    expect(h.count).to.equal(4);
    expect(h.sum).to.equal(6);
  });

  it('jitter is the standard deviation of the intervals; loss what the link missed', () => {
    const l = newLinkHealth();
    const n = newNodeHealth();
    for (const at of [0, 900, 2000, 2900, 4000]) {
      noteLinkStatus(l, at);
      l.seen.add(at);
    }
    for (let i = 0; i < 10; i++) n.fresh.add(i * 400);
    const v = linkHealthView(l, n, 4000);
    expect(v.intervalAvgMs).to.equal(1000);
    expect(v.jitterMs).to.be.closeTo(100, 1e-9);
    expect(v.intervalMaxMs).to.equal(1100);
    expect(v.loss).to.be.closeTo(0.5, 1e-9);
  });

  it('in a pair with eth0 cut and hb0 losing 30 %, each link says so', () => {
    const sim = new SimCluster({ configs: simConfigs(pairTexts({ keepalive: '200ms', deadtime: '2', autoFailback: 'off' })), seed: 7 });
    sim.start(0);
    sim.start(1);
    sim.runUntil(20_000);
    sim.setLink(1, 0, 0, { loss: 1 });
    sim.setLink(1, 0, 1, { loss: 0.3 });
    sim.runUntil(90_000);
    const peer = sim.nodes[0]!.core!.membership.health(sim.now).find((n) => n.name === 'node2')!;
    expect(peer.status).to.equal('active');
    const [eth0, hb0] = [peer.links.find((l) => l.name === 'eth0')!, peer.links.find((l) => l.name === 'hb0')!];
    expect(eth0.status).to.equal('dead');
    expect(eth0.deaths).to.equal(1);
    expect(eth0.loss).to.equal(1);
    expect(hb0.status).to.equal('up');
    expect(hb0.loss).to.be.within(0.2, 0.4);
    // 200 ms heartbeats of which 30 % are lost: the mean interval grows past 200 ms, with spread.
    expect(hb0.intervalAvgMs).to.be.within(240, 360);
    expect(hb0.jitterMs).to.be.greaterThan(50);
    expect(peer.intervals.count).to.be.greaterThan(300);
  });
});
