import { expect } from 'chai';
import { HG_B, PING, at, cluster, kinds, logs, msg, other, ping, rx, sends, status, upCluster } from './helpers.js';
import { seqRuns } from '../../../src/membership/timers.js';

const rexmitReq = (first: number, last: number) =>
  msg({ t: 'NS_rexmit', dest: 'alpha', firstseq: String(first), lastseq: String(last), src: 'bravo', ts: '6b01fea5' });

describe('membership: sequence numbers and retransmission requests', () => {
  it('drops a duplicate silently but counts it and keeps its link alive', () => {
    const { run, core } = upCluster();
    const out = run([rx(status(2), 'eth0', 200), rx(status(2), 'eth1', 201)]);
    expect(logs(out)).to.deep.equal(['info: Status update for node bravo: status active']);
    expect(core.status().counters.duplicates).to.equal(2); // seq 1 on eth1 in upCluster, seq 2 here
  });

  it('logs a gap like s7, asks for the seq after 50-250 ms and every 250 ms, and logs the fill', () => {
    const { run, core } = cluster();
    run([rx(ping(), PING, 50), rx(status(46), 'eth0', 100), rx(status(47), 'eth0', 1000), at(1000)]);
    const gap = run([rx(status(49), 'eth0', 2000), at(2000)]);
    expect(logs(gap)).to.deep.equal(['WARN: 1 lost packet(s) for [bravo] [47:49]']);
    expect(sends(gap).filter((s) => s.t === 'NS_rexmit')).to.deep.equal([]);
    expect(kinds(gap, 'wake-at').at(-1)).to.deep.equal({ kind: 'wake-at', at: 2150 }); // rng 0.5 -> 150 ms
    expect(sends(run([at(2149)])).filter((s) => s.t === 'NS_rexmit')).to.have.length(0);
    const first = sends(run([at(2150)])).filter((s) => s.t === 'NS_rexmit');
    expect(first).to.deep.equal([{ t: 'NS_rexmit', f: { t: 'NS_rexmit', dest: 'bravo', firstseq: '48', lastseq: '48' } }]);
    expect(sends(run([at(2399)])).filter((s) => s.t === 'NS_rexmit')).to.have.length(0);
    expect(sends(run([at(2400)])).filter((s) => s.t === 'NS_rexmit')).to.have.length(1);
    const fill = run([rx(status(48), 'eth0', 2500)]);
    expect(logs(fill)).to.deep.equal(['info: No pkts missing from bravo!']);
    expect(sends(run([at(2650), at(3000)])).filter((s) => s.t === 'NS_rexmit')).to.have.length(0);
    expect(core.status().counters).to.include({ lostPackets: 1, rexmitRequestsSent: 2 });
  });

  it('asks for a run of missing seqs in one NS_rexmit, and only for what is still missing', () => {
    const { run, core } = cluster();
    run([rx(ping(), PING, 50), rx(status(46), 'eth0', 100), rx(status(47), 'eth0', 1000), at(1000)]);
    run([rx(status(51), 'eth0', 2000), rx(status(54), 'eth0', 2010), at(2010)]);
    const first = sends(run([at(2160)])).filter((s) => s.t === 'NS_rexmit').map((s) => s.f);
    expect(first).to.deep.equal([
      { t: 'NS_rexmit', dest: 'bravo', firstseq: '48', lastseq: '50' },
      { t: 'NS_rexmit', dest: 'bravo', firstseq: '52', lastseq: '53' },
    ]);
    run([rx(status(49), 'eth0', 2200)]);
    const again = sends(run([at(2410)])).filter((s) => s.t === 'NS_rexmit').map((s) => [s.f.firstseq, s.f.lastseq]);
    expect(again).to.deep.equal([['48', '48'], ['50', '50'], ['52', '53']]);
    expect(core.status().counters).to.include({ lostPackets: 5, rexmitRequestsSent: 5 });
  });

  it('splits a run longer than a peer answers at once (50)', () => {
    const seqs = Array.from({ length: 120 }, (_, i) => 10 + i);
    expect(seqRuns(seqs, 50)).to.deep.equal([[10, 59], [60, 109], [110, 129]]);
    expect(seqRuns([1, 2, 4, 7, 8], 50)).to.deep.equal([[1, 2], [4, 4], [7, 8]]);
    expect(seqRuns([], 50)).to.deep.equal([]);
  });

  it('an older status filling a gap does not undo a newer status', () => {
    const { run, core } = upCluster();
    run([rx(status(3, { st: 'active' }), 'eth0', 200), rx(status(2, { st: 'up' }), 'eth0', 210)]);
    expect(core.status().nodes.find((n) => n.name === 'bravo')?.status).to.equal('active');
  });

  it('resets tracking on a gap of more than 250', () => {
    const { run } = upCluster();
    const out = run([rx(status(253), 'eth0', 200), at(1000)]);
    expect(logs(out)).to.deep.equal([
      'WARN: 251 lost packet(s) for [bravo] [1:253]',
      'WARN: lost a lot of packets!',
      'info: Status update for node bravo: status active',
    ]);
    expect(sends(out).filter((s) => s.t === 'NS_rexmit')).to.have.length(0);
  });

  it('acks seqs ending in its trigger digit, but not while something below is missing', () => {
    const { run } = upCluster(); // rng 0.5 -> trigger 5
    const acks = (o: ReturnType<typeof run>) => sends(o).filter((s) => s.t === 'NS_ackmsg').map((s) => s.f);
    expect(acks(run([rx(status(2), 'eth0', 200), rx(status(3), 'eth0', 300), rx(status(4), 'eth0', 400)]))).to.deep.equal([]);
    expect(acks(run([rx(status(5), 'eth0', 500)]))).to.deep.equal([{ t: 'NS_ackmsg', dest: 'bravo', ackseq: '5' }]);
    expect(acks(run([rx(status(0x0f), 'eth0', 600)]))).to.deep.equal([]); // 6..14 missing
  });

  it('turns flow control off when a peer sends no protocol field', () => {
    const { run, core } = upCluster();
    const out = run([rx(status(2, { protocol: '' }), 'eth0', 200)]);
    expect(logs(out)).to.include('info: flow control disabled due to different version heartbeat');
    expect(core.status().flowControl).to.equal(false);
    expect(sends(run([at(1000)]))[0]?.f).to.deep.equal({ t: 'status', st: 'active', dt: '1f40' });
  });
});

