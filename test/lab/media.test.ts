// Real UDP media between two network namespaces joined by veth links: bcast, ucast and mcast
// (233.252.0.7) on port 694 at the same time, own-broadcast loopback, a medium opened while its
// link is down, clear errors for missing or address-less interfaces, and Heartbeat's write-error
// lines when a link goes down.
// Node cannot enter a namespace, so each node is a small agent (node + tsx) started with
// `ip netns exec`, driven by JSON lines on stdin/stdout.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MediumConfig } from '../../src/config/types.js';
import { classic, waitFor } from '../media/contract.js';
import { NetnsRun, isRoot, sh } from './netns.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const mediaUrl = pathToFileURL(`${root}src/media/index.ts`).href;

const AGENT = `
import { createMedium } from ${JSON.stringify(mediaUrl)};
import { createInterface } from 'node:readline';
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const log = { log: (level, message) => out({ ev: 'log', level, message }) };
const media = JSON.parse(process.env.HBTS_MEDIA).map((c) => createMedium(c, { log }));
for (const [i, m] of media.entries()) {
  try {
    await m.open((buf, from) => out({ ev: 'packet', i, from, data: buf.toString('latin1') }));
    out({ ev: 'open', i, name: m.name, linkName: m.linkName });
  } catch (e) {
    out({ ev: 'error', i, code: e.code, message: e.message });
  }
}
out({ ev: 'ready' });
for await (const line of createInterface({ input: process.stdin })) {
  const c = JSON.parse(line);
  if (c.cmd === 'send') media[c.i].send(Buffer.from(c.data, 'latin1'));
  if (c.cmd === 'exit') { await Promise.all(media.map((m) => m.close())); process.exit(0); }
}
`;

interface Ev {
  ev: string;
  i?: number;
  from?: string;
  data?: string;
  message?: string;
  code?: string;
  name?: string;
  linkName?: string;
}

class Agent {
  readonly events: Ev[] = [];
  private readonly child: ChildProcess;
  constructor(run: NetnsRun, ns: string, media: MediumConfig[]) {
    this.child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', '--input-type=module', '-e', AGENT], {
      cwd: root,
      env: { ...process.env, HBTS_MEDIA: JSON.stringify(media) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    if (this.child.pid !== undefined) run.trackPid(this.child.pid);
    createInterface({ input: this.child.stdout! }).on('line', (l) => this.events.push(JSON.parse(l) as Ev));
  }
  ready(): Promise<void> {
    return waitFor(() => this.events.some((e) => e.ev === 'ready'), 8000, 'agent ready');
  }
  send(i: number, data: Buffer): void {
    this.child.stdin!.write(`${JSON.stringify({ cmd: 'send', i, data: data.toString('latin1') })}\n`);
  }
  packets(i: number): { from: string; data: string }[] {
    return this.events.filter((e) => e.ev === 'packet' && e.i === i).map((e) => ({ from: e.from!, data: e.data! }));
  }
  of(kind: string, i?: number): Ev[] {
    return this.events.filter((e) => e.ev === kind && (i === undefined || e.i === i));
  }
  logs(): string[] {
    return this.of('log').map((e) => e.message!);
  }
  async exit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.write('{"cmd":"exit"}\n');
    await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
  }
}

const where = { file: 'ha.cf', line: 1 };
const GROUP = '233.252.0.7';
const mediaFor = (peer: string, peer3: string): MediumConfig[] => [
  { kind: 'bcast', iface: 'eth1', port: 694, where },
  { kind: 'ucast', iface: 'eth0', peer, port: 694, where },
  { kind: 'mcast', iface: 'eth0', group: GROUP, port: 694, ttl: 1, loop: false, where },
  { kind: 'bcast', iface: 'eth9', port: 694, where },
  { kind: 'ucast', iface: 'eth2', peer, port: 694, where },
  { kind: 'ucast', iface: 'eth3', peer: peer3, port: 694, where }, // link down at start
];

