import { expect } from 'chai';
import { PING, at, cluster, kinds, logs, other, ping, rx, sends, status, upCluster } from './helpers.js';

describe('membership: start-up and local status', () => {
  it('sends status init then up with the start-up dt and logs the local status', () => {
    const { started } = cluster();
    expect(sends(started)).to.deep.equal([
      { t: 'status', seq: 1, f: { t: 'status', st: 'init', dt: '1f40', protocol: '1' } },
      { t: 'status', seq: 2, f: { t: 'status', st: 'up', dt: '1f40', protocol: '1' } },
    ]);
    expect(logs(started)).to.deep.equal(["info: Local status now set to: 'up'"]);
    expect(kinds(started, 'wake-at')).to.deep.equal([{ kind: 'wake-at', at: 1000 }]);
  });

  it('sends a status every keepalive and drops the extra 2000 ms of dt after 5 s', () => {
    const { run } = cluster();
    const out = run([at(1000), at(4999), at(5000), at(6000)]);
    expect(sends(out).map((s) => [s.seq, s.f.dt])).to.deep.equal([
      [3, '1f40'],
      [4, '1f40'],
      [5, '1770'],
      [6, '1770'],
    ]);
  });

  it('goes active (Comm_now_up) once every node has been heard', () => {
    const { run } = cluster();
    const first = run([rx(ping(), PING, 900)]);
    expect(kinds(first, 'comm-up')).to.have.length(0);
    const out = run([rx(status(1, { st: 'up' }), 'eth0', 2901)]);
    expect(logs(out)).to.deep.equal([
      'info: Link bravo:eth0 up.',
      'info: Status update for node bravo: status up',
      'info: Comm_now_up(): updating status to active',
      "info: Local status now set to: 'active'",
    ]);
    expect(sends(out).map((s) => [s.t, s.f.st ?? s.f.dest])).to.deep.equal([
      ['reqnodes', 'bravo'],
      ['status', 'active'],
    ]);
    expect(kinds(out, 'comm-up')).to.have.length(1);
  });

  it('answers reqnodes with repnodes, dest first', () => {
    const { run } = upCluster();
    const out = run([rx(other('reqnodes', 2, { dest: 'alpha' }), 'eth0', 200)]);
    const rep = out.find((e) => e.kind === 'send');
    expect(rep && rep.kind === 'send' ? rep.fields.map((f) => `${f.name}=${String(f.value)}`) : []).to.deep.equal([
      'dest=bravo',
      't=repnodes',
      'nodelist=alpha bravo ',
      'delnodelist= ',
    ]);
  });
});

