// Captured scenarios S1-S9 (HEARTBEAT-WIRE.md §14) replayed against one planner: the peer's messages are
// the ones the real Heartbeat sent, and the planner must answer with the same messages in the same order.
import { expect } from 'chai';
import { rscStatus } from '../../../src/resources/plan.js';
import { Node, VIP, config, stableAlpha } from './plan-helpers.js';

const RES = 't=resource rsc_hold=';

describe('resource plan: start-up (S1)', () => {
  it('alpha answers starting while starting and acquires when bravo is stable', () => {
    const n = new Node(config('alpha'));
    n.ev({ kind: 'comm-up', at: 3517, peerUp: true });
    expect(n.take().sent).to.deep.equal(['t=starting']);
    n.peerSays(4408, 't=starting');
    // The second 'starting' is ours, not the capture's: it asks bravo for the report it would
    // otherwise send only when stable (plan-bothstart.test.ts). This replay has bravo ignore it.
    expect(n.take().sent).to.deep.equal([`${RES}none rtype=full isstable=0`, 't=starting']);
    n.peerSays(15422, `${RES}local rtype=full isstable=1`);
    const r = n.take();
    expect(r.sent).to.deep.equal([
      `${RES}none rtype=full isstable=0`,
      `${RES}local rtype=full isstable=1`,
      `t=ip-request-resp dest=alpha ipaddr=${VIP} weown=yes ok=OK`,
      `${RES}local rtype=full isstable=1 info=req_our_resources()`,
    ]);
    expect(r.logs).to.deep.equal([
      'info: remote resource transition completed.',
      'info: remote resource transition completed.',
      'info: Initial resource acquisition complete (T_RESOURCES(us))',
      'info: Local Resource acquisition completed.',
    ]);
    expect(r.ops).to.deep.equal(['start 0']);
    expect(rscStatus(n.state)).to.equal('transition');
    n.finishOps(15700);
    expect(rscStatus(n.state)).to.equal('local');
    n.peerSays(15439, `${RES}local rtype=full isstable=1 info=req_our_resources()`);
    expect(n.take().sent).to.deep.equal([]);
  });

  it('bravo takes its (empty) local class RQSTDELAY after the first resource message, not before', () => {
    const n = new Node(config('bravo'));
    n.ev({ kind: 'comm-up', at: 4408, peerUp: true });
    n.peerSays(4519, `${RES}none rtype=full isstable=0`);
    n.take();
    const w = n.ev({ kind: 'tick', at: 14_518 });
    expect(n.take().sent).to.deep.equal([]);
    expect(w).to.deep.include({ kind: 'wake-at', at: 14_519 });
    n.ev({ kind: 'tick', at: 14_519 });
    const r = n.take();
    expect(r.sent).to.deep.equal([`${RES}local rtype=full isstable=1`, `${RES}local rtype=full isstable=1 info=req_our_resources()`]);
    expect(r.logs).to.deep.equal([
      'info: local resource transition completed.',
      'info: Initial resource acquisition complete (T_RESOURCES(us))',
      'info: No local resources [/usr/share/heartbeat/ResourceManager listkeys bravo] to acquire.',
    ]);
    n.peerSays(15539, `${RES}none rtype=full isstable=0`);
    n.peerSays(15540, `${RES}local rtype=full isstable=1`);
    const r2 = n.take();
    expect(r2.sent).to.deep.equal([`${RES}local rtype=full isstable=1`]);
    expect(r2.logs).to.deep.equal(['info: remote resource transition completed.']);
    expect(rscStatus(n.state)).to.equal('local');
  });

  it('a node alone after initdead takes everything (mach_down of the silent peer)', () => {
    const n = new Node(config('bravo'));
    n.ev({ kind: 'comm-up', at: 12_000, peerUp: false });
    n.ev({ kind: 'peer-dead', at: 12_000 });
    const r = n.take();
    expect(r.sent).to.deep.equal(['t=starting', 't=stonith node=alpha result=n_stnth', `${RES}all rtype=full isstable=1 info=req_our_resources()`]);
    expect(r.ops).to.deep.equal(['start 0']);
    n.finishOps(12_500);
    const r2 = n.take();
    expect(r2.sent).to.deep.equal([`${RES}foreign info=mach_down`]);
    expect(r2.logs).to.include('info: Initial resource acquisition complete (mach_down)');
    expect(n.held()).to.deep.equal([0]);
  });
});

