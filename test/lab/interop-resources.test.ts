// A mixed cluster moving a VIP: one REAL Heartbeat 3.0.6 node and one of ours, in both roles.
// haresources on both: `node1 IPaddr::192.0.2.10/24/eth0 httpd` (each side's own resource.d IPaddr;
// httpd = our script on ours, the lab's busybox web script on the real one; the page names the node).
// ucast eth1 + bcast eth0, keepalive 1, deadtime 3, initdead 4, auto_failback on.
// The client's HTTP probe says who serves; `ip addr` says who holds the VIP.
import { expect } from 'chai';
import { HttpProbe } from './http-probe.js';
import { Lab } from './lab.js';
import { isRoot, sh } from './netns.js';
import { realHeartbeatInstalled } from './real-heartbeat.js';
import { OursNode, RealNode, authkeysText, pairHaCf, waitLog, type PairNode } from './interop-pair.js';

const DEADTIME_MS = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const verbose = process.env['HB_LAB_VERBOSE'] === '1';
const note = (m: string): void => void (verbose && console.log(`      [timing] ${m}`));

function mixedCluster(preferred: 'ours' | 'real'): void {
  const other = preferred === 'ours' ? 'real' : 'ours';
  describe(`@lab mixed cluster: ${preferred} on node1 (preferred), ${other} on node2`, function () {
    this.timeout(90_000);
    let lab: Lab;
    let n1: PairNode;
    let n2: PairNode;
    let probe: HttpProbe;
    /** While connected, both nodes holding the VIP at once is a failure. */
    let connected = true;
    const doubleHeld: string[] = [];
    let watcher: NodeJS.Timeout | null = null;
    const t0 = Date.now();

    before(async function () {
      if (!isRoot() || !realHeartbeatInstalled()) this.skip();
      lab = await Lab.create({ nodes: 2 });
      const files = (name: string) => ({
        haCf: pairHaCf(lab, name, { media: [`ucast eth1 ${lab.nodes.find((x) => x.name !== name)!.eth1}`, 'bcast eth0'] }),
        haresources: `node1 IPaddr::${lab.vip}/24/eth0 httpd\n`,
        authkeys: authkeysText('sha1'),
      });
      const make = (kind: 'ours' | 'real', name: string): PairNode => (kind === 'ours' ? new OursNode(lab, name, files(name)) : new RealNode(lab, name, files(name)));
      n1 = make(preferred, 'node1');
      n2 = make(other, 'node2');
      probe = HttpProbe.start(lab, { maxDurationMs: 85_000 });
      watcher = setInterval(() => {
        if (connected && n1.hasVip() && n2.hasVip()) doubleHeld.push(new Date().toISOString());
      }, 100);
    });

    after(async () => {
      if (watcher) clearInterval(watcher);
      probe?.stop();
      if (verbose && probe) note(JSON.stringify(probe.timeline().map((r) => [r.node, r.count, r.to - r.from])));
      note(`mixed cluster (${preferred} preferred) total ${Date.now() - t0} ms`);
      const prefix = lab?.prefix;
      await lab?.teardown();
      if (prefix) expect(sh('ip', ['netns', 'list'])).not.to.contain(prefix);
    });

    afterEach(() => {
      expect(doubleHeld, `both nodes held the VIP while connected at ${doubleHeld.join(', ')}`).to.deep.equal([]);
    });

    /** Until each node's cl_status says the other is active (a restarting real one cannot answer). */
    async function bothActive(timeoutMs = 20_000): Promise<void> {
      const t = Date.now();
      for (;;) {
        const seen = [n1.nodestatus('node2'), n2.nodestatus('node1')];
        if (seen[0] === 'active' && seen[1] === 'active') break;
        if (Date.now() - t > timeoutMs) throw new Error(`node1 and node2 not both active within ${timeoutMs} ms: ${JSON.stringify(seen)}`);
        await sleep(300);
      }
      note(`both active again after ${Date.now() - t} ms`);
    }

    it('starts both; node1 takes the VIP and serves it; each sees the other active', async () => {
      const t = Date.now();
      await Promise.all([n1.start(), n2.start()]);
      const r = await probe.waitServedBy('node1', 25_000, t);
      note(`node1 (${preferred}) serving ${r.t - t} ms after start`);
      await waitLog(n1, /Status update for node node2: status active/, 10_000);
      expect(n1.nodestatus('node2')).to.equal('active');
      expect(n2.nodestatus('node1')).to.equal('active');
      expect(n2.hasVip()).to.equal(false);
    });

    it('the holder crashes (kill -9, or its links cut): node2 serves within deadtime + a few seconds; back, node1 serves again', async () => {
      await sleep(2500); // past the +2 s dt announced just after start-up
      const from1 = n1.log().length;
      const from2 = n2.log().length;
      const t = Date.now();
      connected = false;
      // Ours when preferred loses its links (it lives on, holding the VIP behind a dead link: the
      // partition-heal path); the real one is killed (its IPaddr alias removed, as on a crashed host).
      if (n1.kind === 'ours') {
        lab.cutLink('node1', 'eth0');
        lab.cutLink('node1', 'eth1');
      } else n1.crash();
      const r = await probe.waitServedBy('node2', DEADTIME_MS + 10_000, t);
      note(`node2 (${other}) serving ${r.t - t} ms after node1 went away`);
      expect(r.t - t).to.be.below(DEADTIME_MS + 5000);
      expect(n2.log().slice(from2)).to.match(/WARN: node node1: is dead/);
      if (n1.kind === 'ours') {
        // A partition is only one when BOTH sides have declared the other dead: under load ours may
        // notice a moment after node2 does, and healing before that is no partition at all.
        await waitLog(n1, /WARN: node node2: is dead/, DEADTIME_MS + 5000, from1);
      }
      const t2 = Date.now();
      if (n1.kind === 'ours') {
        lab.restoreLink('node1', 'eth0');
        lab.restoreLink('node1', 'eth1');
      } else await n1.start();
      const back = await probe.waitServedBy('node1', 25_000, t2);
      note(`node1 serving again ${back.t - t2} ms after it came back (auto_failback on)`);
      for (let i = 0; i < 100 && n2.hasVip(); i++) await sleep(100);
      expect(n2.hasVip()).to.equal(false);
      connected = true;
      if (n1.kind === 'ours') {
        // The real one meets a node returning after a partition by restarting itself (BEHAVIOUR.md
        // §3.8: "Heartbeat restart triggered."); ours keeps the group that prefers it.
        expect(n1.log()).to.match(/CRIT: Cluster node node2 returning after partition\./);
        await waitLog(n2, /info: Performing heartbeat restart exec\./, 15_000, from2);
      }
      await bothActive();
    });

    it('a graceful stop of node1 moves the VIP to node2 without waiting for deadtime; restarted, node1 gets it back', async () => {
      await sleep(1500);
      const from2 = n2.log().length;
      const t = Date.now();
      await n1.stop();
      note(`node1 (${preferred}) stopped in ${Date.now() - t} ms`);
      const r = await probe.waitServedBy('node2', 15_000, t);
      note(`node2 serving ${r.t - t} ms after node1's stop was issued`);
      const since = n2.log().slice(from2);
      expect(since).to.match(/info: Received shutdown notice from 'node1'\./);
      const t2 = Date.now();
      await n1.start();
      const back = await probe.waitServedBy('node1', 25_000, t2);
      note(`node1 serving ${back.t - t2} ms after its restart`);
      for (let i = 0; i < 100 && n2.hasVip(); i++) await sleep(100);
      expect(n2.hasVip()).to.equal(false);
      await bothActive();
    });

    it('split brain with node2 cut off (both take the VIP); healed, the preferred node1 alone holds it', async () => {
      await sleep(2500);
      const from1 = n1.log().length;
      const from2 = n2.log().length;
      connected = false;
      lab.cutLink('node2', 'eth0');
      lab.cutLink('node2', 'eth1');
      try {
        // Each side has the other dead (a partition, not a blip); ours as node2 takes the group too
        // (the real one's IPaddr may not bring the VIP up on a link that is down).
        await waitLog(n1, /WARN: node node2: is dead/, DEADTIME_MS + 5000, from1);
        await waitLog(n2, /WARN: node node1: is dead/, DEADTIME_MS + 5000, from2);
        for (let i = 0; i < 50 && !n2.hasVip(); i++) await sleep(100);
        note(`node2 (${other}) ${n2.hasVip() ? 'took' : 'did not take'} the VIP while cut off`);
        if (n2.kind === 'ours') expect(n2.hasVip(), 'node2 took the VIP while cut off').to.equal(true);
        expect(n1.hasVip(), 'node1 kept the VIP').to.equal(true);
      } finally {
        lab.restoreLink('node2', 'eth0');
        lab.restoreLink('node2', 'eth1');
      }
      const t = Date.now();
      // Whichever side notices first (ours keeps or releases by preference; the real one restarts
      // itself, BEHAVIOUR.md §3.8), the end is the same: node1 alone.
      for (let i = 0; i < 300 && !(n1.hasVip() && !n2.hasVip()); i++) await sleep(100);
      note(`one holder (node1) ${Date.now() - t} ms after the heal`);
      expect([n1.hasVip(), n2.hasVip()], 'node1 alone holds the VIP after the heal').to.deep.equal([true, false]);
      connected = true;
      await bothActive(30_000);
      await probe.waitServedBy('node1', 10_000);
      await sleep(3000); // the watcher: no second holder once they talk again
      expect([n1.hasVip(), n2.hasVip()]).to.deep.equal([true, false]);
    });

    if (preferred === 'ours') {
      it("ours restarted and killed 2 s into its life: node2 serves within deadtime + 2 keepalives + script time", async () => {
        await sleep(2500);
        await n1.stop();
        await probe.waitServedBy('node2', 15_000);
        const from2 = n2.log().length;
        await n1.start();
        const up = Date.now();
        await probe.waitServedBy('node1', 15_000, up); // auto_failback on: it has the VIP back at once
        await sleep(Math.max(0, up + 2000 - Date.now()));
        expect(n1.hasVip(), 'node1 holds the VIP 2 s after its start').to.equal(true);
        connected = false;
        const t = Date.now();
        n1.crash();
        const r = await probe.waitServedBy('node2', DEADTIME_MS + 10_000, t);
        note(`node2 serving ${r.t - t} ms after kill -9 of a 2 s old node1`);
        // We announce our deadtime from the start (no +2 s in the first 5 s), so the real one's
        // detection is deadtime after our last packet; 2 s of room for its IPaddr + httpd starts.
        expect(r.t - t).to.be.below(DEADTIME_MS + 2 * 1000 + 2000);
        expect(n2.log().slice(from2)).to.match(/WARN: node node1: is dead/);
        await n1.start();
        await probe.waitServedBy('node1', 25_000);
        for (let i = 0; i < 100 && n2.hasVip(); i++) await sleep(100);
        connected = true;
        await bothActive();
      });
    }

    it('hb_standby on node1 moves the VIP to node2; hb_takeover on node1 brings it back', async () => {
      await sleep(2500);
      let t = Date.now();
      n1.standby();
      let r = await probe.waitServedBy('node2', 15_000, t);
      note(`hb_standby: node2 serving after ${r.t - t} ms`);
      await sleep(1500);
      t = Date.now();
      n1.takeover();
      r = await probe.waitServedBy('node1', 15_000, t);
      note(`hb_takeover: node1 serving after ${r.t - t} ms`);
      expect(n1.log()).to.match(/node1 wants to go standby \[all\]/);
      expect(n2.log()).to.match(/node1 wants to go standby \[all\]/);
    });
  });
}

mixedCluster('ours');
mixedCluster('real');
