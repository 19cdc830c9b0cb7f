// Two runtimes in one process over the memory medium, real timers (keepalive 100 ms, deadtime 500 ms)
// and a real resource.d script writing state files: the whole daemon minus sockets and processes.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, sleep, waitFor } from './cluster-harness.js';

describe('cluster of two runtimes over the memory medium', function () {
  this.timeout(20_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  /** Fails the test the moment both nodes hold the group while they can talk. */
  const exclusive = () => () => {
    const h = c.holders();
    if (h.length > 1 && c.cut.size === 0) throw new Error(`both nodes hold the group: ${h.join(', ')}`);
  };

  it('gives the group to its preferred node on a cold start, and only to it', async () => {
    c = new Cluster();
    await c.startAll();
    const t = await waitFor(() => c.holders().join() === 'node1', 8000, exclusive());
    expect(t).to.be.below(4000);
    await waitFor(() => false, 600, exclusive()).catch(() => undefined);
    expect(c.holders()).to.deep.equal(['node1']);
    const r = await c.node('node2').control('cl_status', 'rscstatus');
    expect(r.out).to.match(/^(none|local)\n$/);
    expect((await c.node('node1').control('cl_status', 'nodestatus', 'node2')).out).to.equal('active\n');
  });

  it('moves the group to node2 within deadtime when node1 goes silent, and back on auto_failback on', async () => {
    c = new Cluster({ autoFailback: 'on' });
    await c.startAll();
    await waitFor(() => c.holders().join() === 'node1', 8000, exclusive());
    // For its first 5 s a node announces deadtime + 2 s (Heartbeat does); measure after that.
    await waitFor(() => false, 5200, exclusive()).catch(() => undefined);
    c.cut.add('node1');
    const t = await waitFor(() => c.node('node2').holds(), 3000);
    expect(t).to.be.below(500 + 1000);
    expect(c.node('node2').text()).to.include('node node1: is dead');
    // Heal: both held it during the split; the preferred node keeps it, the other releases.
    c.cut.clear();
    await waitFor(() => c.holders().join() === 'node1', 5000);
    expect(c.node('node2').text()).to.include('returning after partition');
    await waitFor(() => false, 800, exclusive()).catch(() => undefined);
  });

  it('keeps the group on node2 after node1 restarts with auto_failback off, and gives it back with on', async () => {
    for (const af of ['off', 'on'] as const) {
      c = new Cluster({ autoFailback: af });
      await c.startAll();
      await waitFor(() => c.holders().join() === 'node1', 8000, exclusive());
      await c.node('node1').rt.crash();
      rmSync(join(c.node('node1').fakeDir, 'running-vip'), { force: true }); // the machine rebooted
      await waitFor(() => c.node('node2').holds(), 3000);
      await c.node('node1').start();
      if (af === 'off') {
        await waitFor(() => false, 2500, exclusive()).catch(() => undefined);
        expect(c.holders()).to.deep.equal(['node2']);
      } else {
        await waitFor(() => c.holders().join() === 'node1', 8000, exclusive());
      }
      await c.stopAll();
    }
    c = new Cluster();
  });

  it('moves the group at once on a graceful stop, without waiting for deadtime', async () => {
    c = new Cluster();
    await c.startAll();
    await waitFor(() => c.holders().join() === 'node1', 8000, exclusive());
    const t0 = Date.now();
    c.node('node1').rt.push({ kind: 'shutdown' });
    c.node('node1').rt.push({ kind: 'shutdown' }); // the second SIGTERM is only logged
    const code = await c.node('node1').rt.done;
    expect(code).to.equal(0);
    await waitFor(() => c.node('node2').holds(), 3000, exclusive());
    expect(Date.now() - t0).to.be.below(500);
    const l1 = c.node('node1').text();
    expect(l1).to.include('Heartbeat shutdown in progress.');
    expect(l1).to.include('Heartbeat shutdown already underway.');
    expect(l1).to.include('node1 Heartbeat shutdown complete.');
    expect(c.node('node2').text()).to.include("Received shutdown notice from 'node1'.");
  });

  it('moves the group with standby and takeover through the control handler', async () => {
    c = new Cluster();
    await c.startAll();
    await waitFor(() => c.holders().join() === 'node1', 8000, exclusive());
    await sleep(300);
    const r = await c.node('node1').control('standby');
    expect(r.out).to.equal('Going standby [all].\n');
    await waitFor(() => c.holders().join() === 'node2', 5000, exclusive());
    await sleep(300);
    await c.node('node1').control('takeover');
    await waitFor(() => c.holders().join() === 'node1', 5000, exclusive());
    const bad = await c.node('node1').control('standby', 'bogus');
    expect(bad.code).to.equal(1);
    let out = '';
    await waitFor(() => /held by node1 \(scripts here: started\)/.test(out), 3000, () => {
      void c.node('node1').control('status').then((r) => (out = r.out));
    });
  });

  it('releases a group left running by a killed daemon before joining (reconcile on start)', async () => {
    c = new Cluster();
    await c.startAll();
    await waitFor(() => c.holders().join() === 'node1', 8000, exclusive());
    await c.node('node1').rt.crash(); // kill -9: the resource stays up
    await waitFor(() => c.node('node2').holds(), 3000);
    expect(c.holders()).to.deep.equal(['node1', 'node2']);
    await c.node('node1').start();
    await waitFor(() => c.holders().length === 1, 3000);
    expect(c.node('node1').text()).to.match(/found running at start-up .* releasing it before joining/);
    await waitFor(() => c.holders().join() === 'node1', 8000, exclusive());
  });
});

describe('cluster of six runtimes (v1 resources are a pair)', function () {
  this.timeout(20_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  it("settles: each node's resource talk is with its peer, not a re-send for every node's report", async () => {
    c = new Cluster({ nodes: ['node1', 'node2', 'node3', 'node4', 'node5', 'node6'] });
    await c.startAll();
    await waitFor(() => c.holders().join() === 'node1', 8000);
    await sleep(3000);
    expect(c.holders()).to.deep.equal(['node1']);
    for (const n of c.nodes) {
      // Once per start-up with the peer; fed everyone's reports it was one per flip of "stable".
      const completed = n.text().split('\n').filter((l) => l.includes('remote resource transition completed.')).length;
      expect(completed, `${n.name}:\n${n.text()}`).to.be.within(1, 2);
      expect(n.text()).to.not.match(/Both machines own|is dead|Late heartbeat/);
    }
  });
});
