// Runtimes in one process over the memory medium, in virtual time (one FakeClock; resource scripts
// simulated with latencies on it): the whole daemon minus sockets and processes. The harness checks
// "never two holders while they can talk" after every step and fails the test on a violation.
// Bounds come from the configured timers (src/sim/invariants.ts boundsFor), never from a stopwatch.
import { expect } from 'chai';
import { Cluster } from './cluster-harness.js';

/** Log lines that must not appear in a routine run (start, stop, standby, failback). */
const ALARM = /^(error|crit):/m;

describe('@integration cluster of two runtimes over the memory medium (virtual time)', function () {
  this.timeout(30_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  it('gives the group to its preferred node on a cold start, and only to it', async () => {
    c = new Cluster();
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'node1 holds');
    await c.advance(10 * c.keepaliveMs);
    expect(c.holders()).to.deep.equal(['node1']);
    expect(c.node('node2').holdsAny()).to.equal(false);
    const r = await c.node('node2').control('cl_status', 'rscstatus');
    expect(r.out).to.match(/^(none|local)\n$/);
    expect((await c.node('node1').control('cl_status', 'nodestatus', 'node2')).out).to.equal('active\n');
    for (const n of c.nodes) expect(n.text(), n.name).to.not.match(ALARM);
  });

  it('moves the group to node2 within deadtime + 2 keepalives + script time when node1 goes silent; on heal only node1 holds it', async () => {
    c = new Cluster({ autoFailback: 'on' });
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'node1 holds');
    await c.advance(6000); // past the first seconds of both
    c.cut('node1');
    await c.until(() => c.node('node2').holds(), c.bounds.takeoverMs, 'node2 takes over');
    expect(c.node('node2').text()).to.include('node node1: is dead');
    await c.until(() => c.node('node1').text().includes('node node2: is dead'), c.bounds.takeoverMs, 'node1 sees node2 dead');
    c.heal();
    // Both held it during the split; the preferred node keeps it and re-announces its address.
    await c.until(() => c.holders().join() === 'node1' && !c.node('node2').holdsAny(), c.bounds.dualMs, 'only node1 holds');
    await c.advance(20 * c.keepaliveMs);
    expect(c.holders()).to.deep.equal(['node1']);
    expect(c.node('node2').text()).to.include('returning after partition');
    expect(c.node('node1').garps).to.include('eth0 192.0.2.10');
  });

  it('keeps the group on node2 after node1 restarts with auto_failback off, and gives it back with on', async () => {
    for (const af of ['off', 'on'] as const) {
      c = new Cluster({ autoFailback: af });
      await c.startAll();
      await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'node1 holds');
      await c.advance(6000);
      await c.crash('node1', { reboot: true });
      await c.until(() => c.node('node2').holds(), c.bounds.takeoverMs, `node2 takes over (auto_failback ${af})`);
      await c.node('node1').start();
      if (af === 'off') {
        await c.advance(c.bounds.settleMs);
        expect(c.holders()).to.deep.equal(['node2']);
      } else {
        await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'failback to node1');
      }
      for (const n of c.nodes) expect(n.text(), `${af} ${n.name}`).to.not.match(ALARM);
      await c.stopAll();
    }
    c = new Cluster();
  });

  it('moves the group at once on a graceful stop, well before deadtime', async () => {
    c = new Cluster();
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'node1 holds');
    await c.advance(6000);
    const n1 = c.node('node1');
    let code: number | undefined;
    void n1.rt.done.then((x) => (code = x));
    n1.rt.push({ kind: 'shutdown' });
    n1.rt.push({ kind: 'shutdown' }); // the second SIGTERM is only logged
    // Release (one stop) + the peer's start: script time and a keepalive or two, not a deadtime.
    const t = await c.until(() => c.node('node2').holds(), c.deadtimeMs, 'node2 holds after the stop');
    expect(t).to.be.below(c.deadtimeMs);
    await c.until(() => code !== undefined, c.deadtimeMs, 'node1 exits');
    expect(code).to.equal(0);
    const l1 = n1.text();
    expect(l1).to.include('Heartbeat shutdown in progress.');
    expect(l1).to.include('Heartbeat shutdown already underway.');
    expect(l1).to.include('node1 Heartbeat shutdown complete.');
    expect(c.node('node2').text()).to.include("Received shutdown notice from 'node1'.");
    for (const n of c.nodes) expect(n.text(), n.name).to.not.match(ALARM);
  });

  it('moves the group with standby and takeover through the control handler', async () => {
    c = new Cluster();
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'node1 holds');
    await c.advance(6000);
    const r = await c.node('node1').control('standby');
    expect(r.out).to.equal('Going standby [all].\n');
    await c.until(() => c.holders().join() === 'node2', c.bounds.settleMs, 'standby moves it to node2');
    await c.advance(1000);
    await c.node('node1').control('takeover');
    await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'takeover brings it back');
    const bad = await c.node('node1').control('standby', 'bogus');
    expect(bad.code).to.equal(1);
    await c.advance(1000);
    expect((await c.node('node1').control('status')).out).to.match(/held by node1 \(scripts here: started\)/);
    for (const n of c.nodes) expect(n.text(), n.name).to.not.match(ALARM);
  });

  it('releases a group left running by a killed daemon before joining (reconcile on start)', async () => {
    c = new Cluster();
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'node1 holds');
    await c.advance(6000);
    await c.crash('node1'); // kill -9: the resources stay up
    await c.until(() => c.node('node2').holds(), c.bounds.takeoverMs, 'node2 takes over');
    expect(c.holders()).to.deep.equal(['node1', 'node2']);
    await c.node('node1').start();
    await c.until(() => !c.node('node1').holdsAny(), c.bounds.dualMs, 'node1 releases the left-over');
    expect(c.node('node1').text()).to.match(/found running at start-up .* releasing it before joining/);
    await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'failback to node1');
  });
});

