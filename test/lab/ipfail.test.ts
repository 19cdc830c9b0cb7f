// ipfail in the lab: two of OUR daemons (ucast eth1 + bcast eth0, keepalive 200 ms, deadtime 1.5 s,
// deadping 1 s), both watching the router namespace as `ping 192.0.2.254` plus a
// `ping_group gw 192.0.2.254 192.0.2.253` (.253 never answers: the group lives on .254), and
// `respawn hacluster NODEDIR/bin/ipfail` so the built-in ipfail runs. That program is a stub which
// would leave a marker file if it ever ran: any path ending in ipfail must not be started. (Our
// config check, like Heartbeat's, still wants the path to be executable.)
// Faults touch only the path to the router: iptables on node1 drops what the router sends it; the
// heartbeat links stay up, so the nodes keep hearing each other throughout.
// A watcher samples `ip addr` in both nodes every 50 ms and counts VIP moves.
import { expect } from 'chai';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, ROUTER_ADDR } from './lab.js';
import { isRoot, sh } from './netns.js';
import { type OurHeartbeat, ourHaCf, vipCluster } from './ours.js';

const DEADPING_MS = 1000;
const verbose = process.env['HB_LAB_VERBOSE'] === '1';
const note = (m: string): void => void (verbose && console.log(`      [ipfail] ${m}`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Holder = 'node1' | 'node2' | 'none' | 'both';

describe('@lab ipfail: ping nodes decide who serves', function () {
  this.timeout(240_000);
  let lab: Lab;
  let hbs: OurHeartbeat[] = [];
  let watcher: NodeJS.Timeout | null = null;
  /** Holder changes as [ms since epoch, holder]. */
  const changes: [number, Holder][] = [];
  let holder: Holder = 'none';
  let lastMoveAt = 0;

  const h = (i: 0 | 1): OurHeartbeat => hbs[i] as OurHeartbeat;
  const moves = (from: number, to = Date.now()): number => {
    const owners = changes.filter(([t, x]) => t >= from && t <= to && (x === 'node1' || x === 'node2')).map(([, x]) => x);
    let n = 0;
    let prev = holderAt(from);
    for (const o of owners) if (o !== prev) (n++, (prev = o));
    return n;
  };
  const holderAt = (t: number): Holder => {
    let x: Holder = 'none';
    for (const [at, who] of changes) if (at <= t && (who === 'node1' || who === 'node2')) x = who;
    return x;
  };
  const waitHolder = async (who: 'node1' | 'node2', timeoutMs: number): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    while (holder !== who) {
      if (Date.now() > deadline) throw new Error(`VIP not on ${who} within ${timeoutMs} ms (now: ${holder})`);
      await sleep(10);
    }
    return (changes.filter(([, x]) => x === who).at(-1) as [number, Holder])[0];
  };
  const cutRouter = (node: string): void => void lab.exec(node, 'iptables', ['-w', '-I', 'INPUT', '-s', ROUTER_ADDR, '-j', 'DROP']);
  const restoreRouter = (node: string): void => void lab.exec(node, 'iptables', ['-w', '-D', 'INPUT', '-s', ROUTER_ADDR, '-j', 'DROP']);
  const peersStillTalk = (): void => {
    expect(h(1).cmd('cl_status', 'nodestatus', 'node1').out).to.equal('active\n');
    expect(h(0).cmd('cl_status', 'nodestatus', 'node2').out).to.equal('active\n');
    for (const x of hbs) expect(x.log()).not.to.match(/WARN: node node[12]: is dead/);
  };

  before(async function () {
    if (!isRoot()) this.skip();
    lab = await Lab.create({ nodes: 2 });
    hbs = vipCluster(lab, {
      haCf: (n) => {
        const stub = join(n.dir, 'bin', 'ipfail');
        mkdirSync(join(n.dir, 'bin'), { recursive: true });
        writeFileSync(stub, `#!/bin/sh\ntouch ${join(n.dir, 'ipfail-stub-ran')}\nexec sleep 600\n`);
        chmodSync(stub, 0o755);
        return ourHaCf(lab, n.name, { extra: ['deadping 1', 'ping_group gw 192.0.2.254 192.0.2.253', `respawn hacluster ${stub}`] });
      },
    });
    watcher = setInterval(() => {
      const a = h(0).hasVip();
      const b = h(1).hasVip();
      const now: Holder = a && b ? 'both' : a ? 'node1' : b ? 'node2' : 'none';
      if (now !== holder) {
        holder = now;
        changes.push([Date.now(), now]);
        if (now === 'node1' || now === 'node2') lastMoveAt = Date.now();
      }
    }, 20);
  });

  after(async () => {
    if (watcher) clearInterval(watcher);
    note(`holder changes: ${JSON.stringify(changes.map(([t, x]) => [t - (changes[0]?.[0] ?? 0), x]))}`);
    const prefix = lab?.prefix;
    await lab?.teardown();
    if (prefix) expect(sh('ip', ['netns', 'list'])).not.to.contain(prefix);
  });

  it('starts both; node1 serves; ipfail runs built in, sees 2 of 2 ping nodes and shows the group as a ping node', async () => {
    await Promise.all(hbs.map((x) => x.start()));
    await waitHolder('node1', 20_000);
    for (let i = 0; i < 100 && !/Ping node count is balanced/.test(h(0).log() + h(1).log()); i++) await sleep(100);
    for (const x of hbs) {
      expect(x.log()).to.match(/Built-in ipfail is active instead of child client ".*\/bin\/ipfail"/);
      expect(existsSync(join(x.node.dir, 'ipfail-stub-ran')), 'the ipfail program was started').to.equal(false);
      expect(x.log()).to.match(/ipfail: watching 2 ping target\(s\)/);
    }
    expect(h(0).log() + h(1).log()).to.match(/ipfail: Ping node count is balanced\./);
    expect(h(0).cmd('cl_status', 'nodestatus', 'gw').out).to.equal('ping\n');
    expect(h(0).cmd('cl_status', 'nodestatus', ROUTER_ADDR).out).to.equal('ping\n');
  });

  it('never moves the VIP while the router flaps every second for 20 s (both nodes lose it alike)', async () => {
    await sleep(2000);
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) lab.cutLink('router', 'eth0');
      else lab.restoreLink('router', 'eth0');
      await sleep(1000);
    }
    lab.restoreLink('router', 'eth0');
    await sleep(3000);
    const n = moves(t0);
    note(`router flap: ${n} move(s)`);
    expect(n).to.be.at.most(1);
    expect(n).to.equal(0);
    expect(holder).to.equal('node1');
    peersStillTalk();
  });

  it('cut node1 from the router only: the VIP moves to node2 within deadping + 1 s, and node1 logs why', async () => {
    await sleep(2000);
    const mark = h(0).log().length;
    const t1 = Date.now();
    cutRouter('node1');
    const at = await waitHolder('node2', DEADPING_MS + 5000);
    note(`VIP on node2 ${at - t1} ms after the cut (deadping ${DEADPING_MS} ms)`);
    expect(at - t1).to.be.below(DEADPING_MS + 1000);
    expect(h(0).log().slice(mark)).to.match(/ipfail: node2 has better connectivity: 2 of 2 ping nodes vs 0 of 2/);
    await sleep(1000);
    expect(holder).to.equal('node2');
    peersStillTalk();
  });

  it('restore the path: auto_failback on gives the VIP back, but not within 30 s of the move', async () => {
    const moved = lastMoveAt;
    restoreRouter('node1');
    const at = await waitHolder('node1', 45_000);
    note(`VIP back on node1 ${at - moved} ms after the move`);
    expect(at - moved).to.be.at.least(30_000);
    expect(at - moved).to.be.below(36_000);
    expect(h(1).log()).to.match(/ipfail: Giving up foreign resources \(auto_failback\)\./);
    peersStillTalk();
  });

  it('node1\'s own path to the router flapping every second for 20 s moves the VIP at most once', async () => {
    await sleep(Math.max(0, lastMoveAt + 30_500 - Date.now())); // out of the move interval: a fair test
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) cutRouter('node1');
      else restoreRouter('node1');
      await sleep(1000);
    }
    const n = moves(t0);
    note(`node1 path flap: ${n} move(s)`);
    expect(n).to.be.at.most(1);
    peersStillTalk();
  });
});
