// Issue 24, the unit-level guard: two node cores (node/core.ts) in virtual time for two hours of
// cluster life at keepalive 50 ms (about 280,000 heartbeats in ~10 s), through the faults that fill
// the tables that could grow (loss on both media, a one-way cut, standby churn, kill -9 and
// restart, a flood of refused packets from many sources, retransmission requests for old seqs),
// asserting after every virtual second that every table of both nodes stays within its bound
// (src/control/memory.ts TABLE_BOUNDS). Take a bound out (seq-track MAX_MISSING, the resentAt
// clean-up, drop-log MAX_KEYS; MAX_AUTOJOINED in the membership-only case) and this test fails.
// The driver is this file's own (a heap of events, lossy links, an instant script runner), so that
// it depends on the core's events and actions only.
import { expect } from 'chai';
import type { ClusterConfig } from '../../../src/config/types.js';
import { TABLE_BOUNDS, forceGc } from '../../../src/control/memory.js';
import { FlightRecorder } from '../../../src/control/recorder.js';
import { MAX_AUTOJOINED } from '../../../src/membership/receive.js';
import { NodeCore, type NodeAction, type NodeEvent } from '../../../src/node/core.js';
import { simConfigs, pairTexts } from '../../../src/sim/config.js';
import { Heap } from '../../../src/sim/heap.js';
import { Rng } from '../../../src/sim/rng.js';
import { cluster, rx, status } from '../membership/helpers.js';
import { buildMessage } from '../../../src/wire/build.js';
import { str } from '../../../src/wire/fields.js';
import type { HbField, HbMessage } from '../../../src/wire/types.js';

const LINKS = ['eth0', 'hb0'];
/** Kept for NS_rexmit answers, as the runtime's Outbox keeps them. */
const HISTORY = TABLE_BOUNDS.rexmitHistory;
/** Enough jobs for any run of standby, takeover, peer death and failback at once. */
const PLAN_QUEUE_BOUND = 16;

type Item =
  | { readonly kind: 'tick'; readonly node: number; readonly inc: number; readonly token: number }
  | { readonly kind: 'event'; readonly node: number; readonly inc: number; readonly ev: NodeEvent }
  | { readonly kind: 'call'; readonly fn: () => void };

interface Node {
  readonly cfg: ClusterConfig;
  core: NodeCore | null;
  inc: number;
  generation: number;
  token: number;
  lastTickAt: number;
  readonly uuid: Buffer;
  readonly history: Map<number, HbMessage>;
  readonly echoed: Set<string>;
}

/** loss[from][to][link]: share of datagrams lost. */
type Loss = number[][][];

class Driver {
  now = 0;
  heartbeats = 0;
  maxActionsPerStep = 0;
  readonly q = new Heap<Item>();
  readonly rng = new Rng(24);
  readonly nodes: Node[];
  readonly loss: Loss = [0, 1].map(() => [0, 1].map(() => LINKS.map(() => 0)));
  readonly recorder = new FlightRecorder(TABLE_BOUNDS.recorderLines, () => this.now);

  constructor(configs: readonly ClusterConfig[]) {
    this.nodes = configs.map((cfg, i) => ({
      cfg, core: null, inc: 0, generation: 0, token: 0, lastTickAt: -Infinity,
      uuid: Buffer.alloc(16, i + 1), history: new Map(), echoed: new Set(),
    }));
  }

  start(i: number): void {
    const n = this.nodes[i]!;
    n.inc++;
    n.generation++;
    n.history.clear();
    n.echoed.clear();
    n.core = new NodeCore({
      cluster: n.cfg, generation: n.generation, uuid: n.uuid, rng: () => this.rng.next(), pid: 1000 + i,
      ipfail: false, stopTimeoutMs: 5000, hasMedia: true,
    });
    this.push(this.now, { kind: 'event', node: i, inc: n.inc, ev: { kind: 'boot', at: this.now } });
  }

  /** kill -9: the process is gone; what it ran is left to the restart's reconcile. */
  crash(i: number): void {
    const n = this.nodes[i]!;
    n.core = null;
    n.inc++;
  }

