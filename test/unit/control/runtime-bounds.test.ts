// Issue 24, the adapter's half of the guard: two runtimes (control/runtime.ts, with the real Outbox,
// signing and verification) on a fake clock over in-memory media with 30 % loss, for 20 virtual
// minutes at keepalive 50 ms (about 48,000 heartbeats). The tables the runtime keeps beside the core
// (the NS_rexmit history, the peers' uuids, its event queue) stay within their bounds.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig, HaCf } from '../../../src/config/types.js';
import { TABLE_BOUNDS } from '../../../src/control/memory.js';
import { Runtime } from '../../../src/control/runtime.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { MemoryLog } from '../../../src/log/types.js';
import type { Level } from '../../../src/log/types.js';
import { MemoryBus, MemoryMedium } from '../../../src/media/memory.js';

const NAMES = ['node1', 'node2'];
const KEEPALIVE_MS = 50;

function config(dir: string, thisNode: string): ClusterConfig {
  const haCf: HaCf = {
    file: 'ha.cf', keepaliveMs: KEEPALIVE_MS, deadtimeMs: 1000, warntimeMs: 300, initdeadMs: 5000, deadpingMs: 3000, udpport: 694,
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

/** Keeps nothing: a virtual hour of lost-packet warnings must not be what the test measures. */
class CountingLog extends MemoryLog {
  count = 0;
  override log(_level: Level, _message: string): void {
    this.count++;
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('runtime: the tables beside the core stay within their bounds for 20 virtual minutes (issue 24)', function () {
  this.timeout(120_000);
  let dir: string;
  let rts: Runtime[] = [];
  afterEach(async () => {
    for (const r of rts) await r.crash();
    rmSync(dir, { recursive: true, force: true });
  });

  it('30 % loss on both media at keepalive 50 ms: NS_rexmit history, peer uuids and the event queue stay bounded', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-bounds-'));
    const clock = new FakeClock(1000);
    const buses = [new MemoryBus(), new MemoryBus()];
    // A deterministic 30 % loss (a linear congruential sequence is enough here).
    let k = 0;
    for (const b of buses) b.filter = () => (k = (k * 1103515245 + 12345) >>> 0) % 10 >= 3;
    const logs = NAMES.map(() => new CountingLog());
    const media = NAMES.map((n, i) => [
      new MemoryMedium(buses[0]!, { address: n, linkName: 'eth1' }, { log: logs[i]! }),
      new MemoryMedium(buses[1]!, { address: n, linkName: 'eth0', loopback: true }, { log: logs[i]! }),
    ]);
    rts = NAMES.map((n, i) => new Runtime({ config: config(dir, n), log: logs[i]!, clock, stateDir: join(dir, n), reconcile: false, probe: async () => false, media: media[i]! }));
    for (const r of rts) await r.start();
    const seen = { rexmitHistory: 0, peerUuids: 0, eventQueue: 0, missing: 0, resentAt: 0 };
    const steps = (20 * 60_000) / KEEPALIVE_MS;
    for (let s = 1; s <= steps; s++) {
      clock.advance(KEEPALIVE_MS);
      await flush();
      if (s % 100 !== 0) continue;
      for (const r of rts) {
        const t = r.tableSizes();
        seen.rexmitHistory = Math.max(seen.rexmitHistory, t.rexmitHistory);
        seen.peerUuids = Math.max(seen.peerUuids, t.peerUuids);
        seen.eventQueue = Math.max(seen.eventQueue, t.eventQueue);
        seen.missing = Math.max(seen.missing, ...t.peers.map((p) => p.missing));
        seen.resentAt = Math.max(seen.resentAt, t.resentAt);
        expect(t.rexmitHistory, 'rexmit history').to.be.at.most(TABLE_BOUNDS.rexmitHistory);
        expect(t.peerUuids, 'peer uuids').to.be.at.most(1);
        expect(t.eventQueue, 'event queue between events').to.equal(0);
        expect(t.resentAt, 'resentAt').to.be.at.most(TABLE_BOUNDS.resentAt);
        expect(t.startFailures).to.equal(0);
      }
    }
    expect(seen.rexmitHistory, 'the history filled up to its bound').to.equal(TABLE_BOUNDS.rexmitHistory);
    expect(seen.resentAt, 'both-media losses were resent').to.be.above(0);
    for (const r of rts) expect(r.membershipStatus()!.nodes.find((n) => n.name !== r.config.thisNode)!.status).to.equal('active');
    expect(logs.every((l) => l.count > 0)).to.equal(true);
  });
});
