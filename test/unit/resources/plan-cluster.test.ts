// Two planners talking to each other: legacy failback, split-brain heal, failed starts, and the
// exclusivity promise (checked after every message and every group operation by Pair).
import { expect } from 'chai';
import { rscStatus } from '../../../src/resources/plan.js';
import { Node, Pair, VIP, config } from './plan-helpers.js';

const VIP2 = 'IPaddr::203.0.113.11/26/eth0';
const twoGroups = { groups: [{ key: VIP, node: 'alpha' }, { key: VIP2, node: 'bravo' }] };

/** bravo took alpha's group while alpha seemed dead; the partition has just healed. */
function healedAfterTakeover(): Node {
  const n = new Node(config('bravo'));
  n.ev({ kind: 'comm-up', at: 0, peerUp: true });
  n.peerSays(1, 't=resource rsc_hold=local rtype=full isstable=1');
  n.ev({ kind: 'peer-dead', at: 10_000 });
  n.finishOps(10_100);
  n.take();
  n.ev({ kind: 'partition-return', at: 14_000 });
  return n;
}

describe('resource plan: two planners', () => {
  it('both starting at once, woken only at RQSTDELAY: each ends with its own groups, then standby and takeover move them', () => {
    const p = new Pair(config('alpha', twoGroups), config('bravo', twoGroups));
    p.ev(p.a, { kind: 'comm-up', at: 0, peerUp: true });
    p.ev(p.b, { kind: 'comm-up', at: 100, peerUp: true });
    expect(p.a.held()).to.deep.equal([]);
    p.ev(p.a, { kind: 'tick', at: 10_000 });
    p.ev(p.b, { kind: 'tick', at: 10_100 });
    expect(p.a.held()).to.deep.equal([0]);
    expect(p.b.held()).to.deep.equal([1]);
    expect([rscStatus(p.a.state), rscStatus(p.b.state)]).to.deep.equal(['local', 'local']);

    p.ev(p.a, { kind: 'standby', at: 20_000, which: 'all' });
    expect(p.a.held()).to.deep.equal([]);
    expect(p.b.held()).to.deep.equal([0, 1]);
    expect([rscStatus(p.a.state), rscStatus(p.b.state)]).to.deep.equal(['none', 'all']);

    p.ev(p.a, { kind: 'takeover', at: 30_000, which: 'foreign' });
    expect(p.a.held()).to.deep.equal([1]);
    expect(p.b.held()).to.deep.equal([0]);
    expect(p.b.logs).to.include('info: bravo wants to go standby [local]');
  });

  it('auto_failback legacy: the returning owner asks with ip-request and the holder hands the group over', () => {
    const p = new Pair(config('alpha', { autoFailback: 'legacy' }), config('bravo', { autoFailback: 'legacy' }));
    p.ev(p.b, { kind: 'comm-up', at: 0, peerUp: false });
    p.ev(p.b, { kind: 'peer-dead', at: 0 });
    expect(p.b.held()).to.deep.equal([0]);
    p.ev(p.a, { kind: 'comm-up', at: 5000, peerUp: true });
    expect(p.a.held()).to.deep.equal([0]);
    expect(p.b.held()).to.deep.equal([]);
    expect(p.trace).to.include(`alpha t=ip-request ipaddr=${VIP}`);
    expect(p.trace).to.include(`bravo t=ip-request-resp dest=alpha ipaddr=${VIP} weown=yes ok=OK`);
    expect(p.trace.some((t) => / t=(starting|resource) /.test(`${t} `))).to.equal(false);
    p.ev(p.b, { kind: 'standby', at: 6000, which: 'all' });
    expect(p.b.logs).to.include('info: Standby mode only implemented when nice_failback on');
  });

  it('split brain heal: the two exchange reports, the preferred node keeps each group and re-announces it once the other has released it', () => {
    const p = new Pair(config('alpha', twoGroups), config('bravo', twoGroups));
    p.ev(p.a, { kind: 'comm-up', at: 0, peerUp: true });
    p.ev(p.b, { kind: 'comm-up', at: 0, peerUp: true });
    p.ev(p.a, { kind: 'tick', at: 10_000 });
    p.ev(p.b, { kind: 'tick', at: 10_000 });
    p.cut = true;
    p.ev(p.a, { kind: 'peer-dead', at: 20_000 });
    p.ev(p.b, { kind: 'peer-dead', at: 20_000 });
    expect(p.a.held()).to.deep.equal([0, 1]);
    expect(p.b.held()).to.deep.equal([0, 1]);
    p.a.take();
    p.b.take();
    p.cut = false;
    p.allowOverlap = true;
    p.ev(p.a, { kind: 'partition-return', at: 33_000 });
    p.ev(p.b, { kind: 'partition-return', at: 33_000 });
    p.allowOverlap = false;
    expect(p.a.held()).to.deep.equal([0]);
    expect(p.b.held()).to.deep.equal([1]);
    // Each stops the group it does not prefer, then announces its own (again, per release report).
    for (const [ops, stop, keep] of [[p.a.ops, 'stop 1', 'reannounce 0'], [p.b.ops, 'stop 0', 'reannounce 1']] as const) {
      expect(ops[0]).to.equal(stop);
      expect(ops.slice(1).length).to.be.greaterThan(0);
      expect(new Set(ops.slice(1))).to.deep.equal(new Set([keep]));
    }
    expect([rscStatus(p.a.state), rscStatus(p.b.state)]).to.deep.equal(['local', 'local']);
  });

  it("logs Heartbeat's double-ownership alarm once when it begins, not on every report", () => {
    const n = healedAfterTakeover();
    // The peer reports holding its group again and again while our copy is still being stopped.
    for (let k = 0; k < 5; k++) n.peerSays(15_000 + k, 't=resource rsc_hold=local rtype=full isstable=1');
    expect(n.logs.filter((l) => l.includes('Both machines own foreign resources!'))).to.have.length(1);
  });

  it('split brain heal against a real Heartbeat peer: we ask what it runs, it restarts itself, and its shutdone hands us everything again', () => {
    const n = healedAfterTakeover();
    // Nothing is stopped before the peer has said what it runs (it may never have held group 0).
    const r = n.take();
    expect(r.ops).to.deep.equal([]);
    expect(r.sent).to.deep.equal(['t=resource rsc_hold=all rtype=full isstable=0 info=query', 't=resource rsc_hold=all rtype=full isstable=1']);
    n.peerSays(16_073, 't=resource rsc_hold=none rtype=full isstable=0 info=shutdown');
    n.peerSays(16_176, 't=shutdone st=dead');
    n.finishOps(16_500);
    expect(n.held()).to.deep.equal([0]);
  });

  it('a failed start is logged, counted, and the claim goes: the peer hears rsc_hold=none failed=local', () => {
    const n = new Node(config('alpha'));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(1, 't=starting');
    n.peerSays(2, 't=resource rsc_hold=local rtype=full isstable=1');
    n.take();
    n.ev({ kind: 'group-done', at: 3, group: 0, op: 'start', ok: false, rolledBack: true, failed: 'NoSuchScript::z' });
    const r = n.take();
    expect(r.logs).to.deep.equal(['CRIT: Giving up resources due to failure of NoSuchScript::z']);
    expect(r.sent).to.deep.equal(['t=resource rsc_hold=none rtype=full isstable=1 failed=local']);
    expect(n.held()).to.deep.equal([]);
    expect(n.state.fails).to.deep.equal([1]);
    expect(rscStatus(n.state)).to.equal('none');
  });

  it('a start whose rollback also failed leaves the group unknown, and shutdown stops it again', () => {
    const n = new Node(config('alpha'));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(1, 't=starting');
    n.peerSays(2, 't=resource rsc_hold=local rtype=full isstable=1');
    n.ev({ kind: 'group-done', at: 3, group: 0, op: 'start', ok: false, rolledBack: false });
    expect(n.state.groups[0]).to.equal('failed');
    n.take();
    n.ev({ kind: 'shutdown', at: 4 });
    expect(n.take().ops).to.deep.equal(['stop 0']);
  });
});