  push(at: number, it: Item): void {
    this.q.push(at, it);
  }

  at(t: number, fn: () => void): void {
    this.push(t, { kind: 'call', fn });
  }

  event(i: number, ev: NodeEvent): void {
    const n = this.nodes[i]!;
    this.push(this.now, { kind: 'event', node: i, inc: n.inc, ev });
  }

  runUntil(until: number, check: () => void, everyMs = 1000): void {
    let nextCheck = Math.ceil(this.now / everyMs) * everyMs;
    for (;;) {
      const top = this.q.peekAt();
      if (top === undefined || top > until) break;
      const { at, value } = this.q.pop()!;
      this.now = Math.max(this.now, at);
      if (this.now >= nextCheck) {
        check();
        nextCheck += everyMs;
      }
      this.carry(value);
    }
    this.now = until;
    check();
  }

  private carry(it: Item): void {
    if (it.kind === 'call') return it.fn();
    const n = this.nodes[it.node]!;
    if (it.inc !== n.inc || n.core === null) return;
    if (it.kind === 'tick') {
      if (it.token !== n.token) return;
      n.lastTickAt = this.now;
      return this.step(it.node, { kind: 'tick', at: this.now });
    }
    this.step(it.node, { ...it.ev, at: Math.ceil(this.now) } as NodeEvent);
  }

  private step(i: number, ev: NodeEvent): void {
    const n = this.nodes[i]!;
    const core = n.core!;
    const r = core.step(ev);
    this.maxActionsPerStep = Math.max(this.maxActionsPerStep, r.actions.length);
    for (const a of r.actions) this.act(i, a);
    if (n.core !== core) return;
    n.token++;
    if (r.wakeAt !== undefined) this.push(Math.max(r.wakeAt, n.lastTickAt + 5, this.now), { kind: 'tick', node: i, inc: n.inc, token: n.token });
  }

  private act(i: number, a: NodeAction): void {
    const n = this.nodes[i]!;
    switch (a.kind) {
      case 'send':
        return this.send(i, a.fields, a.seq, a.dest);
      case 'resend': {
        const m = n.history.get(a.seq);
        if (m) this.broadcast(i, m);
        return;
      }
      case 'log':
        this.recorder.record(a.level, a.text);
        return;
      case 'reconcile':
        this.push(this.now + 10, { kind: 'event', node: i, inc: n.inc, ev: { kind: 'reconciled', at: 0 } });
        return;
      case 'run-group':
        this.push(this.now + 30, { kind: 'event', node: i, inc: n.inc, ev: { kind: 'group-done', at: 0, group: a.group, op: a.op, ok: true } });
        return;
      case 'stop-clients':
        this.push(this.now, { kind: 'event', node: i, inc: n.inc, ev: { kind: 'clients-stopped', at: 0 } });
        return;
      case 'exit':
        n.core = null;
        return;
      case 'reannounce':
        return;
    }
  }

  private send(i: number, fields: readonly HbField[], seq: number | undefined, dest: string | undefined): void {
    const n = this.nodes[i]!;
    const other = this.nodes.find((x) => x.cfg.thisNode === dest);
    const msg = buildMessage(fields, {
      src: n.cfg.thisNode, uuid: n.uuid, seq: seq ?? 0, hg: n.generation, tsSec: Math.floor(this.now / 1000),
      ld: '0.00 0.00 0.00 1/100 1', ttl: 3, msgfmt: 'netstring', authkeys: n.cfg.authkeys,
      ...(other ? { destUuid: other.uuid } : {}),
    });
    if (fields.some((f) => f.name === 't' && f.value === 'status')) this.heartbeats++;
    if (seq !== undefined && seq > 0) {
      n.history.set(seq, msg);
      n.history.delete(seq - HISTORY);
    }
    for (const link of LINKS) {
      if (n.echoed.has(link)) continue;
      n.echoed.add(link);
      this.push(this.now + 0.1, { kind: 'event', node: i, inc: n.inc, ev: { kind: 'message', msg, link, at: 0 } });
    }
    this.broadcast(i, msg);
  }