/**
 * Whether a veth end is really usable: operstate UP and its qdisc attached. Both happen in the
 * kernel's linkwatch work, which is rate-limited host-wide and waits for the RTNL lock that every
 * concurrent `ip netns add/del` takes: on a busy host, a second or more after `ip link set up`.
 * Until then the interface is not RUNNING and what is sent on it is dropped (noop qdisc).
 */
function linkReady(ns: string, ifc: string): boolean {
  const out = sh('ip', ['-n', ns, '-o', 'link', 'show', 'dev', ifc]);
  return /\bstate UP\b/.test(out) && !/\bqdisc noop\b/.test(out);
}

describe('@lab media over veth links', function () {
  this.timeout(20000);
  let run: NetnsRun;
  let a: Agent;
  let b: Agent;

  before(async function () {
    if (!isRoot()) return this.skip();
    run = new NetnsRun();
    const nsA = run.addNs('ma');
    const nsB = run.addNs('mb');
    run.link(nsA, 'eth0', '192.0.2.1/24', nsB, 'eth0', '192.0.2.2/24');
    run.link(nsA, 'eth1', '198.51.100.1/24', nsB, 'eth1', '198.51.100.2/24');
    run.link(nsA, 'eth2', null, nsB, 'eth2', null);
    // eth3: a's end admin down, so b's end is UP without carrier (a cable still unplugged).
    run.link(nsA, 'eth3', '203.0.113.1/24', nsB, 'eth3', '203.0.113.2/24');
    run.exec(nsA, 'ip', ['link', 'set', 'eth3', 'down']);
    // The agents start at once, while the kernel may not have reported the new links' carrier yet
    // (that is how the media once failed: "no IPv4 address on [eth0]"); they must open anyway.
    a = new Agent(run, nsA, mediaFor('192.0.2.2', '203.0.113.2'));
    b = new Agent(run, nsB, mediaFor('192.0.2.1', '203.0.113.1'));
    await Promise.all([a.ready(), b.ready()]);
    // Each packet below is sent once (Heartbeat would resend every keepalive), so only once the
    // links can carry it.
    await waitFor(() => [nsA, nsB].every((ns) => linkReady(ns, 'eth0') && linkReady(ns, 'eth1')), 10_000, 'eth0 and eth1 up on both ends');
    for (const [x, tag] of [[a, 'alpha'], [b, 'bravo']] as const) {
      for (const i of [0, 1, 2]) x.send(i, classic({ t: 'status', src: tag, medium: i }));
    }
    const counts = (): string => `a got ${[0, 1, 2].map((i) => a.packets(i).length)}, b got ${[0, 1, 2].map((i) => b.packets(i).length)}; events a ${JSON.stringify(a.events)} b ${JSON.stringify(b.events)}`;
    await waitFor(() => [0, 1, 2].every((i) => a.packets(i).length > 0 && b.packets(i).length > 0), 3000, () => `traffic on every medium (${counts()})`);
    await new Promise((r) => setTimeout(r, 100)); // let any stray cross-delivery show up
  });

  after(async function () {
    await Promise.all([a?.exit(), b?.exit()]);
    await run?.teardown();
  });

  it('opens bcast eth1, ucast eth0 and mcast eth0 on port 694 side by side, with Heartbeat\'s start lines', () => {
    expect(b.of('open').map((e) => [e.name, e.linkName])).to.deep.equal([
      ['bcast eth1', 'eth1'],
      ['ucast eth0', 'eth0'],
      ['mcast eth0', 'eth0'],
      ['ucast eth3', 'eth3'],
    ]);
    expect(b.logs()).to.include.members([
      'glib: UDP Broadcast heartbeat started on port 694 (694) interface eth1',
      'glib: ucast: started on port 694 interface eth0 to 192.0.2.1',
      `glib: UDP multicast heartbeat started for group ${GROUP} port 694 interface eth0 (ttl=1 loop=0)`,
    ]);
  });

  it('opens a medium on a link that is down or has no carrier, like Heartbeat, and uses it once the link is up', async () => {
    // os.networkInterfaces() hides such interfaces; the media used to refuse them.
    expect(a.logs()).to.include('glib: ucast: started on port 694 interface eth3 to 203.0.113.2');
    expect(b.logs()).to.include('glib: ucast: started on port 694 interface eth3 to 203.0.113.1');
    const [nsA, nsB] = run.names as [string, string];
    run.exec(nsA, 'ip', ['link', 'set', 'eth3', 'up']);
    await waitFor(() => linkReady(nsA, 'eth3') && linkReady(nsB, 'eth3'), 10_000, 'eth3 up on both ends');
    a.send(5, classic({ t: 'status', src: 'alpha', medium: 5 }));
    b.send(5, classic({ t: 'status', src: 'bravo', medium: 5 }));
    await waitFor(() => a.packets(5).length > 0 && b.packets(5).length > 0, 3000, 'ucast eth3 both ways');
    expect(b.packets(5)).to.deep.equal([{ from: '203.0.113.1', data: classic({ t: 'status', src: 'alpha', medium: 5 }).toString() }]);
    expect(a.packets(5)).to.deep.equal([{ from: '203.0.113.2', data: classic({ t: 'status', src: 'bravo', medium: 5 }).toString() }]);
  });

  it('bcast: delivers the peer\'s broadcast from its address, and our own broadcast looped back', () => {
    const got = b.packets(0);
    expect(got).to.deep.include({ from: '198.51.100.1', data: classic({ t: 'status', src: 'alpha', medium: 0 }).toString() });
    expect(got).to.deep.include({ from: '198.51.100.2', data: classic({ t: 'status', src: 'bravo', medium: 0 }).toString() });
    expect(got).to.have.length(2);
  });

  it('ucast: delivers only the peer\'s unicast, never the broadcast or multicast on the same port', () => {
    expect(b.packets(1)).to.deep.equal([{ from: '192.0.2.1', data: classic({ t: 'status', src: 'alpha', medium: 1 }).toString() }]);
    expect(a.packets(1)).to.deep.equal([{ from: '192.0.2.2', data: classic({ t: 'status', src: 'bravo', medium: 1 }).toString() }]);
  });

  it('mcast: delivers the group traffic from the peer, without our own copy when loop is 0', () => {
    expect(b.packets(2)).to.deep.equal([{ from: '192.0.2.1', data: classic({ t: 'status', src: 'alpha', medium: 2 }).toString() }]);
  });

  it('names a missing interface and an interface without an IPv4 address', () => {
    expect(b.of('error').map((e) => [e.i, e.code, e.message])).to.deep.equal([
      [3, 'HA_E_MEDIA', 'bcast: interface [eth9] not found'],
      [4, 'HA_E_MEDIA', 'ucast: no IPv4 address on [eth2]'],
    ]);
  });

  it('logs Heartbeat\'s write failure lines, then suppresses them, when the bcast link goes down', async () => {
    run.exec(run.names[0]!, 'ip', ['link', 'set', 'eth1', 'down']);
    const msg = classic({ t: 'status', src: 'alpha' });
    for (let i = 0; i < 12; i++) a.send(0, msg);
    await waitFor(() => a.logs().includes('Is a cable unplugged on bcast eth1?'), 3000, 'the suppression warning');
    expect(a.logs()).to.include(`glib: bcast_write: Unable to send HBcomm packet eth1 198.51.100.255:694 len=${msg.length} [-1]: Network is unreachable`);
    expect(a.logs()).to.include('write_child: write failure on bcast eth1.: Network is unreachable');
    expect(a.logs()).to.include('Temporarily Suppressing write error messages');
    // the other media on the same node keep working
    a.send(1, classic({ t: 'status', src: 'alpha', after: 'cut' }));
    await waitFor(() => b.packets(1).length === 2, 2000, 'ucast after the bcast cut');
  });
});
