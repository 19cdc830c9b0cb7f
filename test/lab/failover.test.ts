// Two of OUR daemons in the lab, started through the real CLI inside their namespaces: ucast eth1 +
// bcast eth0, keepalive 200 ms, deadtime 1.5 s, haresources `node1 IPaddr::192.0.2.10/24/eth0 httpd`
// (resource.d/IPaddr and resource.d/httpd from this repo; each node's page names the node).
// The client's HTTP probe says who serves; `ip addr` in both namespaces says who holds the VIP.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpProbe } from './http-probe.js';
import { Lab } from './lab.js';
import { isRoot, sh } from './netns.js';
import { type OurHeartbeat, vipCluster } from './ours.js';

const DEADTIME_MS = 1500;
const verbose = process.env['HB_LAB_VERBOSE'] === '1';
const note = (m: string): void => void (verbose && console.log(`      [timing] ${m}`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('@lab two heartbeat-ts daemons move a VIP', function () {
  this.timeout(90_000);
  let lab: Lab;
  let hbs: OurHeartbeat[] = [];
  let probe: HttpProbe;
  /** VIP watcher: while `connected`, both nodes holding the VIP at once is a failure. */
  let connected = true;
  const doubleHeld: string[] = [];
  let watcher: NodeJS.Timeout | null = null;

  const h = (i: 0 | 1): OurHeartbeat => hbs[i] as OurHeartbeat;

  before(async function () {
    if (!isRoot()) this.skip();
    lab = await Lab.create({ nodes: 2 });
    hbs = vipCluster(lab);
    probe = HttpProbe.start(lab, { maxDurationMs: 85_000 });
    watcher = setInterval(() => {
      if (!connected) return;
      const held = hbs.map((x) => x.hasVip());
      if (held.every(Boolean)) doubleHeld.push(new Date().toISOString());
    }, 50);
  });

  after(async () => {
    if (watcher) clearInterval(watcher);
    probe?.stop();
    if (verbose && probe) note(JSON.stringify(probe.timeline().map((r) => [r.node, r.count, r.to - r.from])));
    const prefix = lab?.prefix;
    await lab?.teardown();
    if (prefix) expect(sh('ip', ['netns', 'list'])).not.to.contain(prefix);
  });

  afterEach(() => {
    expect(doubleHeld, `both nodes held the VIP while connected at ${doubleHeld.join(', ')}`).to.deep.equal([]);
  });

  it('starts both through the CLI; node1 takes the VIP and serves it; cl_status and status report it', async () => {
    const t0 = Date.now();
    await Promise.all(hbs.map((x) => x.start()));
    const r = await probe.waitServedBy('node1', 20_000, t0);
    note(`node1 serving ${r.t - t0} ms after start (Heartbeat's 10 s RQSTDELAY on a simultaneous start)`);
    expect(h(1).cmd('cl_status', 'nodestatus', 'node1').out).to.equal('active\n');
    expect(h(0).cmd('cl_status', 'nodestatus', '192.0.2.254').out).to.equal('ping\n');
    expect(h(0).cmd('cl_status', 'listnodes').out.split('\n')).to.have.members(['192.0.2.254', 'node2', 'node1', '']);
    expect(h(0).cmd('cl_status', 'hblinkstatus', 'node2', 'eth1').out).to.equal('up\n');
    const st = h(0).cmd('heartbeat', 'status');
    expect(st.code).to.equal(0);
    expect(st.out).to.match(/held by node1 \(scripts here: started\)/);
    expect(h(0).hasVip()).to.equal(true);
    expect(h(1).hasVip()).to.equal(false);
  });

  it('runs realtime as Heartbeat does: every daemon thread at SCHED_RR 1, the web server it started at normal priority', () => {
    // /proc/PID/stat after the comm: field 40 is rt_priority, 41 the policy (0 SCHED_OTHER, 2 SCHED_RR).
    const sched = (stat: string): string => stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(37, 39).join('/');
    const pid = readFileSync(h(0).pidfile, 'utf8').trim();
    const threads = readdirSync(`/proc/${pid}/task`).map((t) => sched(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')));
    expect(threads.length).to.be.greaterThan(1);
    expect([...new Set(threads)]).to.deep.equal(['1/2']);
    const httpd = readFileSync(join(h(0).node.stateDir, 'httpd.pid'), 'utf8').trim();
    expect(sched(readFileSync(`/proc/${httpd}/stat`, 'utf8'))).to.equal('0/0');
  });

  it('when node1 loses both links, node2 serves within deadtime + 1 s; restored, node1 serves again', async () => {
    await sleep(5500); // past the +2 s deadtime announced during the first 5 s
    connected = false;
    const t1 = Date.now();
    lab.cutLink('node1', 'eth1');
    lab.cutLink('node1', 'eth0');
    const r = await probe.waitServedBy('node2', DEADTIME_MS + 5000, t1);
    note(`node2 serving ${r.t - t1} ms after node1's links were cut`);
    expect(r.t - t1).to.be.below(DEADTIME_MS + 1000);
    expect(h(1).log()).to.match(/WARN: node node1: is dead/);
    const t2 = Date.now();
    lab.restoreLink('node1', 'eth1');
    lab.restoreLink('node1', 'eth0');
    const back = await probe.waitServedBy('node1', 10_000, t2);
    note(`node1 serving again ${back.t - t2} ms after restore`);
    for (let i = 0; i < 100 && h(1).hasVip(); i++) await sleep(50);
    expect(h(1).hasVip()).to.equal(false);
    connected = true;
    expect(h(1).log()).to.match(/CRIT: Cluster node node1 returning after partition\./);
  });

  it('`heartbeat stop` on node1 moves the VIP to node2 at once (no deadtime wait); restarted, node1 gets it back', async () => {
    await sleep(1000);
    const mark = h(1).log().length;
    const t1 = Date.now();
    const stop = h(0).cmd('heartbeat', 'stop');
    expect(stop.code).to.equal(0);
    const r = await probe.waitServedBy('node2', 10_000, t1);
    note(`stop took ${Date.now() - t1} ms; node2 serving ${r.t - t1} ms after stop was issued`);
    expect(h(0).log()).to.match(/info: node1 Heartbeat shutdown complete\./);
    const since = h(1).log().slice(mark);
    expect(since).to.match(/info: Received shutdown notice from 'node1'\./);
    expect(since.indexOf('node node1: is dead'), 'node2 waited for deadtime instead of acting on shutdone').to.satisfy(
      (i: number) => i < 0 || i > since.indexOf('Received shutdown notice'),
    );
    const t2 = Date.now();
    await h(0).start();
    const back = await probe.waitServedBy('node1', 20_000, t2);
    note(`node1 serving ${back.t - t2} ms after its restart (auto_failback on)`);
  });

  it('hb_standby on node1 moves the VIP to node2, hb_takeover on node1 brings it back', async () => {
    await sleep(1500);
    let t = Date.now();
    const s = h(0).cmd('hb_standby');
    expect(s.code).to.equal(0);
    expect(s.out).to.match(/Going standby \[all\]\.\n$/);
    let r = await probe.waitServedBy('node2', 10_000, t);
    note(`hb_standby: node2 serving after ${r.t - t} ms`);
    await sleep(1500);
    t = Date.now();
    expect(h(0).cmd('hb_takeover').code).to.equal(0);
    r = await probe.waitServedBy('node1', 10_000, t);
    note(`hb_takeover: node1 serving after ${r.t - t} ms`);
    expect(h(0).log()).to.match(/node1 wants to go standby \[all\]/);
  });
});
