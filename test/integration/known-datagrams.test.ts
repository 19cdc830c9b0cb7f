// The runtime's shortcut for copies of datagrams it already knows (src/wire/known.ts): two runtimes on
// a fake clock, each with a ucast-like medium and a broadcast medium that loops our own packets back.
// The second copy of each heartbeat still proves its link, the sequence check still sees it, our own
// echo marks our link up once, and a copy with one byte changed is not taken for the original.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig, HaCf } from '../../src/config/types.js';
import { Runtime } from '../../src/control/runtime.js';
import { FakeClock } from '../../src/lib/clock.js';
import { MemoryLog } from '../../src/log/types.js';
import { MemoryBus, MemoryMedium } from '../../src/media/memory.js';

const NAMES = ['node1', 'node2'];

function config(dir: string, thisNode: string): ClusterConfig {
  const haCf: HaCf = {
    file: 'ha.cf', keepaliveMs: 1000, deadtimeMs: 3000, warntimeMs: 2000, initdeadMs: 6000, deadpingMs: 3000, udpport: 694,
    nodes: NAMES,
    media: [
      { kind: 'ucast', iface: 'eth1', peer: '192.0.2.2', port: 694, where: { file: 'ha.cf', line: 1 } },
      { kind: 'bcast', iface: 'eth0', port: 694, where: { file: 'ha.cf', line: 2 } },
    ],
    pingNodes: [], pingGroups: [], respawn: [], autoFailback: 'on', logfile: null, debugfile: null, logfacility: null, debug: 0,
    autojoin: 'none', hopfudge: 1, msgfmt: 'classic', directives: [],
  };
  return { dir, thisNode, haCf, groups: [], authkeys: { file: 'authkeys', activeIndex: 1, keys: new Map([[1, { method: 'sha1' as const, key: 'k' }]]) } };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

describe('runtime: copies of known datagrams', () => {
  let dir: string;
  let rts: Runtime[] = [];
  afterEach(async () => {
    for (const r of rts) await r.crash();
    rmSync(dir, { recursive: true, force: true });
  });

  it('proves both links with one verification, sees the duplicate, marks our own link up once, and refuses a changed copy', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-known-'));
    const clock = new FakeClock(1000);
    const ucast = new MemoryBus();
    const bcast = new MemoryBus();
    const logs = NAMES.map(() => new MemoryLog());
    // A copy of every datagram node2 sends on the broadcast bus, with its last signature byte changed.
    let forged: Buffer | null = null;
    bcast.filter = (buf, from) => {
      if (from === 'node2' && forged === null) {
        forged = Buffer.from(buf);
        forged[forged.length - 2] = forged[forged.length - 2] === 0x30 ? 0x31 : 0x30;
      }
      return true;
    };
    const media = NAMES.map((n, i) => [
      new MemoryMedium(ucast, { address: n, linkName: 'eth1' }, { log: logs[i]! }),
      new MemoryMedium(bcast, { address: n, linkName: 'eth0', loopback: true }, { log: logs[i]! }),
    ]);
    rts = NAMES.map((n, i) => new Runtime({
      config: config(dir, n), log: logs[i]!, clock, stateDir: join(dir, n), reconcile: false, probe: async () => false, media: media[i]!,
    }));
    for (const r of rts) await r.start();
    for (let s = 0; s < 10; s++) {
      clock.advance(1000);
      await flush();
    }
    const st = rts[0]!.membershipStatus()!;
    const peer = st.nodes.find((n) => n.name === 'node2')!;
    expect(peer.status).to.equal('active');
    expect(peer.links).to.deep.equal([{ name: 'eth1', status: 'up' }, { name: 'eth0', status: 'up' }]);
    // Every heartbeat of node2 came twice; the copy went through the sequence check as a duplicate.
    expect(st.counters.duplicates).to.be.at.least(8);
    expect(logs[0]!.text().filter((l) => l === 'info: Link node1:eth0 up.')).to.have.length(1);

    const before = st.counters.dropped['bad-digest'] ?? 0;
    media[0]![1]!.receive(forged!, 'node2');
    await flush();
    expect(rts[0]!.membershipStatus()!.counters.dropped['bad-digest']).to.equal(before + 1);
  });
});
