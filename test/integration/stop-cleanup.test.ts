// A group whose stop fails: the shutdown says so (log line, exit code, the outcome `heartbeat stop`
// prints), status shows it with the way out, and `heartbeat cleanup` clears it and failed starts,
// after which the planner starts the group where it should run. Runtimes in virtual time.
import { expect } from 'chai';
import { Cluster, flush } from './cluster-harness.js';
import type { StatusView } from '../../src/control/status-view.js';

const VIP_GROUP = 'IPaddr::192.0.2.10/24/eth0';
const hhmmss = /\d\d:\d\d:\d\d/.source;

describe('@integration a failed stop, heartbeat stop and heartbeat cleanup', function () {
  this.timeout(30_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  async function alone(): Promise<ReturnType<Cluster['node']>> {
    c = new Cluster();
    const n1 = c.node('node1');
    await n1.start();
    await flush();
    return n1;
  }

  it('a shutdown that cannot stop a group logs it, exits 1 and names the group and the reason', async () => {
    const n1 = await alone();
    await c.until(() => n1.holds(), 20_000, 'node1 holds');
    n1.failStop.add('fake:g0');
    n1.rt.push({ kind: 'shutdown' });
    let code: number | null = null;
    void n1.rt.done.then((x) => (code = x));
    await c.until(() => code !== null, 30_000, 'the shutdown ends');
    expect(code).to.equal(1);
    expect(n1.text()).to.include(`Not all HA resources relinquished: ${VIP_GROUP} failed to stop and may still run here.`);
    expect(n1.text()).to.not.include('All HA resources relinquished.');
    expect(n1.text()).to.include('node1 Heartbeat shutdown complete.');
    expect(n1.rt.unreleased()).to.deep.equal([{ group: VIP_GROUP, resource: 'fake::g0', reason: 'exit code 1' }]);
    expect(n1.running.has('fake:g0')).to.equal(true);
  });

  it('a clean shutdown leaves nothing unreleased and exits 0', async () => {
    const n1 = await alone();
    await c.until(() => n1.holds(), 20_000, 'node1 holds');
    n1.rt.push({ kind: 'shutdown' });
    let code: number | null = null;
    void n1.rt.done.then((x) => (code = x));
    await c.until(() => code !== null, 30_000, 'the shutdown ends');
    expect(code).to.equal(0);
    expect(n1.rt.unreleased()).to.deep.equal([]);
    expect(n1.text()).to.include('All HA resources relinquished.');
  });

  it('a start whose rollback stop fails stays out until cleanup, then starts at once', async () => {
    const n1 = await alone();
    n1.failStartRunningOnce.add('fake:g0');
    n1.failStop.add('fake:g0');
    await c.until(() => n1.rt.stopFailure(0) !== null, 20_000, 'the failed start and stop');
    await c.advance(60_000);
    // Its state is unknown: neither retried by the start-failure policy nor stopped again.
    expect(n1.holds()).to.equal(false);
    expect(n1.calls.filter((x) => x === 'fake g0 start')).to.have.length(1);
    const st = await n1.control('status');
    expect(st.out).to.match(new RegExp(
      `^  stop failed here: fake::g0 at ${hhmmss}: exit code 1 in its start; the stop after it failed too; it may still run here\\. ` +
        `Once fixed: heartbeat cleanup ${VIP_GROUP.replace(/[./]/g, '\\$&')}$`, 'm'));
    expect((st.data as StatusView).groups[0]?.stopFailed).to.deep.include({ resource: 'fake::g0' });

    n1.failStop.delete('fake:g0'); // the operator fixed it
    const r = await n1.control('cleanup', 'fake::g0');
    expect(r.code).to.equal(0);
    expect(r.out).to.equal(`Cleaned up ${VIP_GROUP}: its failed stop forgotten here.\n`);
    await c.until(() => n1.holds(), 5_000, 'started again after the cleanup');
    expect(n1.text()).to.include(`Resource group ${VIP_GROUP}: failed stop and 1 failed start(s) cleared by the operator.`);
    const after = await n1.control('status');
    expect(after.out).to.not.match(/failed here/);
    expect((after.data as StatusView).groups[0]).to.not.have.property('stopFailed');
  });

  it('hb_standby with a failing stop keeps the group here: the peer is not offered it', async () => {
    c = new Cluster();
    const [n1, n2] = [c.node('node1'), c.node('node2')];
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', 30_000, 'node1 holds');
    n1.failStop.add('fake:g0');
    n1.rt.push({ kind: 'standby', which: 'all' });
    // The harness fails the test if both run a resource of the group while they can talk.
    await c.until(() => n1.text().includes('Other node completed standby takeover'), 30_000, 'the standby ends');
    await c.advance(20_000);
    expect(n1.running.has('fake:g0')).to.equal(true);
    expect(n2.holdsAny()).to.equal(false);
    expect(n1.text()).to.include(`ERROR: Standby: ${VIP_GROUP} failed to stop and may still run here: kept, and node2 is offered our foreign resources only.`);
    expect(n2.text()).to.include('standby: acquire [foreign] resources from node1');
    expect(n1.rt.stopFailure(0)).to.not.equal(null);
  });

  it('cleanup of a group blocked by three failed starts starts it now, not in ten minutes', async () => {
    const n1 = await alone();
    let broken = true;
    c.checks.push(() => void (broken && n1.failStartOnce.add('fake:g0')));
    await c.until(() => n1.rt.groupFailure(0)?.blocked === true, 60_000, 'three failed starts');
    await c.advance(100);
    expect((await n1.control('status')).out).to.match(new RegExp(`not started here again until ${hhmmss}.*\\. To retry now: heartbeat cleanup `, 'm'));
    broken = false;
    n1.failStartOnce.clear();
    const r = await n1.control('cleanup');
    expect(r.out).to.equal(`Cleaned up ${VIP_GROUP}: its failed starts forgotten here.\n`);
    const took = await c.until(() => n1.holds(), 5_000, 'started after the cleanup');
    expect(took).to.be.below(1000);
  });

  it('says what it did when there is nothing to clean, and refuses a group haresources does not have', async () => {
    const n1 = await alone();
    await c.until(() => n1.holds(), 20_000, 'node1 holds');
    const none = await n1.control('cleanup');
    expect(none).to.deep.include({ code: 0, out: 'Nothing to clean up: no failed start or stop of any resource group here.\n' });
    const bad = await n1.control('cleanup', 'nosuch::x');
    expect(bad.code).to.equal(2);
    expect(bad.err).to.equal(`heartbeat cleanup: no resource group nosuch::x in haresources here (groups: ${VIP_GROUP}).\n`);
  });
});
