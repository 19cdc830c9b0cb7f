import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { HttpProbe } from './http-probe.js';
import { Lab } from './lab.js';
import { MARKER_DIR, NetnsRun, cleanupStale, isRoot, sh } from './netns.js';

/** Root-namespace veths whose name carries a prefix (other runs may be active at the same time). */
function rootVeths(prefix: string): string[] {
  return sh('ip', ['-o', 'link', 'show', 'type', 'veth']).split('\n').filter((l) => l.includes(prefix));
}

function procState(pid: number): string {
  // /proc/PID/stat: "pid (comm) S ..."; the state letter follows the closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** Signals are delivered asynchronously: wait (briefly) for the state letter to settle. */
async function stateSoon(pid: number, want: string): Promise<string> {
  for (let i = 0; i < 50 && procState(pid) !== want; i++) await new Promise((r) => setTimeout(r, 10));
  return procState(pid);
}

describe('@lab failover lab topology and fault tools', function () {
  this.timeout(20_000);
  let lab: Lab;

  before(async function () {
    if (!isRoot()) this.skip();
    lab = await Lab.create({ nodes: 2 });
  });

  after(async () => {
    await lab?.teardown();
  });

  it('builds node1, node2, client, router and switch namespaces under one run prefix', () => {
    const list = sh('ip', ['netns', 'list']);
    for (const n of ['node1', 'node2', 'client', 'router', 'sw']) expect(list).to.contain(`${lab.prefix}-${n}`);
    expect(lab.node('node1').eth0).to.equal('192.0.2.1');
    expect(lab.node('node2').eth1).to.equal('198.51.100.2');
    expect(readFileSync(`${lab.node('node2').wwwDir}/index.html`, 'utf8')).to.equal('node2\n');
  });

  it('reaches the peer over the heartbeat link and everyone over the service LAN', () => {
    expect(lab.ping('node1', '198.51.100.2')).to.equal(true);
    expect(lab.ping('node2', '192.0.2.1')).to.equal(true);
    expect(lab.ping('client', '192.0.2.2')).to.equal(true);
    expect(lab.ping('node1', '192.0.2.254')).to.equal(true);
  });

  it('cutLink stops traffic on that link only, and restoreLink brings it back', () => {
    lab.cutLink('node1', 'eth1');
    try {
      expect(lab.ping('node1', '198.51.100.2')).to.equal(false);
      expect(lab.ping('node1', '192.0.2.2')).to.equal(true);
    } finally {
      lab.restoreLink('node1', 'eth1');
    }
    expect(lab.ping('node1', '198.51.100.2')).to.equal(true);
  });

  it('partition separates the nodes on both links while the client still reaches both', () => {
    lab.partition(['node1']);
    try {
      expect(lab.ping('node1', '198.51.100.2')).to.equal(false);
      expect(lab.ping('node2', '192.0.2.1')).to.equal(false);
      expect(lab.ping('client', '192.0.2.1')).to.equal(true);
      expect(lab.ping('client', '192.0.2.2')).to.equal(true);
    } finally {
      lab.clearFaults();
    }
    expect(lab.ping('node1', '198.51.100.2')).to.equal(true);
  });

  it('dropShare(50) loses a measurable share of packets, and clearFaults ends it', () => {
    lab.dropShare('node2', 50, { iface: 'eth1' });
    const loss = lab.pingLoss('node1', '198.51.100.2', 200);
    const dropped = lab.droppedIn('node2');
    lab.clearFaults('node2');
    expect(loss).to.be.within(0.3, 0.7);
    expect(dropped, 'echo requests the rule dropped').to.be.within(loss * 200 - 2, loss * 200 + 2);
    expect(lab.pingLoss('node1', '198.51.100.2', 50)).to.equal(0);
  });

  it('dropShare with `containing` drops only packets carrying that text', () => {
    const pingWith = (hexByte: string): boolean => {
      try {
        lab.exec('node1', 'ping', ['-n', '-q', '-c', '1', '-W', '0.5', '-p', hexByte, '198.51.100.2']);
        return true;
      } catch {
        return false;
      }
    };
    lab.dropShare('node2', 100, { iface: 'eth1', containing: 'AAAA' });
    try {
      expect(pingWith('41'), 'payload of "A"s').to.equal(false);
      expect(pingWith('42'), 'payload of "B"s').to.equal(true);
      expect(lab.droppedIn('node2')).to.equal(1);
    } finally {
      lab.clearFaults('node2');
    }
  });

  it('freeze stops a process (by pid or whole node) and thaw resumes it', async () => {
    const child = lab.spawn('node1', 'sleep', ['30']);
    const pid = child.pid!;
    await stateSoon(pid, 'S');
    lab.freeze(pid);
    expect(await stateSoon(pid, 'T')).to.equal('T');
    lab.thaw(pid);
    expect(await stateSoon(pid, 'S')).to.equal('S');
    expect(lab.freeze('node1')).to.include(pid);
    expect(await stateSoon(pid, 'T')).to.equal('T');
    lab.thaw('node1');
    expect(await stateSoon(pid, 'S')).to.equal('S');
    lab.kill9(pid);
  });

  it('the http probe sees which node serves the VIP, and sees it move', async () => {
    for (const n of lab.nodes) lab.spawn(n.name, 'busybox', ['httpd', '-f', '-p', '80', '-h', n.wwwDir]);
    sh('ip', ['-n', lab.node('node1').ns, 'addr', 'add', `${lab.vip}/24`, 'dev', 'eth0']);
    const probe = HttpProbe.start(lab, { maxDurationMs: 10_000 });
    try {
      await probe.waitServedBy('node1', 3000);
      const moved = Date.now();
      expect(lab.dropExtraAddresses('node1')).to.deep.equal([`${lab.vip}/24`]);
      sh('ip', ['-n', lab.node('node2').ns, 'addr', 'add', `${lab.vip}/24`, 'dev', 'eth0']);
      // Gratuitous ARP, as IPaddr's send_arp does, so the client's cache follows at once.
      lab.exec('node2', 'arping', ['-q', '-U', '-c', '1', '-I', 'eth0', lab.vip]);
      const r = await probe.waitServedBy('node2', 3000, moved);
      expect(r.ok).to.equal(true);
    } finally {
      probe.stop();
    }
    expect(probe.records.length).to.be.greaterThan(3);
    expect(probe.timeline().map((x) => x.node)).to.include.members(['node1', 'node2']);
  });

  it('teardown removes namespaces, processes, veths, the run directory and the marker', async () => {
    const child = lab.spawn('node2', 'sleep', ['30']);
    const exited = once(child, 'exit');
    const dir = lab.dir;
    await lab.teardown();
    expect(sh('ip', ['netns', 'list'])).not.to.contain(lab.prefix);
    expect(rootVeths(lab.prefix)).to.deep.equal([]);
    const [, signal] = (await exited) as [number | null, string | null];
    expect(signal).to.equal('SIGKILL');
    expect(existsSync(dir)).to.equal(false);
    expect(existsSync(`${MARKER_DIR}/${lab.prefix}`)).to.equal(false);
  });
});

describe('@lab lab with more nodes and stale cleanup', function () {
  this.timeout(20_000);
  before(function () {
    if (!isRoot()) this.skip();
  });

  it('puts node3 on the same service LAN and a bridged heartbeat segment', async () => {
    const lab = await Lab.create({ nodes: 3 });
    try {
      expect(lab.ping('node3', '198.51.100.1')).to.equal(true);
      expect(lab.ping('node1', '192.0.2.3')).to.equal(true);
      lab.partitionHeartbeat();
      expect(lab.ping('node3', '198.51.100.1')).to.equal(false);
      lab.healHeartbeat();
      expect(lab.ping('node3', '198.51.100.2', 2)).to.equal(true);
    } finally {
      await lab.teardown();
    }
    expect(sh('ip', ['netns', 'list'])).not.to.contain(lab.prefix);
  });

  it('cleanupStale removes namespaces of a dead owner, and only those', () => {
    const run = new NetnsRun();
    const other = new NetnsRun();
    const foreign = new NetnsRun();
    try {
      const ns = run.addNs('x');
      const keep = other.addNs('y');
      const theirs = foreign.addNs('z');
      // Pretend the owner of `run` died: its marker names a pid that has exited. The same pid in
      // another pid namespace (another container sharing /run) says nothing about that owner.
      const dead = spawnSync('true').pid;
      sh('sh', ['-c', `echo ${dead} > ${MARKER_DIR}/${run.prefix}`]);
      sh('sh', ['-c', `echo '${dead} pid:[1]' > ${MARKER_DIR}/${foreign.prefix}`]);
      const removed = cleanupStale();
      // Leftovers of other dead runs on this machine may go too; ours must, the live ones must not.
      const mine = [run, other, foreign].map((r) => `${r.prefix}-`);
      expect(removed.filter((n) => mine.some((m) => n.startsWith(m)))).to.deep.equal([ns]);
      const list = sh('ip', ['netns', 'list']);
      expect(list).not.to.contain(ns);
      expect(list).to.contain(keep);
      expect(list).to.contain(theirs);
    } finally {
      run.teardownSync();
      other.teardownSync();
      foreign.teardownSync();
    }
  });
});