describe('@integration split-brain heal in both directions (virtual time)', function () {
  this.timeout(30_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  // Which node is cut off (the holder or the other one) and which node each group prefers: whoever
  // notices both holding, each group ends on its preferred node only, and that node re-announces.
  const cases: Array<{ groups: string[]; cut: string }> = [
    { groups: ['node1'], cut: 'node1' },
    { groups: ['node1'], cut: 'node2' },
    { groups: ['node2'], cut: 'node1' },
    { groups: ['node2'], cut: 'node2' },
    { groups: ['node1', 'node2'], cut: 'node1' },
    { groups: ['node1', 'node2'], cut: 'node2' },
  ];
  for (const { groups, cut } of cases) {
    it(`groups preferring ${groups.join(' and ')}, ${cut} cut off: after the heal each group is held by its preferred node only`, async () => {
      c = new Cluster({ groups, autoFailback: 'on' });
      await c.startAll();
      const settled = (): boolean => groups.every((pref, gi) => c.holders(gi).join() === pref);
      await c.until(settled, c.bounds.settleMs, 'cold start');
      await c.advance(6000);
      c.cut(cut);
      const other = cut === 'node1' ? 'node2' : 'node1';
      // Both sides take every group (each thinks the other dead).
      await c.until(() => groups.every((_p, gi) => c.node('node1').holds(gi) && c.node('node2').holds(gi)), c.bounds.takeoverMs, 'both hold all');
      await c.until(() => c.node(cut).text().includes(`node ${other}: is dead`), c.bounds.takeoverMs, `${cut} sees ${other} dead`);
      const garps = new Map(c.nodes.map((n) => [n.name, n.garps.length]));
      c.heal();
      const single = (): boolean => groups.every((pref, gi) => c.holders(gi).join() === pref && c.nodes.every((n) => n.name === pref || !n.holdsAny(gi)));
      await c.until(single, c.bounds.dualMs, 'one holder per group after the heal');
      await c.advance(20 * c.keepaliveMs);
      expect(single()).to.equal(true);
      // A kept group's address is announced again: the LAN may have learnt the other node's MAC.
      for (const [gi, pref] of groups.entries()) {
        const n = c.node(pref);
        expect(n.garps.slice(garps.get(pref)), `${pref} re-announces group ${gi}`).to.include(`eth0 192.0.2.${10 + gi}`);
      }
    });
  }

  it('auto_failback off: after the heal each group has exactly one holder', async () => {
    c = new Cluster({ groups: ['node1', 'node2'], autoFailback: 'off' });
    await c.startAll();
    await c.until(() => c.holders(0).join() === 'node1' && c.holders(1).join() === 'node2', c.bounds.settleMs, 'cold start');
    await c.advance(6000);
    c.cut('node2');
    await c.until(() => [0, 1].every((gi) => c.holders(gi).length === 2), c.bounds.takeoverMs, 'both hold all');
    await c.advance(c.keepaliveMs);
    c.heal();
    await c.until(() => [0, 1].every((gi) => c.nodes.filter((n) => n.holdsAny(gi)).length === 1 && c.holders(gi).length === 1), c.bounds.dualMs, 'one holder each');
    await c.advance(20 * c.keepaliveMs);
    for (const gi of [0, 1]) expect(c.holders(gi)).to.have.length(1);
  });
});

describe("@integration a fault in a node's first seconds (virtual time)", function () {
  this.timeout(30_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  // Heartbeat announces deadtime + 2 s for a node's first 5 s; detection must still be two-sided and
  // take no longer than deadtime + 2 keepalives (+ the group's start) whenever the holder fails.
  for (const afterMs of [1000, 2000, 3000]) {
    it(`node1 restarts, takes its group back, and crashes ${afterMs} ms after that start: node2 takes over within the bound`, async () => {
      c = new Cluster({ autoFailback: 'on' });
      await c.startAll();
      await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'node1 holds');
      await c.advance(6000);
      await c.crash('node1', { reboot: true });
      await c.until(() => c.node('node2').holds(), c.bounds.takeoverMs, 'node2 takes over');
      await c.node('node1').start();
      const restarted = c.now;
      await c.until(() => c.holders().join() === 'node1', afterMs, 'failback to node1 in its first seconds');
      await c.advance(restarted + afterMs - c.now);
      await c.crash('node1', { reboot: true });
      const t = await c.until(() => c.node('node2').holds(), c.bounds.takeoverMs, `node2 takes over from a node1 ${afterMs} ms old`);
      expect(t).to.be.at.most(c.bounds.takeoverMs);
    });
  }

  it('both start, node1 takes the group and is cut off 1.5 s after its start: node2 takes over within the bound, and one holder after the heal', async () => {
    c = new Cluster({ autoFailback: 'on' });
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', 1500, 'node1 holds in its first 1.5 s');
    await c.advance(1500 - (c.now - c.node('node1').startedAt));
    c.cut('node1');
    await c.until(() => c.node('node2').holds(), c.bounds.takeoverMs, 'node2 takes over');
    await c.until(() => c.node('node1').text().includes('node node2: is dead'), c.bounds.takeoverMs, 'node1 sees node2 dead');
    c.heal();
    await c.until(() => c.holders().join() === 'node1' && !c.node('node2').holdsAny(), c.bounds.dualMs, 'only node1 holds');
  });

  it('node2 crashes 1 s after a cold start and comes back: node1 keeps the group throughout', async () => {
    c = new Cluster({ autoFailback: 'on' });
    await c.startAll();
    c.checks.push(() => {
      if (c.now - c.node('node1').startedAt > c.bounds.settleMs && !c.node('node1').holds()) throw new Error(`at ${c.now}: node1 lost the group`);
    });
    await c.advance(1000);
    await c.crash('node2', { reboot: true });
    await c.advance(c.bounds.takeoverMs);
    await c.node('node2').start();
    await c.advance(c.bounds.settleMs + 2000);
    expect(c.holders()).to.deep.equal(['node1']);
  });
});

describe('@integration cluster of six runtimes (v1 resources are a pair; virtual time)', function () {
  this.timeout(30_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  it("settles: each node's resource talk is with its peer, not a re-send for every node's report", async () => {
    c = new Cluster({ nodes: ['node1', 'node2', 'node3', 'node4', 'node5', 'node6'] });
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', c.bounds.settleMs, 'node1 holds');
    await c.advance(3000);
    expect(c.holders()).to.deep.equal(['node1']);
    for (const n of c.nodes) {
      // Once per start-up with the peer; fed everyone's reports it was one per flip of "stable".
      const completed = n.text().split('\n').filter((l) => l.includes('remote resource transition completed.')).length;
      expect(completed, `${n.name}:\n${n.text()}`).to.be.within(1, 2);
      expect(n.text()).to.not.match(/Both machines own|is dead|Late heartbeat/);
    }
  });
});
