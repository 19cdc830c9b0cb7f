import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { HttpProbe } from './http-probe.js';
import { Lab } from './lab.js';
import { isRoot, sh } from './netns.js';
import { RealHeartbeat, labHaCf, labWebScript, realHeartbeatInstalled } from './real-heartbeat.js';

const DEADTIME_S = 3;
const verbose = process.env['HB_LAB_VERBOSE'] === '1';
function note(msg: string): void {
  if (verbose) console.log(`      [timing] ${msg}`);
}

// Two REAL Heartbeat 3.0.6 nodes: ucast on the heartbeat link + bcast on the service LAN, keepalive 1,
// deadtime 3, auto_failback on, haresources `node1 192.0.2.10/24/eth0 labweb` (real IPaddr, a
// busybox-httpd script whose page names the node).
const nsNumber = (link: string): number => Number(/\[(\d+)\]/.exec(link)?.[1] ?? 0);

/** Starts `unshare --mount sleep 60`; resolves once it is in its new namespace (with that link). */
async function unshared(own: string): Promise<{ child: ChildProcess; ns: string }> {
  const child = spawn('unshare', ['--mount', 'sleep', '60'], { stdio: 'ignore' });
  for (let t = 0; t < 400 && child.exitCode === null; t++) {
    try {
      const ns = readlinkSync(`/proc/${child.pid}/ns/mnt`);
      if (ns !== own) return { child, ns };
    } catch {
      /* not there yet */
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  throw new Error('unshare --mount did not start');
}

/**
 * Makes a stranger process whose mount namespace has oldNs's number. The kernel hands out the
 * lowest free number, some time after the old namespace is freed: strangers below it are kept (they
 * fill the holes), one above it means "not free yet" and is dropped. Returns every stranger kept
 * (the caller kills them), or [] when another process on the host took the number first.
 */
async function strangersUntil(oldNs: string, timeoutMs = 5000): Promise<ChildProcess[]> {
  const own = readlinkSync('/proc/self/ns/mnt');
  const kept: ChildProcess[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && kept.length < 64) {
    const { child, ns } = await unshared(own);
    kept.push(child);
    if (ns === oldNs) return kept;
    if (nsNumber(ns) > nsNumber(oldNs)) {
      kept.pop()?.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const c of kept) c.kill('SIGKILL');
  return [];
}

describe('@lab real Heartbeat 3.0.6 pair in the lab', function () {
  this.timeout(60_000);
  let lab: Lab;
  let hbs: RealHeartbeat[] = [];
  let probe: HttpProbe;
  let t0 = 0;

  before(async function () {
    if (!isRoot() || !realHeartbeatInstalled()) this.skip();
    lab = await Lab.create({ nodes: 2 });
    hbs = lab.nodes.map(
      (n) =>
        new RealHeartbeat(lab, n.name, {
          haCf: labHaCf(lab, n.name, { keepalive: 1, warntime: 2, deadtime: DEADTIME_S, initdead: 6 }),
          haresources: `node1 ${lab.vip}/24/eth0 labweb\n`,
          authkeys: 'auth 1\n1 sha1 labTestKey\n',
          resourceScripts: { labweb: labWebScript(n) },
        }),
    );
    probe = HttpProbe.start(lab, { maxDurationMs: 55_000 });
  });

  after(async () => {
    probe?.stop();
    if (verbose && probe) note(JSON.stringify(probe.timeline().map((r) => [r.node, r.count, r.to - r.from])));
    const prefix = lab?.prefix;
    await lab?.teardown();
    if (prefix) expect(sh('ip', ['netns', 'list'])).not.to.contain(prefix);
    for (const h of hbs) expect(h.processes()).to.deep.equal([]);
  });

  it('starts both nodes, and node1 takes the VIP and serves it to the client', async () => {
    t0 = Date.now();
    await Promise.all(hbs.map((h) => h.start()));
    const r = await probe.waitServedBy('node1', 30_000, t0);
    note(`node1 serving ${r.t - t0} ms after both started`);
    const [h1, h2] = hbs as [RealHeartbeat, RealHeartbeat];
    expect(h1.clStatus('hbstatus')).to.equal('Heartbeat is running on this machine.');
    expect(h2.clStatus('nodestatus', 'node1')).to.equal('active');
    expect(h1.clStatus('listnodes').split('\n')).to.have.members(['192.0.2.254', 'node1', 'node2']);
    expect(h1.log()).to.match(/node1 heartbeat: \[\d+\]: info: Configuration validated\. Starting heartbeat 3\.0\.6/);
  });

  it('after kill -9 of node1, node2 serves the VIP within deadtime + a few seconds', async () => {
    const [h1, h2] = hbs as [RealHeartbeat, RealHeartbeat];
    const killed = Date.now();
    const oldNs = readlinkSync(`/proc/${h1.pid}/ns/mnt`);
    expect(h1.kill9()).to.include(h1.pid);
    // The kernel gives node1's freed mount-namespace number to a later namespace made on the host
    // (in CI: another test's `ip netns exec`). Such a stranger must not count as node1's, nor be
    // SIGKILLed by node1's kill9/teardown (it used to be: "expected [ 8062 ] to deeply equal []").
    const strangers = await strangersUntil(oldNs);
    try {
      expect(h1.processes()).to.deep.equal([]);
      h1.kill9();
      for (const s of strangers) expect(s.signalCode).to.equal(null);
    } finally {
      for (const s of strangers) s.kill('SIGKILL');
    }
    note(`stranger with node1's old ${oldNs}: ${strangers.length > 0 ? 'made' : 'not made (taken)'}`);
    const r = await probe.waitServedBy('node2', (DEADTIME_S + 5) * 1000, killed);
    note(`node2 serving ${r.t - killed} ms after kill -9 of node1 (deadtime ${DEADTIME_S} s)`);
    expect(h2.log()).to.contain('WARN: node node1: is dead');
    expect(h2.clStatusRaw('nodestatus', 'node1')).to.deep.include({ stdout: 'dead', code: 1 });
    expect(h1.processes()).to.deep.equal([]);
  });

  it('node2 stops gracefully on heartbeat -k and releases the VIP', async () => {
    const h2 = hbs[1]!;
    const t = Date.now();
    expect(await h2.stop(15_000)).to.equal(true);
    note(`node2 graceful stop took ${Date.now() - t} ms`);
    expect(sh('ip', ['-n', lab.node('node2').ns, '-4', 'addr', 'show', 'dev', 'eth0'])).not.to.contain(lab.vip);
  });
});
