// ipfail across implementations: a REAL Heartbeat 3.0.6 on node1 running its own ipfail
// (`respawn hacluster /usr/libexec/heartbeat/ipfail`) and OUR daemon on node2 with the built-in one,
// both pinging the lab router, haresources `node1 IPaddr::VIP/24/eth0 httpd`, auto_failback on.
// They exchange ping status with ipfail's client messages (num_ping_nodes, you_are_dead,
// abort_giveup, from_id=ipfail to_id=ipfail) over the cluster. Faults touch only node1's path to
// the router (iptables drops what the router sends it); the heartbeat links stay up. A capture of
// the heartbeat link compares the layout of each client message type both sides sent.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, ROUTER_ADDR } from './lab.js';
import { isRoot, sh } from './netns.js';
import { OursNode, RealNode, authkeysText, mediaLines, pairHaCf, udpPayloads, waitLog } from './interop-pair.js';
import { realHeartbeatInstalled } from './real-heartbeat.js';
import { decodeDatagram } from '../../src/wire/message.js';
import { get } from '../../src/wire/fields.js';

const REAL_IPFAIL = '/usr/libexec/heartbeat/ipfail';
const verbose = process.env['HB_LAB_VERBOSE'] === '1';
const note = (m: string): void => void (verbose && console.log(`      [ipfail-interop] ${m}`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ipfail's client messages on the wire (HEARTBEAT-WIRE.md §6): compared between the two sides. */
const IPFAIL_TYPES = ['num_ping_nodes', 'you_are_dead', 'abort_giveup'];
/** Types only one side sends here, and why (anything else one-sided fails the comparison). */
const ONE_SIDED: Record<string, string> = {
  'hbapi-clstat': 'API client sign-on/off: the real one reports its ipfail joining; ours has no API clients (ipfail is built in)',
};

describe('@lab ipfail interop: real Heartbeat 3.0.6 + its ipfail with our built-in ipfail', function () {
  this.timeout(120_000);
  let lab: Lab;
  let real: RealNode;
  let ours: OursNode;
  /** tcpdump of node2's eth1 (the ucast heartbeat link) for the whole suite. */
  let dump: ChildProcess | null = null;
  let pcap = '';
  const HARES = 'node1 IPaddr::192.0.2.10/24/eth0 httpd\n';

  before(async function () {
    if (!isRoot() || !realHeartbeatInstalled()) this.skip();
    lab = await Lab.create({ nodes: 2 });
    const cf = (me: string): string =>
      pairHaCf(lab, me, { media: [...mediaLines(lab, me, 'ucast'), 'bcast eth0'], ping: true, initdead: 6 }) +
      `respawn hacluster ${REAL_IPFAIL}\napiauth ipfail gid=haclient uid=hacluster\n`;
    real = new RealNode(lab, 'node1', { haCf: cf('node1'), haresources: HARES, authkeys: authkeysText('sha1') });
    ours = new OursNode(lab, 'node2', { haCf: cf('node2'), haresources: HARES, authkeys: authkeysText('sha1') });
    pcap = join(lab.node('node2').dir, 'ipfail.pcap');
    dump = spawn('ip', ['netns', 'exec', lab.node('node2').ns, 'tcpdump', '-i', 'eth1', '-U', '-n', '-s', '0', '-w', pcap, 'udp', 'port', '694'], { stdio: 'ignore' });
  });

  after(async () => {
    if (dump?.pid && dump.exitCode === null) process.kill(dump.pid, 'SIGINT');
    if (verbose && real) note(`real log tail:\n${real.log().slice(-4000)}\nours log tail:\n${ours.log().slice(-4000)}`);
    const prefix = lab?.prefix;
    await lab?.teardown();
    if (prefix) expect(sh('ip', ['netns', 'list'])).not.to.contain(prefix);
  });

  it('both start; the real node1 runs its ipfail, ours runs the built-in one; node1 serves', async () => {
    await Promise.all([real.start(), ours.start()]);
    for (let i = 0; i < 300 && !real.hasVip(); i++) await sleep(100);
    expect(real.hasVip()).to.equal(true);
    await waitLog(real, new RegExp(`Starting "${REAL_IPFAIL}" as uid`), 10_000);
    await waitLog(ours, /Built-in ipfail is active instead of child client/, 10_000);
    await waitLog(ours, /ipfail: watching 1 ping target\(s\) against node1/, 10_000);
    await sleep(3000);
    expect(real.hasVip()).to.equal(true);
    expect(ours.hasVip()).to.equal(false);
  });

  it('cut the real node1 from the router: its ipfail hears ours and gives the VIP to our node2', async () => {
    const mr = real.log().length;
    const mo = ours.log().length;
    const t0 = Date.now();
    lab.exec('node1', 'iptables', ['-w', '-I', 'INPUT', '-s', ROUTER_ADDR, '-j', 'DROP']);
    for (let i = 0; i < 400 && !ours.hasVip(); i++) await sleep(50);
    note(`VIP on our node2 after ${Date.now() - t0} ms`);
    note(`real since cut:\n${real.log().slice(mr)}\nours since cut:\n${ours.log().slice(mo)}`);
    expect(ours.hasVip()).to.equal(true);
    expect(real.hasVip()).to.equal(false);
    expect(ours.nodestatus('node1')).to.equal('active');
    // The real ipfail asked for our count, got it, and got our you_are_dead: both are understood.
    const rl = real.log().slice(mr);
    expect(rl).to.match(/ipfail: .*info: Asking other side for ping node count\./);
    expect(rl).to.match(/ipfail: .*info: Giving up because we have less visible ping nodes\./);
    expect(rl).to.match(/ipfail: .*info: Giving up because we were told that we have less ping nodes\./);
    expect(rl).to.match(/node1 wants to go standby \[all\]/);
    expect(ours.log().slice(mo)).to.match(/ipfail: Telling other node that we have more visible ping nodes\./);
    // The real side's own pace: deadping (= deadtime 3 s, plus its late-heartbeat slack), its 2 s
    // delayed giveup, then its standby round (~1-2 s). Seen: 7.3 s and 8.6 s.
    expect(Date.now() - t0).to.be.below(12_000);
  });

  it('restore the path: auto_failback gives the VIP back to the real node1', async () => {
    const mr = real.log().length;
    const mo = ours.log().length;
    const t0 = Date.now();
    lab.exec('node1', 'iptables', ['-w', '-D', 'INPUT', '-s', ROUTER_ADDR, '-j', 'DROP']);
    for (let i = 0; i < 900 && !real.hasVip(); i++) await sleep(50);
    note(`VIP back on node1 after ${Date.now() - t0} ms`);
    note(`real since restore:\n${real.log().slice(mr)}\nours since restore:\n${ours.log().slice(mo)}`);
    expect(real.hasVip()).to.equal(true);
    expect(ours.hasVip()).to.equal(false);
    // The real ipfail sends its count on the ping node's return; ours answers balanced, and our
    // built-in gives the foreign group back under auto_failback (after its 30 s move interval).
    expect(real.log().slice(mr)).to.match(/ipfail: .*info: Ping node count is balanced\./);
    expect(ours.log().slice(mo)).to.match(/ipfail: Ping node count is balanced\./);
    expect(ours.log().slice(mo)).to.match(/ipfail: Giving up foreign resources \(auto_failback\)\./);
  });
  it('cut our node2 from the router: ours asks with num_ping_nodes, the real ipfail answers you_are_dead; nothing moves', async () => {
    const mo = ours.log().length;
    lab.exec('node2', 'iptables', ['-w', '-I', 'INPUT', '-s', ROUTER_ADDR, '-j', 'DROP']);
    let back = 0;
    try {
      await waitLog(ours, /ipfail: node1 says it sees more ping nodes than our 0 of 1\./, 20_000, mo);
    } finally {
      back = ours.log().length;
      lab.exec('node2', 'iptables', ['-w', '-D', 'INPUT', '-s', ROUTER_ADDR, '-j', 'DROP']);
    }
    await waitLog(ours, /info: Status update for node 192\.0\.2\.254: status ping/, 20_000, back);
    await sleep(4000); // the real ipfail's answer to our new count (a standby [foreign] of nothing)
    expect(real.hasVip()).to.equal(true);
    expect(ours.hasVip()).to.equal(false);
  });

  it("ipfail's client messages: each type sent by both sides has the same fields, in the same order", async () => {
    await sleep(500);
    if (dump?.pid && dump.exitCode === null) {
      process.kill(dump.pid, 'SIGINT');
      await new Promise((r) => dump!.on('exit', r));
    }
    expect(existsSync(pcap)).to.equal(true);
    /** type -> src -> layouts */
    const seen = new Map<string, Map<string, Set<string>>>();
    for (const p of udpPayloads(readFileSync(pcap))) {
      const d = decodeDatagram(p.payload);
      if (!d.ok) continue;
      const t = get(d.message, 't') ?? '?';
      if (!IPFAIL_TYPES.includes(t) && t !== 'hbapi-clstat') continue;
      const src = get(d.message, 'src') ?? '?';
      const bySrc = seen.get(t) ?? new Map<string, Set<string>>();
      bySrc.set(src, (bySrc.get(src) ?? new Set()).add(d.message.fields.map((f) => `${f.name}:${f.type}`).join(' ')));
      seen.set(t, bySrc);
    }
    const oneSided: string[] = [];
    for (const t of [...IPFAIL_TYPES, 'hbapi-clstat']) {
      const a = seen.get(t)?.get('node2'); // ours
      const b = seen.get(t)?.get('node1'); // the real one
      if (a && b) {
        expect([...a].sort(), `layout of ${t}`).to.deep.equal([...b].sort());
        note(`${t}: same layout on both (${[...a].join(' | ')})`);
      } else oneSided.push(`${t}: ${a ? 'only ours' : b ? 'only the real one' : 'neither'}: ${[...(a ?? b ?? [])].join(' | ')}`);
    }
    expect(oneSided.filter((x) => !(x.split(':')[0]! in ONE_SIDED)), 'ipfail types not sent by both').to.deep.equal([]);
  });
});