describe('membership: dead detection', () => {
  it('declares bravo dead only when silent for more than its dt (6000 ms alive, 6001 ms dead)', () => {
    const { run } = upCluster();
    run([rx(ping(), PING, 6000)]);
    expect(logs(run([at(6099), at(6100)]))).to.deep.equal([]);
    const out = run([at(6101)]);
    expect(logs(out)).to.deep.equal(['WARN: node bravo: is dead', 'info: Link bravo:eth0 dead.', 'info: Link bravo:eth1 dead.']);
    expect(kinds(out, 'node-dead')).to.deep.equal([{ kind: 'node-dead', node: 'bravo', cause: 'crash' }]);
    expect(kinds(out, 'node-status')).to.deep.equal([{ kind: 'node-status', node: 'bravo', status: 'dead', previous: 'up' }]);
  });

  it('asks to be woken exactly when the next node would die', () => {
    const { run } = upCluster({ keepaliveMs: 60_000 });
    const out = run([rx(ping(), PING, 1000), rx(status(2), 'eth0', 1000), rx(status(2), 'eth1', 1000)]);
    expect(kinds(out, 'wake-at').at(-1)).to.deep.equal({ kind: 'wake-at', at: 7001 });
    const dead = run([at(7001)]);
    expect(logs(dead)).to.include('WARN: node bravo: is dead');
    expect(kinds(dead, 'wake-at').at(-1)).to.deep.equal({ kind: 'wake-at', at: 60_000 });
  });

  it("uses the peer's dt, not our deadtime", () => {
    const { run } = upCluster();
    run([rx(status(2, { dt: '2710' }), 'eth0', 200)]); // 10000 ms
    run([rx(status(3, { dt: '2710' }), 'eth1', 200)]);
    for (let t = 1000; t <= 10200; t += 1000) run([rx(ping(), PING, t), at(t)]);
    expect(logs(run([at(10200)]))).to.deep.equal([]);
    expect(logs(run([at(10201)]))).to.include('WARN: node bravo: is dead');
  });

  it('marks a graceful leave (shutdone) as graceful when the node dies', () => {
    const { run } = upCluster();
    const notice = run([rx(status(2), 'eth0', 500), rx(other('shutdone', 3, { st: 'dead' }), 'eth0', 600)]);
    expect(kinds(notice, 'shutdown-notice')).to.deep.equal([{ kind: 'shutdown-notice', node: 'bravo' }]);
    expect(logs(notice)).to.deep.equal(['info: Status update for node bravo: status active']);
    const out = run([rx(ping(), PING, 6000), at(6601)]);
    expect(kinds(out, 'node-dead')).to.deep.equal([{ kind: 'node-dead', node: 'bravo', cause: 'graceful' }]);
  });

  it('warns about a late heartbeat above warntime, in Heartbeat\'s words', () => {
    const { run } = upCluster();
    expect(logs(run([rx(status(2), 'eth0', 3100)]))).to.deep.equal(['info: Status update for node bravo: status active']);
    expect(logs(run([rx(status(3), 'eth0', 6110)]))).to.deep.equal(['WARN: Late heartbeat: Node bravo: interval 3010 ms']);
  });

  it('takes a link dead while the node stays up on the other one, and back up', () => {
    const c = upCluster();
    const died = c.run([rx(status(2), 'eth0', 3000), rx(ping(), PING, 3000), rx(status(3), 'eth0', 6000), rx(ping(), PING, 6000), at(6100), at(6101)]);
    expect(logs(died)).to.deep.equal(['info: Status update for node bravo: status active', 'info: Link bravo:eth1 dead.']);
    expect(kinds(died, 'link-status')).to.deep.equal([{ kind: 'link-status', node: 'bravo', link: 'eth1', status: 'dead' }]);
    const back = c.run([rx(status(4), 'eth0', 6500), rx(status(4), 'eth1', 6501)]);
    expect(logs(back)).to.deep.equal(['info: Link bravo:eth1 up.']);
    const bravo = c.core.status().nodes.find((n) => n.name === 'bravo');
    expect(bravo?.status).to.equal('active');
    expect(bravo?.links).to.deep.equal([{ name: 'eth0', status: 'up' }, { name: 'eth1', status: 'up' }]);
  });

  it('uses initdead before comm is up, then declares the silent node dead and goes active', () => {
    const { run } = cluster();
    run([rx(ping(), PING, 500)]);
    for (let t = 1000; t <= 12000; t += 1000) run([rx(ping(), PING, t), at(t)]);
    expect(logs(run([at(12000)]))).to.deep.equal([]);
    const fx = run([at(12001)]);
    expect(logs(fx)).to.deep.equal([
      'WARN: node bravo: is dead',
      'info: Comm_now_up(): updating status to active',
      "info: Local status now set to: 'active'",
    ]);
    // As the real one: take over the dead node's resources only once active (no 'Link bravo:eth0 dead.').
    const order = fx.filter((e) => e.kind === 'comm-up' || e.kind === 'node-dead').map((e) => e.kind);
    expect(order).to.deep.equal(['comm-up', 'node-dead']);
  });
});

describe('membership: ping nodes and our own packets', () => {
  it('shows a ping node as status ping on a link named after its address, dead after deadping', () => {
    const { run } = cluster({ deadpingMs: 4000 });
    expect(logs(run([rx(ping(), PING, 800)]))).to.deep.equal([
      `info: Link ${PING}:${PING} up.`,
      `info: Status update for node ${PING}: status ping`,
    ]);
    run([rx(status(1), 'eth0', 900)]);
    for (let t = 1000; t <= 4800; t += 1000) run([rx(status(t / 1000 + 1), 'eth0', t), at(t)]);
    expect(logs(run([at(4801)]))).to.deep.equal([`WARN: node ${PING}: is dead`, `info: Link ${PING}:${PING} dead.`]);
  });

  it('counts our own looped-back broadcast as our link up, once, and nothing more', () => {
    const { run, core } = cluster();
    const own = status(2, { st: 'up' }, 'alpha', 0x6b01fea6);
    expect(logs(run([rx(own, 'eth1', 10)]))).to.deep.equal(['info: Link alpha:eth1 up.']);
    expect(logs(run([rx(own, 'eth1', 20)]))).to.deep.equal([]);
    expect(core.status().counters.accepted).to.equal(0);
  });
});