describe('resource plan: hb_standby and hb_takeover (S2, S3)', () => {
  it('alpha goes standby [all] with the me/other/done handshake', () => {
    const n = stableAlpha();
    n.ev({ kind: 'standby', at: 0, which: 'all' });
    let r = n.take();
    expect(r.sent).to.deep.equal(['t=ask_resources rsc_hold=all info=me']);
    expect(r.logs).to.deep.equal(['info: Going standby [all].', 'info: alpha wants to go standby [all]']);
    n.peerSays(1002, 't=ask_resources rsc_hold=all info=other');
    r = n.take();
    expect(r.sent).to.deep.equal([`${RES}none rtype=full isstable=0 info=standby`]);
    expect(r.ops).to.deep.equal(['stop 0']);
    n.finishOps(1100);
    r = n.take();
    expect(r.sent).to.deep.equal(['t=ask_resources rsc_hold=all info=done']);
    expect(r.logs).to.deep.equal([
      'info: standby: bravo can take our all resources',
      'info: give up all HA resources (standby).',
      'info: all HA resource release completed (standby).',
      'info: Local standby process completed [all].',
    ].slice(2));
    n.peerSays(1778, 't=ask_resources rsc_hold=all info=done');
    n.peerSays(1778, `${RES}all rtype=full isstable=1`);
    r = n.take();
    expect(r.sent).to.deep.equal([`${RES}none rtype=full isstable=1`, `${RES}none rtype=full isstable=1`]);
    expect(r.logs).to.deep.equal(['info: Other node completed standby takeover of all resources.', 'info: remote resource transition completed.']);
    expect(rscStatus(n.state)).to.equal('none');
  });

  it('the acquiring side answers other, acquires on done and reports all', () => {
    const n = new Node(config('bravo'));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(10, `${RES}local rtype=full isstable=1`);
    n.take();
    n.peerSays(726, 't=ask_resources rsc_hold=all info=me');
    expect(n.take().sent).to.deep.equal(['t=ask_resources rsc_hold=all info=other']);
    n.peerSays(1118, `${RES}none rtype=full isstable=0 info=standby`);
    n.peerSays(1219, 't=ask_resources rsc_hold=all info=done');
    expect(n.take().ops).to.deep.equal(['start 0']);
    n.finishOps(1700);
    const r = n.take();
    expect(r.sent).to.deep.equal(['t=ask_resources rsc_hold=all info=done', `${RES}all rtype=full isstable=1`]);
    expect(r.logs).to.deep.equal([
      'info: all HA resource acquisition completed (standby).',
      'info: Standby resource acquisition done [all].',
    ]);
    n.peerSays(2123, `${RES}none rtype=full isstable=1`);
    expect(n.take().sent).to.deep.equal([`${RES}all rtype=full isstable=1`]);
    expect(rscStatus(n.state)).to.equal('all');
  });

  it('hb_takeover sends hb_takeover, and a received one runs hb_standby with local and foreign swapped', () => {
    const n = stableAlpha();
    n.ev({ kind: 'takeover', at: 1116, which: 'all' });
    expect(n.take().sent).to.deep.equal(['t=hb_takeover rsc_hold=all src=alpha']);
    n.peerSays(2000, 't=hb_takeover rsc_hold=local');
    const r = n.take();
    expect(r.sent).to.deep.equal(['t=ask_resources rsc_hold=foreign info=me']);
    expect(r.logs).to.deep.equal(['info: Going standby [foreign].', 'info: alpha wants to go standby [foreign]']);
  });

  it('ignores a standby request while the other side is in flux', () => {
    const n = new Node(config('alpha'));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(5, 't=ask_resources rsc_hold=all info=me');
    const r = n.take();
    expect(r.sent).to.deep.equal(['t=starting']);
    expect(r.logs).to.deep.equal(['WARN: standby message [me] from bravo ignored.  Other side is in flux.']);
  });

  it('cancels a standby request that gets no reply within 10 s', () => {
    const n = stableAlpha();
    const fx = n.ev({ kind: 'standby', at: 20_000, which: 'all' });
    expect(fx).to.deep.include({ kind: 'wake-at', at: 30_000 });
    n.take();
    n.ev({ kind: 'tick', at: 29_999 });
    expect(n.take().logs).to.deep.equal([]);
    n.ev({ kind: 'tick', at: 30_000 });
    expect(n.take().logs).to.deep.equal(['WARN: No reply to standby request.  Standby request cancelled.']);
    expect(rscStatus(n.state)).to.equal('local');
    expect(n.held()).to.deep.equal([0]);
  });
});

