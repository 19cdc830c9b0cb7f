// `heartbeat status` says which groups failed to start and why: the fail count, whether the start-
// failure policy keeps the group stopped here, until when, and the last failed start's resource and
// exit code; the other node's reported failures too. Two runtimes in virtual time (cluster-harness).
import { expect } from 'chai';
import { Cluster, flush } from './cluster-harness.js';
import type { StatusView } from '../../src/control/status-view.js';

const hhmmss = /\d\d:\d\d:\d\d/.source;

describe('@integration heartbeat status shows failed starts and the reason', function () {
  this.timeout(30_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  it('a node alone: the count, the last reason, and "not started here again" once blocked', async () => {
    c = new Cluster();
    const n1 = c.node('node1');
    c.checks.push(() => void n1.failStartOnce.add('fake:g0')); // every start of fake::g0 fails
    await n1.start();
    await flush();
    const fails = (): number => n1.text().split('Giving up resources due to failure of fake::g0').length - 1;
    await c.until(() => fails() === 1, 20_000, 'the first failed start');
    await c.advance(100);
    let st = await n1.control('status');
    expect(st.out).to.match(new RegExp(
      `^group IPaddr::192\\.0\\.2\\.10/24/eth0 fake::g0 \\(preferred node1\\): not held \\(scripts here: stopped\\)\\n` +
        `  start failed here 1 time \\(3 keep it stopped here\\); counted until ${hhmmss}; last: fake::g0 at ${hhmmss}: exit code 1\\. ` +
        `To retry now: heartbeat cleanup IPaddr::192\\.0\\.2\\.10/24/eth0$`, 'm'));

    await c.until(() => n1.rt.groupFailure(0)?.blocked === true, 60_000, 'three failed starts');
    await c.advance(100);
    st = await n1.control('status');
    expect(st.out).to.match(new RegExp(`^  start failed here 3 times: not started here again until ${hhmmss} \\(or a restart of heartbeat\\); last: fake::g0 at ${hhmmss}: exit code 1\\. To retry now: heartbeat cleanup \\S+$`, 'm'));
    const g = (st.data as StatusView).groups[0];
    expect(g?.failure).to.deep.include({ fails: 3, threshold: 3, blocked: true });
    expect(g?.failure?.last).to.deep.include({ resource: 'fake::g0', reason: 'exit code 1' });
    // Ten minutes after the last failure (FAILURE_TIMEOUT_MS) it no longer counts.
    const left = Date.parse(g?.failure?.expiresAt ?? '') - Date.parse(g?.failure?.last?.at ?? '');
    expect(left).to.be.within(599_000, 600_000);
  });

  it('the peer of a node whose start failed shows its report; a healthy group shows no failure line', async () => {
    c = new Cluster();
    const [n1, n2] = [c.node('node1'), c.node('node2')];
    n1.failStartOnce.add('fake:g0');
    await c.startAll();
    await c.until(() => c.holders().join() === 'node2', 30_000, 'node2 holds after node1 failed to start');
    await c.advance(1000);
    const s1 = await n1.control('status');
    expect(s1.out).to.match(/^ {2}start failed here 1 time \(3 keep it stopped here\); counted until .*; last: fake::g0 at .*: exit code 1\. To retry now: heartbeat cleanup \S+$/m);
    const s2 = await n2.control('status');
    expect(s2.out).to.match(/held by node2 \(scripts here: started\)\n {2}node1 reports a failed start of it\n/);
    expect(s2.out).to.not.match(/start failed here/);
    expect((s2.data as StatusView).groups[0]).to.deep.include({ peerFailed: true });
  });
});