  private broadcast(i: number, msg: HbMessage): void {
    for (let j = 0; j < this.nodes.length; j++) {
      if (j === i) continue;
      LINKS.forEach((link, k) => {
        const p = this.loss[i]![j]![k]!;
        if (p >= 1 || (p > 0 && this.rng.next() < p)) return;
        this.push(this.now + 0.3 + this.rng.next() * 0.4, { kind: 'event', node: j, inc: this.nodes[j]!.inc, ev: { kind: 'message', msg, link, at: 0 } });
      });
    }
  }

  setLoss(from: number, to: number, p: number): void {
    this.loss[from]![to] = LINKS.map(() => p);
  }
}

/** Every table of one node against its bound; the largest size seen per table goes into `seen`. */
function checkBounds(d: Driver, seen: Record<string, number>): void {
  for (const n of d.nodes) {
    const core = n.core;
    if (core === null) continue;
    const t = core.membership.tableSizes();
    const configured = n.cfg.haCf.nodes.length - 1 + n.cfg.haCf.pingNodes.length;
    const sizes: Record<string, number> = {
      nodes: t.nodes,
      links: Math.max(0, ...t.peers.map((p) => p.links)),
      missing: Math.max(0, ...t.peers.map((p) => p.missing)),
      resentAt: t.resentAt,
      dropWindows: t.dropWindows,
      planQueue: core.plan.queue.length,
    };
    const bounds: Record<string, number> = {
      nodes: configured + MAX_AUTOJOINED,
      links: LINKS.length,
      missing: TABLE_BOUNDS.missing,
      resentAt: TABLE_BOUNDS.resentAt,
      dropWindows: TABLE_BOUNDS.dropWindows,
      planQueue: PLAN_QUEUE_BOUND,
    };
    for (const [k, v] of Object.entries(sizes)) {
      seen[k] = Math.max(seen[k] ?? 0, v);
      if (v > bounds[k]!) expect.fail(`${n.cfg.thisNode}: ${k} holds ${v} entries at ${Math.round(d.now / 1000)} s (bound ${bounds[k]})`);
    }
  }
  expect(d.recorder.size).to.be.at.most(TABLE_BOUNDS.recorderLines);
}