describe('membership: generations', () => {
  it('detects a restart by a higher hg and resets tracking (s5)', () => {
    const { run, core } = upCluster();
    run([rx(status(0x50), 'eth0', 200)]);
    const out = run([rx(status(1, { st: 'init', dt: '1f40' }, 'bravo', HG_B + 1), 'eth0', 900)]);
    expect(logs(out)).to.deep.equal(['info: Heartbeat restart on node bravo', 'info: Status update for node bravo: status init']);
    expect(kinds(out, 'node-restarted')).to.deep.equal([{ kind: 'node-restarted', node: 'bravo', generation: HG_B + 1 }]);
    expect(logs(run([rx(status(2, { st: 'up' }, 'bravo', HG_B + 1), 'eth0', 950)]))).to.deep.equal(['info: Status update for node bravo: status up']);
    expect(core.status().nodes.find((n) => n.name === 'bravo')?.generation).to.equal(HG_B + 1);
  });

  it('greets a restarted peer with its own status at once, not a keepalive later', () => {
    const { run } = upCluster();
    run([rx(status(0x50), 'eth0', 200)]);
    const out = run([rx(status(1, { st: 'init', dt: '1f40' }, 'bravo', HG_B + 1), 'eth0', 900)]);
    expect(sends(out).filter((x) => x.t === 'status').map((x) => x.f.st)).to.deep.equal(['active']);
    // An ordinary next heartbeat from the same peer does not trigger another one.
    expect(sends(run([rx(status(2, { st: 'up' }, 'bravo', HG_B + 1), 'eth0', 950)])).filter((x) => x.t === 'status')).to.deep.equal([]);
  });

  it('drops a lower hg as a replay, whatever its seq', () => {
    const { run, core } = upCluster();
    const out = run([rx(status(99, { st: 'init' }, 'bravo', HG_B - 1), 'eth0', 200)]);
    expect(logs(out)).to.deep.equal([`WARN: should_drop_message: attempted replay attack [bravo]? [gen = ${HG_B - 1}, curgen = ${HG_B}]`]);
    expect(kinds(out, 'node-status')).to.deep.equal([]);
    expect(core.status().counters.dropped).to.deep.equal({ replay: 1 });
  });

  it('logs a partition return like s8 and tells the upper layer, once the dead node talks again with the same hg', () => {
    const { run } = upCluster();
    run([rx(status(2), 'eth0', 1000), rx(status(2), 'eth1', 1000)]);
    for (let t = 2000; t <= 15000; t += 1000) run([rx(ping(), PING, t), at(t)]);
    // a replayed old status does not bring it back (Heartbeat would accept it: it forgets the seqs)
    const replay = run([rx(status(2), 'eth0', 15010)]);
    expect(kinds(replay, 'partition-return')).to.deep.equal([]);
    expect(logs(replay)).to.deep.equal([`WARN: should_drop_message: attempted replay attack [bravo]? [gen = ${HG_B}, curgen = ${HG_B}]`]);
    const out = run([rx(status(16), 'eth0', 15020)]);
    expect(logs(out)).to.deep.equal([
      'CRIT: Cluster node bravo returning after partition.',
      'info: For information on cluster partitions, See URL: http://linux-ha.org/wiki/Split_Brain',
      'WARN: Deadtime value may be too small.',
      'info: See FAQ for information on tuning deadtime.',
      'info: URL: http://linux-ha.org/wiki/FAQ#Heavy_Load',
      'info: Link bravo:eth0 up.',
      'CRIT: Late heartbeat: Node bravo: interval 14020 ms (> deadtime)',
      'WARN: node bravo: is dead',
      'info: Status update for node bravo: status active',
    ]);
    expect(kinds(out, 'partition-return')).to.deep.equal([{ kind: 'partition-return', node: 'bravo' }]);
    expect(kinds(out, 'node-dead')).to.deep.equal([]);
    expect(logs(run([rx(status(16), 'eth1', 15030)]))).to.deep.equal(['info: Link bravo:eth1 up.']);
  });

  it('a node first heard by a resource message keeps its gaps when its first status comes (sim seed 11769)', () => {
    const { run } = cluster();
    run([rx(ping(), PING, 50), rx(other('resource', 40, { rsc_hold: 'all', isstable: '1' }), 'eth0', 100)]);
    const first = run([rx(status(42), 'eth0', 200)]);
    expect(logs(first)).to.include('WARN: 1 lost packet(s) for [bravo] [40:42]');
    expect(logs(first)).to.not.include('info: Heartbeat restart on node bravo');
    const ask = sends(run([at(500)])).filter((x) => x.t === 'NS_rexmit').map((x) => [x.f.firstseq, x.f.lastseq]);
    expect(ask).to.deep.equal([['41', '41']]);
  });

  it('a first status overtaken by later resource messages is taken, not dropped as a duplicate (sim seed 30072)', () => {
    const { run, core } = cluster();
    run([rx(ping(), PING, 50), rx(other('reqnodes', 3, { dest: 'alpha' }), 'eth0', 100)]);
    const out = run([rx(status(1), 'eth0', 101), rx(status(2), 'eth0', 102), rx(status(4), 'eth0', 103)]);
    expect(logs(out).filter((l) => /partition|lost|missing/.test(l))).to.deep.equal(['WARN: 1 lost packet(s) for [bravo] [1:3]', 'info: No pkts missing from bravo!']);
    expect(core.status().nodes.find((n) => n.name === 'bravo')?.status).to.equal('active');
    expect(core.status().counters.duplicates).to.equal(0);
  });

  it('a dead node returning with a resource message ahead of its status: returned by the status, the message asked again (sim seed 125)', () => {
    const { run, core } = upCluster();
    run([rx(status(2), 'eth0', 1000), rx(status(2), 'eth1', 1000)]);
    for (let t = 2000; t <= 15000; t += 1000) run([rx(ping(), PING, t), at(t)]);
    const early = run([rx(other('resource', 18, { rsc_hold: 'all', isstable: '1' }), 'eth0', 15010)]);
    expect(kinds(early, 'deliver')).to.deep.equal([]);
    expect(logs(early)).to.deep.equal([]);
    const back = run([rx(status(17), 'eth0', 15011)]);
    expect(kinds(back, 'partition-return')).to.deep.equal([{ kind: 'partition-return', node: 'bravo' }]);
    expect(core.status().nodes.find((n) => n.name === 'bravo')?.status).to.equal('active');
    run([rx(status(19), 'eth0', 15200)]);
    const ask = sends(run([at(15500)])).filter((x) => x.t === 'NS_rexmit').map((x) => [x.f.firstseq, x.f.lastseq]);
    expect(ask).to.deep.equal([['18', '18']]);
  });
});

