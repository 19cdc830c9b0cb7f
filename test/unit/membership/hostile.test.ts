import { expect } from 'chai';
import { HG_B, PING, cluster, kinds, logs, msg, rx, status, upCluster } from './helpers.js';

describe('membership: hostile and broken input', () => {
  it('drops a node not in ha.cf with Heartbeat\'s line, once per minute per source, then a summary', () => {
    const { run, core } = upCluster();
    const fake = (t: number) => rx(status(t, {}, 'charlie', 1), 'eth0', t);
    expect(logs(run([fake(1000)]))).to.deep.equal(['ERROR: process_status_message: bad node [charlie] in message']);
    expect(logs(run([fake(2000), fake(30_000), fake(60_999)]))).to.deep.equal([]);
    const later = run([fake(61_000)]);
    expect(logs(later)).to.deep.equal([
      'WARN: 3 more packet(s) from [charlie] dropped (unknown-node) in the last 60 s',
      'ERROR: process_status_message: bad node [charlie] in message',
    ]);
    expect(core.status().counters.dropped).to.deep.equal({ 'unknown-node': 5 });
    expect(kinds(later, 'node-status')).to.deep.equal([]);
  });

  it('flushes a pending summary on a tick when the window ends, and wakes for it', () => {
    const { run } = cluster({ keepaliveMs: 120_000, nodes: ['alpha'], pingNodes: [] });
    const fake = (t: number) => rx(status(t, {}, 'charlie', 1), 'eth0', t);
    const out = run([fake(1000), fake(2000)]);
    expect(kinds(out, 'wake-at').at(-1)).to.deep.equal({ kind: 'wake-at', at: 61_000 });
    expect(logs(run([{ kind: 'tick', at: 61_000 }]))).to.deep.equal(['WARN: 1 more packet(s) from [charlie] dropped (unknown-node) in the last 60 s']);
  });

  it('keeps separate windows per source and per reason', () => {
    const { run } = upCluster();
    const out = run([
      rx(status(5, {}, 'charlie', 1), 'eth0', 1000),
      rx(status(5, {}, 'delta', 1), 'eth0', 1000),
      { kind: 'dropped', reason: 'auth', from: '198.51.100.7', detail: 'Bad authentication from 198.51.100.7', at: 1000 },
      { kind: 'dropped', reason: 'auth', from: '198.51.100.7', at: 1001 },
      { kind: 'dropped', reason: 'decode', from: '198.51.100.7', at: 1002 },
    ]);
    expect(logs(out)).to.deep.equal([
      'ERROR: process_status_message: bad node [charlie] in message',
      'ERROR: process_status_message: bad node [delta] in message',
      'WARN: Bad authentication from 198.51.100.7',
      'WARN: Dropped packet from [198.51.100.7]: decode',
    ]);
  });

  it('refuses messages without src, ts or t, and sequenced ones without seq', () => {
    const { run, core } = upCluster();
    const out = run([
      rx(msg({ t: 'status', st: 'up', seq: '2', hg: '1', ts: '1' }), 'eth0', 200),
      rx(msg({ t: 'status', st: 'up', src: 'bravo', hg: HG_B.toString(16), ts: '1' }), 'eth1', 200),
      rx(msg({ t: 'status', st: 'up', src: 'bravo', seq: 'zz', hg: HG_B.toString(16), ts: '1' }), 'eth1', 201),
    ]);
    expect(logs(out)).to.deep.equal([
      'ERROR: process_clustermsg: missing from/ts/type: iface eth0, from <?>',
      'ERROR: process_clustermsg: missing seqno: iface eth1, from bravo',
    ]);
    expect(core.status().counters.dropped).to.deep.equal({ 'bad-field': 3 });
  });

  it('refuses a status value it does not know and a non-NS_st message claiming to be the ping node', () => {
    const { run } = upCluster();
    const out = run([
      rx(status(2, { st: 'dead' }), 'eth0', 200),
      rx(status(3, {}, PING, 1), PING, 210),
    ]);
    expect(logs(out)).to.deep.equal([
      'ERROR: HBDoMsg_T_STATUS: bad status [dead] from bravo',
      `ERROR: process_clustermsg: unexpected [status] message from ping node ${PING}`,
    ]);
  });

  it('does not let unsequenced NS_* packets keep a silent node alive', () => {
    const { run } = upCluster();
    const ack = (t: number) => rx(msg({ t: 'NS_ackmsg', dest: 'alpha', ackseq: '1', src: 'bravo', ts: '1' }), 'eth0', t);
    const out = run([ack(3000), ack(6000), { kind: 'tick', at: 6101 }]);
    expect(logs(out)).to.include('WARN: node bravo: is dead');
  });

  it('does not bring a dead link back for a replayed NS_ackmsg', () => {
    const { run } = upCluster();
    const ack = (t: number) => rx(msg({ t: 'NS_ackmsg', dest: 'alpha', ackseq: '1', src: 'bravo', ts: '1' }), 'eth0', t);
    const out = run([{ kind: 'tick', at: 6101 }, ack(12_000), { kind: 'tick', at: 12_100 }]);
    expect(logs(out)).to.include('info: Link bravo:eth0 dead.');
    expect(logs(out).filter((l) => l.includes('Link bravo:eth0 up'))).to.deep.equal([]);
  });

  it('accepts an unknown node with autojoin', () => {
    const { run, core } = cluster({ autojoin: 'any' });
    const out = run([rx(status(1, {}, 'charlie', 7), 'eth0', 100)]);
    expect(logs(out)).to.include('info: Status update for node charlie: status active');
    expect(core.status().nodes.map((n) => n.name)).to.include('charlie');
  });
});