describe('node core: every table stays within its bound over hours at keepalive 50 ms (issue 24)', function () {
  this.timeout(120_000);

  it('steady, 30 % loss on both media, a one-way cut, churn, kill -9, refused-packet floods, old rexmit requests', () => {
    const d = new Driver(simConfigs(pairTexts({ keepalive: '50ms', deadtime: '1', initdead: '5', autoFailback: 'on' })));
    const seen: Record<string, number> = {};
    const check = () => checkBounds(d, seen);
    d.start(0);
    d.start(1);
    const MIN = 60_000;
    let t = 0;
    const phase = (ms: number, setup: () => void): void => {
      d.at(t, setup);
      t += ms;
      d.runUntil(t, check);
    };
    // Warm-up and steady.
    phase(10 * MIN, () => undefined);
    const heapAfterWarmUp = retainedHeap();
    // 30 % loss on both media both ways: gaps on both sides, NS_rexmit answered from the history.
    phase(20 * MIN, () => {
      d.setLoss(0, 1, 0.3);
      d.setLoss(1, 0, 0.3);
    });
    // One way only: node2 hears 60 % of node1, node1 hears nothing of node2, so node2's requests for
    // what it missed are never answered and its missing table fills until its bound holds it.
    phase(10 * MIN, () => {
      d.setLoss(0, 1, 0.6);
      d.setLoss(1, 0, 1);
    });
    phase(2 * MIN, () => {
      d.setLoss(0, 1, 0);
      d.setLoss(1, 0, 0);
    });
    // Churn: standby / unstandby on the holder and kill -9 + restart of the other every 20 s.
    const churnFrom = t;
    for (let k = 0; k < 30; k++) {
      const at = churnFrom + k * 20_000;
      d.at(at, () => d.event(0, { kind: 'standby', which: 'all', at: 0 }));
      d.at(at + 10_000, () => d.event(0, { kind: 'takeover', which: 'all', at: 0 }));
      d.at(at + 5_000, () => d.crash(1));
      d.at(at + 7_000, () => d.start(1));
    }
    phase(10 * MIN, () => undefined);
    // Refused packets from 2000 sources (a scan, a misconfigured neighbour): one window each at most.
    phase(3 * MIN, () => {
      for (let k = 0; k < 2000; k++) d.at(t + k * 50, () => d.event(0, { kind: 'dropped', reason: k % 2 ? 'bad-digest' : 'malformed', from: `192.0.2.${k % 250}:${k}`, detail: 'refused', at: 0 }));
    });
    // node2 asks for every old seq of node1, over and over (a confused or hostile peer).
    phase(3 * MIN, () => {
      for (let k = 0; k < 600; k++) {
        d.at(t + k * 250, () => {
          const s = d.nodes[0]!.core?.membership.status().hiseq ?? 1;
          const first = Math.max(1, s - 499 + ((k * 50) % 450));
          const fields = [str('t', 'NS_rexmit'), str('firstseq', first.toString(16)), str('lastseq', (first + 49).toString(16)), str('dest', 'node1')];
          d.event(0, { kind: 'message', msg: buildMessage(fields, { src: 'node2', uuid: d.nodes[1]!.uuid, seq: 0, hg: d.nodes[1]!.generation, tsSec: 0, ld: '', ttl: 3, msgfmt: 'netstring', authkeys: d.nodes[1]!.cfg.authkeys }), link: 'eth0', at: 0 });
        });
      }
    });
    // Steady again for an hour: nothing left over.
    phase(60 * MIN, () => undefined);

    // What V8 retains after a full collection: no table outside TABLE_BOUNDS grows either (a
    // message kept per heartbeat would be some 50 MB by now).
    const heapGrowth = retainedHeap() - heapAfterWarmUp;
    if (process.env['HB_BOUNDS_VERBOSE']) console.log(JSON.stringify({ seen, heartbeats: d.heartbeats, maxActions: d.maxActionsPerStep, virtualMin: d.now / MIN, heapGrowth }));
    expect(heapGrowth, 'retained heap growth, bytes').to.be.below(4 * 2 ** 20);
    // The faults reached the bounds they are there for, and the run was long enough to matter.
    expect(seen['missing'], 'missing').to.equal(TABLE_BOUNDS.missing);
    expect(seen['resentAt'], 'resentAt').to.be.within(100, TABLE_BOUNDS.resentAt);
    expect(seen['dropWindows'], 'dropWindows').to.be.above(DROP_FLOOD_FLOOR);
    expect(d.recorder.overwritten, 'log lines').to.be.above(0);
    expect(d.heartbeats).to.be.above(250_000);
    expect(d.maxActionsPerStep).to.be.below(200);
    // And the run ends healthy, the tables back to their steady size.
    const end = d.nodes.map((n) => n.core!.membership.tableSizes());
    for (const e of end) expect(e.peers.find((p) => p.name.startsWith('node'))?.missing).to.equal(0);
  });
});

describe('membership core: autojoin names stay within their bound (issue 24)', () => {
  it('takes at most MAX_AUTOJOINED invented names beyond ha.cf, and refuses the rest', () => {
    // v1 haresources refuses autojoin, so this is the membership core on its own.
    const { core, run } = cluster({ autojoin: 'any', pingNodes: [] });
    for (let k = 0; k < 1000; k++) run([rx(status(1, {}, `intruder${k}`), 'eth0', 100 + k)]);
    expect(core.tableSizes().nodes).to.equal(1 + MAX_AUTOJOINED);
  });
});

/** heapUsed after a full collection (memory.ts forceGc; NaN where it cannot collect, which fails loudly). */
function retainedHeap(): number {
  return forceGc() ? process.memoryUsage().heapUsed : Number.NaN;
}

/** The flood comes from 2000 sources: the drop log tracks at most its bound of them. */
const DROP_FLOOD_FLOOR = 200;
