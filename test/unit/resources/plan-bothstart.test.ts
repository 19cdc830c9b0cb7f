// Both nodes starting together: the planner takes its own local groups once the peer has said it is
// starting and holds none of them (plus a short settle), instead of after Heartbeat's 10 s RQSTDELAY;
// everything else (a real Heartbeat peer that never reports, a peer holding our groups, legacy mode)
// keeps Heartbeat's behaviour.
import { expect } from 'chai';
import { rscStatus, type PlanEffect } from '../../../src/resources/plan.js';
import { Node, Pair, VIP, config } from './plan-helpers.js';

const RES = 't=resource rsc_hold=';
const VIP2 = 'IPaddr::203.0.113.11/26/eth0';
const twoGroups = { groups: [{ key: VIP, node: 'alpha' }, { key: VIP2, node: 'bravo' }] };
const wakes = (fx: PlanEffect[]): number[] => fx.flatMap((f) => (f.kind === 'wake-at' ? [f.at] : []));
const EARLY = 'info: Both nodes starting and bravo holds none of our resources: not waiting 10 s for them.';

describe('resource plan: both nodes starting', () => {
  it('two of ours: each takes its own group after the settle, never one group on both', () => {
    const p = new Pair(config('alpha', twoGroups), config('bravo', twoGroups));
    p.ev(p.a, { kind: 'comm-up', at: 0, peerUp: true });
    p.ev(p.b, { kind: 'comm-up', at: 100, peerUp: true });
    expect([p.a.held(), p.b.held()]).to.deep.equal([[], []]);
    // alpha's 'starting' reached bravo before bravo's comm-up (no answer from bravo then); alpha
    // asks again with a second 'starting', so both end up with the other's 'starting' and report.
    expect(p.trace.filter((t) => t === 'alpha t=starting')).to.have.length(2);
    expect(p.a.state.fastTakeAt).to.equal(300);
    expect(p.b.state.fastTakeAt).to.equal(300);
    p.ev(p.b, { kind: 'tick', at: 299 });
    expect(p.b.held()).to.deep.equal([]);
    p.ev(p.b, { kind: 'tick', at: 300 });
    // bravo's isstable=1 report lets alpha take its own group at once (T_RESOURCES(them)), no tick needed.
    expect(p.a.held()).to.deep.equal([0]);
    expect(p.b.held()).to.deep.equal([1]);
    expect(p.b.logs).to.include('info: Both nodes starting and alpha holds none of our resources: not waiting 10 s for them.');
    expect(p.a.logs).to.include('info: remote resource transition completed.');
    expect([rscStatus(p.a.state), rscStatus(p.b.state)]).to.deep.equal(['local', 'local']);
    // The 10 s timer finds nothing left to do.
    p.ev(p.a, { kind: 'tick', at: 10_000 });
    p.ev(p.b, { kind: 'tick', at: 10_100 });
    expect([p.a.held(), p.b.held()]).to.deep.equal([[0], [1]]);
  });

  it('against a real-Heartbeat-style peer: takes its own group early; the peer then takes its own', () => {
    const n = new Node(config('alpha', twoGroups));
    n.ev({ kind: 'comm-up', at: 3517, peerUp: true });
    n.peerSays(4408, 't=starting');
    n.take();
    // A real peer in STARTING answers our 'starting' with its (empty) report, then waits its 10 s.
    const fx = n.peerSays(4519, `${RES}none rtype=full isstable=0`);
    expect(wakes(fx)).to.deep.equal([4719]);
    n.ev({ kind: 'tick', at: 4719 });
    const r = n.take();
    expect(r.ops).to.deep.equal(['start 0']);
    expect(r.logs.slice(0, 2)).to.deep.equal([EARLY, 'info: local resource transition completed.']);
    expect(r.sent).to.deep.equal([
      `${RES}local rtype=full isstable=1`,
      `t=ip-request-resp dest=alpha ipaddr=${VIP} weown=yes ok=OK`,
      `${RES}local rtype=full isstable=1 info=req_our_resources()`,
    ]);
    n.finishOps(4800);
    // What the real peer does on our isstable=1: "remote resource transition completed", its own
    // req_our_resources, and an isstable=1 report of its local group. We take nothing more.
    n.peerSays(4810, `${RES}local rtype=full isstable=1`);
    n.peerSays(4811, `${RES}local rtype=full isstable=1 info=req_our_resources()`);
    expect(n.take().ops).to.deep.equal([]);
    expect(n.held()).to.deep.equal([0]);
    expect(rscStatus(n.state)).to.equal('local');
  });

  it("s1 order against a real-style peer: our second 'starting' gets its report, so neither waits 10 s", () => {
    const n = new Node(config('alpha', twoGroups));
    n.ev({ kind: 'comm-up', at: 3517, peerUp: true });
    n.take();
    // bravo was in INIT when our 'starting' came (it logged an error); its own comes now.
    n.peerSays(4408, 't=starting');
    expect(n.take().sent).to.deep.equal([`${RES}none rtype=full isstable=0`, 't=starting']);
    // A real bravo in STARTING/RSCRCVD answers a 'starting' with its report.
    n.peerSays(4520, `${RES}none rtype=full isstable=0`);
    n.ev({ kind: 'tick', at: 4720 });
    const r = n.take();
    expect(r.ops).to.deep.equal(['start 0']);
    expect(r.sent[0]).to.equal(`${RES}local rtype=full isstable=1`);
    // Asked once per start of the peer (a restart of bravo clears it).
    expect(n.state.startingResent).to.equal(true);
  });

  it("remembers the peer's 'starting' that arrived before our own comm-up (as in s1)", () => {
    const n = new Node(config('bravo'));
    n.peerSays(3517, 't=starting');
    // Heartbeat's words, at info: the 'starting' is remembered, nothing is wrong (a routine start).
    expect(n.take().logs).to.deep.equal(["info: Received 'starting' message in state 0"]);
    n.ev({ kind: 'comm-up', at: 4408, peerUp: true });
    n.peerSays(4519, `${RES}none rtype=full isstable=0`);
    n.ev({ kind: 'tick', at: 4719 });
    const r = n.take();
    expect(r.logs).to.include('info: Both nodes starting and alpha holds none of our resources: not waiting 10 s for them.');
    expect(r.sent).to.deep.include(`${RES}local rtype=full isstable=1`);
    expect(n.state.rstate).to.equal('stable');
  });

  it('a peer that never sends its report keeps Heartbeat\'s 10 s wait', () => {
    const n = new Node(config('alpha'));
    n.ev({ kind: 'comm-up', at: 3517, peerUp: true });
    n.peerSays(4408, 't=starting');
    n.take();
    n.ev({ kind: 'tick', at: 5000 });
    expect(n.take().ops).to.deep.equal([]);
    expect(n.state.fastTakeAt).to.equal(0);
    // Our own (looped-back) report put us in RSCRCVD at 4408: RQSTDELAY ends the wait.
    n.ev({ kind: 'tick', at: 14_408 });
    expect(n.take().ops).to.deep.equal(['start 0']);
  });

  it('a peer reporting any of our groups (FOREIGN bit) blocks the early take; RQSTDELAY takes nothing either', () => {
    for (const hold of ['foreign', 'all']) {
      const n = new Node(config('alpha', { autoFailback: 'off' }));
      n.ev({ kind: 'comm-up', at: 0, peerUp: true });
      n.peerSays(10, 't=starting');
      n.peerSays(20, `${RES}${hold} rtype=full isstable=0`);
      expect(n.state.fastTakeAt, hold).to.equal(0);
      n.ev({ kind: 'tick', at: 1000 });
      expect(n.take().ops, hold).to.deep.equal([]);
      n.ev({ kind: 'tick', at: 10_010 });
      const r = n.take();
      expect(r.ops, hold).to.deep.equal([]);
      expect(r.logs, hold).to.include('info: Local Resource acquisition completed. (none)');
      expect(n.held()).to.deep.equal([]);
    }
  });

  it('auto_failback off, peer stable holding our group: Heartbeat\'s path, we stay at none', () => {
    const n = new Node(config('alpha', { autoFailback: 'off' }));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(10, `${RES}all rtype=full isstable=1`);
    n.ev({ kind: 'tick', at: 1000 });
    expect(n.take().ops).to.deep.equal([]);
    expect(n.state.rstate).to.equal('stable');
    expect(rscStatus(n.state)).to.equal('none');
  });

  it('a later report that claims our group withdraws the early take before the settle ends', () => {
    const n = new Node(config('alpha'));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(10, 't=starting');
    n.peerSays(20, `${RES}none rtype=full isstable=0`);
    expect(n.state.fastTakeAt).to.equal(220);
    n.peerSays(100, `${RES}foreign rtype=full isstable=0`);
    expect(n.state.fastTakeAt).to.equal(0);
    n.ev({ kind: 'tick', at: 220 });
    expect(n.take().ops).to.deep.equal([]);
  });

  it('the peer dying or restarting voids what it said while starting', () => {
    const n = new Node(config('alpha', twoGroups));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(10, 't=starting');
    n.peerSays(20, `${RES}none rtype=full isstable=0`);
    n.ev({ kind: 'peer-restarted', at: 50 });
    expect([n.state.peerStarting, n.state.peerReported, n.state.fastTakeAt]).to.deep.equal([false, false, 0]);
    n.ev({ kind: 'tick', at: 220 });
    expect(n.take().ops).to.deep.equal([]);
  });

  it('legacy (auto_failback legacy) is untouched: no starting exchange, no early take', () => {
    const n = new Node(config('alpha', { autoFailback: 'legacy' }));
    const fx = n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    expect(n.take().sent).to.deep.equal([`t=ip-request ipaddr=${VIP}`]);
    n.peerSays(10, 't=starting');
    n.peerSays(20, `${RES}none rtype=full isstable=0`);
    expect(n.state.fastTakeAt).to.equal(0);
    expect(wakes(fx)).to.deep.equal([]);
  });
});