describe('membership: long life', () => {
  it('lives one hour at keepalive 200 ms without a false death or a late heartbeat', () => {
    const { run, core } = cluster({ keepaliveMs: 200, deadtimeMs: 1000, warntimeMs: 500, initdeadMs: 2000, deadpingMs: 1000 });
    let seq = 1;
    let bad = 0;
    let sent = 0;
    for (let t = 50; t <= 3_600_000; t += 200) {
      const m = status(seq++, { dt: '3e8' });
      const out = [...run([rx(m, 'eth0', t), rx(m, 'eth1', t + 1), rx(ping(), PING, t + 2), at(t + 150)])];
      for (const line of logs(out)) if (/dead|Late|lost/.test(line)) bad++;
      sent += sends(out).filter((s) => s.t === 'status').length;
    }
    expect(bad).to.equal(0);
    expect(sent).to.be.within(17_990, 18_010);
    expect(core.status().nodes.map((n) => n.status)).to.deep.equal(['ping', 'active', 'active']);
  });
});

describe('membership: our status paced by the first other node', () => {
  const statusSeqs = (out: ReturnType<ReturnType<typeof upCluster>['run']>) =>
    sends(out).filter((s) => s.t === 'status').map((s) => s.seq);

  it("sends ours with bravo's status when it is due within half a keepalive, then a keepalive later", () => {
    const { run } = upCluster(); // our next status is due at 1000
    expect(statusSeqs(run([rx(status(2), 'eth0', 499)]))).to.deep.equal([]); // 501 ms early: too early
    const paced = run([rx(status(3), 'eth0', 600), rx(status(3), 'eth1', 601)]);
    expect(statusSeqs(paced)).to.have.length(1); // the copy on eth1 is a duplicate: no second one
    expect(statusSeqs(run([at(1000), at(1599)]))).to.deep.equal([]);
    expect(statusSeqs(run([at(1600)]))).to.have.length(1);
  });

  it('sends an overdue status on any message, not only when its timer comes', () => {
    const { run } = upCluster(); // due at 1000; a ping node's packet is read first, at 1003
    expect(statusSeqs(run([rx(ping(), PING, 1003)]))).to.have.length(1);
    expect(statusSeqs(run([at(1003), at(1999)]))).to.deep.equal([]);
    expect(statusSeqs(run([at(2000)]))).to.have.length(1);
  });

  it('is not paced by an older status filling a gap, nor before comm is up', () => {
    const { run } = upCluster();
    run([rx(status(4), 'eth0', 300)]); // seqs 2 and 3 missing
    expect(statusSeqs(run([rx(status(2), 'eth0', 700)]))).to.deep.equal([]);
    const fresh = cluster();
    expect(statusSeqs(fresh.run([rx(status(1, { st: 'up' }), 'eth0', 900)]))).to.deep.equal([]);
  });

  it('in a larger cluster follows only the first other node of ha.cf', () => {
    const c = cluster({ nodes: ['alpha', 'bravo', 'charlie'], thisNode: 'charlie', pingNodes: [] });
    const hgA = 0x6b01fe00;
    expect(kinds(c.run([rx(status(1, {}, 'alpha', hgA), 'eth0', 100), rx(status(1), 'eth0', 100)]), 'comm-up')).to.have.length(1);
    expect(statusSeqs(c.run([rx(status(2), 'eth0', 800)]))).to.deep.equal([]);
    expect(statusSeqs(c.run([rx(status(2, {}, 'alpha', hgA), 'eth0', 800)]))).to.have.length(1);
  });
});