describe('resource plan: graceful stop, crash, failback (S4, S5, S6, S9)', () => {
  it('alpha releases its groups, then sends resource none info=shutdown and shutdone (S4)', () => {
    const n = stableAlpha();
    const fx = n.ev({ kind: 'shutdown', at: 601 });
    let r = n.take();
    expect(r.sent).to.deep.equal([`${RES}none rtype=full isstable=0 info=shutdown`]);
    expect(r.logs).to.deep.equal(['info: Heartbeat shutdown in progress. (4242)', 'info: Giving up all HA resources.']);
    expect(r.ops).to.deep.equal(['stop 0']);
    expect(fx.some((f) => f.kind === 'shutdown-complete')).to.equal(false);
    n.finishOps(700);
    r = n.take();
    expect(r.sent).to.deep.equal(['t=shutdone st=dead']);
    expect(r.logs).to.deep.equal(['info: All HA resources relinquished.']);
    expect(n.effects.some((f) => f.kind === 'shutdown-complete')).to.equal(true);
  });

  it('delays shutdown until a running group operation finishes', () => {
    const n = new Node(config('alpha'));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(1, 't=starting');
    n.peerSays(2, `${RES}local rtype=full isstable=1`);
    n.take();
    n.ev({ kind: 'shutdown', at: 3 });
    expect(n.take().logs).to.deep.equal(['WARN: Shutdown delayed until current resource activity finishes.']);
    n.finishOps(4);
    const r = n.take();
    expect(r.sent.slice(-2)).to.deep.equal([`${RES}none rtype=full isstable=0 info=shutdown`, 't=shutdone st=dead']);
    expect(r.ops).to.deep.equal(['stop 0']);
  });

  it('bravo takes everything at once on the shutdown notice, in the captured order (S4)', () => {
    const n = new Node(config('bravo'));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(1, `${RES}all rtype=full isstable=1`);
    n.take();
    n.peerSays(601, `${RES}none rtype=full isstable=0 info=shutdown`);
    n.peerSays(706, 't=shutdone st=dead');
    let r = n.take();
    expect(r.logs.slice(0, 2)).to.deep.equal(["info: Received shutdown notice from 'alpha'.", 'info: Resources being acquired from alpha.']);
    expect(r.sent).to.deep.equal([`${RES}all rtype=full isstable=1 info=req_our_resources()`]);
    expect(r.ops).to.deep.equal(['start 0']);
    n.finishOps(1000);
    r = n.take();
    expect(r.sent).to.deep.equal([
      't=ask_resources rsc_hold=all info=done',
      `${RES}all rtype=full isstable=1`,
      `${RES}foreign info=mach_down`,
    ]);
    expect(r.logs).to.include('info: mach_down takeover complete.');
    expect(r.logs).to.include('info: Standby resource acquisition done [all].');
    n.ev({ kind: 'peer-dead', at: 10_054 });
    r = n.take();
    expect(r.sent).to.deep.equal(['t=stonith node=alpha result=unneeded']);
    expect(r.logs).to.deep.equal(['info: Dead node alpha gave up resources.']);
    expect(rscStatus(n.state)).to.equal('all');
  });

  it('crash: stonith n_stnth notice, req_our_resources, then mach_down (S6)', () => {
    const n = new Node(config('bravo'));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(1, `${RES}local rtype=full isstable=1`);
    n.take();
    n.ev({ kind: 'peer-dead', at: 7442 });
    let r = n.take();
    expect(r.sent).to.deep.equal(['t=stonith node=alpha result=n_stnth', `${RES}all rtype=full isstable=1 info=req_our_resources()`]);
    expect(r.logs.slice(0, 3)).to.deep.equal([
      'WARN: No STONITH device configured.',
      'WARN: Shared disks are not protected.',
      'info: Resources being acquired from alpha.',
    ]);
    n.finishOps(7685);
    r = n.take();
    expect(r.sent).to.deep.equal([`${RES}foreign info=mach_down`]);
    expect(r.logs).to.deep.equal(['info: mach_down takeover complete for node alpha.', 'info: mach_down takeover complete.']);
    expect(n.held()).to.deep.equal([0]);
  });

  it('returning alpha with auto_failback on gets its group back through bravo standby foreign (S5)', () => {
    const n = new Node(config('alpha'));
    n.ev({ kind: 'comm-up', at: 1627, peerUp: true });
    n.peerSays(1994, `${RES}all rtype=full isstable=1`);
    let r = n.take();
    expect(r.sent).to.deep.equal(['t=starting', `${RES}none rtype=full isstable=0`, `${RES}none rtype=full isstable=1`]);
    expect(r.logs).to.include('info: Local Resource acquisition completed. (none)');
    n.peerSays(2592, `${RES}all rtype=full isstable=1`);
    n.peerSays(2592, 't=ask_resources rsc_hold=foreign info=me');
    expect(n.take().sent).to.deep.equal(['t=ask_resources rsc_hold=foreign info=other']);
    n.peerSays(2993, `${RES}local rtype=full isstable=0 info=standby`);
    n.peerSays(3140, 't=ask_resources rsc_hold=foreign info=done');
    expect(n.take().ops).to.deep.equal(['start 0']);
    n.finishOps(3800);
    r = n.take();
    expect(r.sent).to.deep.equal(['t=ask_resources rsc_hold=foreign info=done', `${RES}local rtype=full isstable=1`]);
    expect(r.logs).to.deep.equal([
      'info: local HA resource acquisition completed (standby).',
      'info: Standby resource acquisition done [foreign].',
      'info: Initial resource acquisition complete (auto_failback)',
    ]);
    n.peerSays(4001, `${RES}local rtype=full isstable=1`);
    n.peerSays(4001, `${RES}local rtype=full isstable=1`);
    expect(n.take().sent).to.deep.equal([`${RES}local rtype=full isstable=1`]);
  });

  it('the survivor offers the group back when the restarted owner is stable (S5, bravo side)', () => {
    const n = new Node(config('bravo'));
    n.ev({ kind: 'comm-up', at: 0, peerUp: true });
    n.peerSays(1, `${RES}local rtype=full isstable=1`);
    n.ev({ kind: 'peer-dead', at: 10 });
    n.finishOps(20);
    n.take();
    n.ev({ kind: 'peer-restarted', at: 1121 });
    n.peerSays(1627, 't=starting');
    expect(n.take().sent).to.deep.equal([`${RES}all rtype=full isstable=1`]);
    n.peerSays(2116, `${RES}none rtype=full isstable=0`);
    n.peerSays(2117, `${RES}none rtype=full isstable=1`);
    let r = n.take();
    expect(r.sent).to.deep.equal([`${RES}all rtype=full isstable=1`, 't=ask_resources rsc_hold=foreign info=me']);
    expect(r.logs).to.deep.equal(['info: remote resource transition completed.', 'info: bravo wants to go standby [foreign]']);
    n.peerSays(2628, 't=ask_resources rsc_hold=foreign info=other');
    r = n.take();
    expect(r.sent).to.deep.equal([`${RES}local rtype=full isstable=0 info=standby`]);
    expect(r.ops).to.deep.equal(['stop 0']);
    n.finishOps(3000);
    expect(n.take().sent).to.deep.equal(['t=ask_resources rsc_hold=foreign info=done']);
    n.peerSays(3813, 't=ask_resources rsc_hold=foreign info=done');
    n.peerSays(3813, `${RES}local rtype=full isstable=1`);
    r = n.take();
    expect(r.sent).to.deep.equal([`${RES}local rtype=full isstable=1`, `${RES}local rtype=full isstable=1`]);
    expect(r.logs).to.deep.equal(['info: Other node completed standby takeover of foreign resources.', 'info: remote resource transition completed.']);
    expect(n.held()).to.deep.equal([]);
  });

  it('auto_failback off: the returning owner stays at none and nothing moves (S9)', () => {
    const a = new Node(config('alpha', { autoFailback: 'off' }));
    a.ev({ kind: 'comm-up', at: 16_600, peerUp: true });
    a.peerSays(17_045, `${RES}all rtype=full isstable=1`);
    a.peerSays(17_567, `${RES}all rtype=full isstable=1`);
    const r = a.take();
    expect(r.sent).to.deep.equal(['t=starting', `${RES}none rtype=full isstable=0`, `${RES}none rtype=full isstable=1`]);
    expect(r.logs).to.include('info: Local Resource acquisition completed. (none)');
    expect(r.logs).to.include('info: Initial resource acquisition complete (T_RESOURCES(them))');
    expect(rscStatus(a.state)).to.equal('none');

    const b = new Node(config('bravo', { autoFailback: 'off' }));
    b.ev({ kind: 'comm-up', at: 0, peerUp: true });
    b.peerSays(1, `${RES}local rtype=full isstable=1`);
    b.peerSays(49, `${RES}none rtype=full isstable=0 info=shutdown`);
    b.take();
    b.peerSays(150, 't=shutdone st=dead');
    let rb = b.take();
    expect(rb.sent).to.deep.equal([
      `${RES}all rtype=full isstable=1 info=req_our_resources()`,
      't=ask_resources rsc_hold=all info=done',
      `${RES}all rtype=full isstable=1`,
    ]);
    expect(rb.logs).to.include('info: acquire local HA resources (standby).');
    b.finishOps(500);
    rb = b.take();
    expect(rb.sent).to.deep.equal([`${RES}foreign info=mach_down`]);
    b.peerSays(16_600, 't=starting');
    b.peerSays(17_099, `${RES}none rtype=full isstable=0`);
    b.peerSays(17_099, `${RES}none rtype=full isstable=1`);
    expect(b.take().sent).to.deep.equal([`${RES}all rtype=full isstable=1`, `${RES}all rtype=full isstable=1`]);
    expect(b.held()).to.deep.equal([0]);
  });
});