describe('membership: answering NS_rexmit', () => {
  it('asks the shell to resend the seq, not again within 240 ms', () => {
    const { run } = upCluster();
    run([at(1000), at(2000)]);
    expect(kinds(run([rx(rexmitReq(2, 2), 'eth0', 2100)]), 'resend')).to.deep.equal([{ kind: 'resend', seq: 2 }]);
    expect(kinds(run([rx(rexmitReq(2, 2), 'eth0', 2339)]), 'resend')).to.deep.equal([]);
    expect(kinds(run([rx(rexmitReq(2, 2), 'eth0', 2340)]), 'resend')).to.deep.equal([{ kind: 'resend', seq: 2 }]);
  });

  it('logs a request above our highest seq', () => {
    const { run, core } = upCluster();
    const max = core.status().hiseq;
    const out = run([rx(rexmitReq(99, 99), 'eth0', 300)]);
    expect(logs(out)).to.deep.equal([`WARN: Rexmit of seq 99 requested. ${max} is max.`]);
    expect(kinds(out, 'resend')).to.deep.equal([]);
  });

  it('answers NS_nak_rexmit for seqs older than the 500-message history and resends at most 50', () => {
    const { run } = upCluster();
    const t = { name: 't', type: 0, value: 'resource' } as const;
    for (let i = 0; i < 600; i++) run([{ kind: 'send', fields: [t], at: 500 }]);
    const old = run([rx(rexmitReq(50, 50), 'eth0', 600)]);
    expect(sends(old)).to.deep.equal([
      { t: 'NS_nak_rexmit', f: { t: 'NS_nak_rexmit', firstseq: '32', dest: 'bravo', info: 'seqno too low' } },
    ]);
    expect(kinds(run([rx(rexmitReq(400, 600), 'eth0', 700)]), 'resend')).to.have.length(50);
  });

  it('numbers upper-layer messages but not NS_* ones', () => {
    const { run } = cluster();
    const out = run([
      { kind: 'send', fields: [{ name: 't', type: 0, value: 'starting' }], at: 10 },
      { kind: 'send', fields: [{ name: 't', type: 0, value: 'NS_ackmsg' }, { name: 'dest', type: 0, value: 'bravo' }], at: 10 },
    ]);
    expect(out.filter((e) => e.kind === 'send')).to.deep.equal([
      { kind: 'send', fields: [{ name: 't', type: 0, value: 'starting' }], seq: 3 },
      { kind: 'send', fields: [{ name: 't', type: 0, value: 'NS_ackmsg' }, { name: 'dest', type: 0, value: 'bravo' }], dest: 'bravo' },
    ]);
  });
});

describe('membership: delivery to the upper layer', () => {
  it('delivers resource messages for us or for everyone, but not those for another node', () => {
    const { run } = upCluster();
    const mine = run([rx(other('resource', 2, { rsc_hold: 'none', rtype: 'full', isstable: '0' }), 'eth0', 200)]);
    expect(kinds(mine, 'deliver').map((e) => (e.kind === 'deliver' ? [e.node, e.type, e.link] : []))).to.deep.equal([['bravo', 'resource', 'eth0']]);
    const theirs = run([rx(other('ip-request-resp', 3, { dest: 'bravo' }), 'eth0', 300)]);
    expect(kinds(theirs, 'deliver')).to.deep.equal([]);
  });
});
