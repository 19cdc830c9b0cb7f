// The deterministic cluster simulator: N node cores (node/core.ts, unchanged) in virtual time, over
// simulated media (loss, delay, jitter, duplication, reordering, one-way and two-way cuts), with
// simulated resource scripts (latency, failures, hangs), crashes and restarts that keep exactly what
// a node keeps on disk (hb_generation, hb_uuid) and what a machine keeps running (its addresses),
// SIGSTOP-like pauses and clock steps. Everything random comes from one seeded generator, so
// (seed, commit) gives the same trace.
import type { ClusterConfig } from '../config/types.js';
import type { Level } from '../log/types.js';
import { NodeCore, type NodeAction, type NodeEvent } from '../node/core.js';
import type { StandbyWhich } from '../resources/plan-types.js';
import { buildMessage } from '../wire/build.js';
import type { HbField, HbMessage } from '../wire/types.js';
import { Heap } from './heap.js';
import { Rng } from './rng.js';

/** What a group is doing on one machine, whatever its daemon believes. */
export type Truth = 'stopped' | 'starting' | 'started' | 'stopping' | 'stop-failed';

export interface LinkFault {
  /** Probability that one datagram is lost. 1 = cut. */
  loss: number;
  delayMs: number;
  jitterMs: number;
  dup: number;
}

export interface ScriptTiming {
  /** Per resource, uniform in [min, max]. */
  readonly startMs: readonly [number, number];
  readonly stopMs: readonly [number, number];
  readonly statusMs: readonly [number, number];
}

export interface SimOptions {
  /** One configuration per node, each with its own thisNode. */
  readonly configs: readonly ClusterConfig[];
  readonly seed: number;
  readonly scripts?: ScriptTiming;
  /** Wall clock at virtual time 0 (for `ts` fields and log stamps). */
  readonly wallStartMs?: number;
}

export interface SimLogLine {
  readonly at: number;
  readonly node: string;
  readonly level: Level;
  readonly text: string;
}

export const DEFAULT_SCRIPTS: ScriptTiming = { startMs: [20, 120], stopMs: [20, 80], statusMs: [5, 20] };

type QItem =
  | { kind: 'tick'; node: number; inc: number; token: number }
  | { kind: 'deliver'; node: number; inc: number; msg: HbMessage; link: string }
  | { kind: 'core'; node: number; inc: number; ev: NodeEvent }
  | { kind: 'op-done'; node: number; inc: number; group: number; op: 'start' | 'stop'; ok: boolean; failed?: string }
  | { kind: 'reconciled'; node: number; inc: number }
  | { kind: 'call'; fn: () => void };

interface SimNode {
  readonly name: string;
  readonly cfg: ClusterConfig;
  core: NodeCore | null;
  /** Incarnation: events of an earlier process are dropped. */
  inc: number;
  /** Persisted: hb_generation and hb_uuid. */
  generation: number;
  readonly uuid: Buffer;
  readonly truth: Truth[];
  /** When each group's addresses were last announced from here (IPaddr start or re-announce). */
  readonly announcedAt: number[];
  pausedUntil: number;
  clockOffsetMs: number;
  timerToken: number;
  lastTickAt: number;
  history: Map<number, HbMessage>;
  echoed: Set<string>;
  /** Injected script faults: fail the next N starts of a group; hang the next stop for ms. */
  readonly failStarts: number[];
  readonly hangStop: number[];
  /** Stops of the group still to fail here (the group keeps running). */
  readonly failStops: number[];
  /** Start/stop operations of each group still running here (`heartbeat cleanup` waits for them). */
  readonly busy: number[];
  /** When the last start of each group began here, and when its last stop failed. */
  readonly startBeganAt: number[];
  readonly stopFailedAt: number[];
  /** Why the last process ended: 'crash', an exit code, or null while running / never started. */
  ended: 'crash' | number | null;
  startedAt: number;
  joinedAt: number;
}

export interface SimObserver {
  /** After every step of the simulation (one event carried out). */
  afterStep?(sim: SimCluster): void;
  onLog?(line: SimLogLine): void;
  /** An injected script fault took effect (it may have been armed long before); lasts forMs. */
  onInjected?(text: string, forMs: number): void;
}

export class SimCluster {
  now = 0;
  readonly nodes: SimNode[];
  readonly rng: Rng;
  private readonly q = new Heap<QItem>();
  private readonly scripts: ScriptTiming;
  private readonly wallStartMs: number;
  /** links[from][to][linkIndex] */
  private readonly links: LinkFault[][][];
  readonly linkNames: readonly string[];
  observer: SimObserver = {};
  /** Counters for the bench. */
  steps = 0;
  messages = 0;

  constructor(opts: SimOptions) {
    this.rng = new Rng(opts.seed);
    this.scripts = opts.scripts ?? DEFAULT_SCRIPTS;
    this.wallStartMs = opts.wallStartMs ?? Date.UTC(2026, 10, 21, 20, 0, 0);
    const first = opts.configs[0];
    if (!first) throw new Error('simulate: no nodes');
    this.linkNames = [...new Set(first.haCf.media.map((m) => (m.kind === 'serial' ? m.device : m.iface)))];
    this.nodes = opts.configs.map((cfg, i) => ({
      name: cfg.thisNode,
      cfg,
      core: null,
      inc: 0,
      generation: 0,
      uuid: Buffer.from(Array.from({ length: 16 }, (_, b) => (i * 37 + b * 11 + 1) & 0xff)),
      truth: cfg.groups.map(() => 'stopped' as Truth),
      announcedAt: cfg.groups.map(() => -Infinity),
      pausedUntil: 0,
      clockOffsetMs: 0,
      timerToken: 0,
      lastTickAt: -Infinity,
      history: new Map(),
      echoed: new Set(),
      failStarts: cfg.groups.map(() => 0),
      hangStop: cfg.groups.map(() => 0),
      failStops: cfg.groups.map(() => 0),
      busy: cfg.groups.map(() => 0),
      startBeganAt: cfg.groups.map(() => -Infinity),
      stopFailedAt: cfg.groups.map(() => -Infinity),
      ended: null,
      startedAt: -Infinity,
      joinedAt: -Infinity,
    }));
    const n = this.nodes.length;
    this.links = Array.from({ length: n }, () =>
      Array.from({ length: n }, () => this.linkNames.map(() => ({ loss: 0, delayMs: 0.3, jitterMs: 0.4, dup: 0 }))),
    );
  }

  index(name: string): number {
    const i = this.nodes.findIndex((x) => x.name === name);
    if (i < 0) throw new Error(`simulate: no node named ${name}`);
    return i;
  }

  // ------------------------------------------------------------------ the world, as faults see it

  /** Start the daemon on a node (a no-op while one runs). */
  start(i: number): void {
    const n = this.nodes[i] as SimNode;
    if (n.core !== null) return;
    n.inc++;
    n.busy.fill(0); // what the last incarnation ran is not waited for (its results are dropped)
    n.generation++;
    n.timerToken++;
    n.history = new Map();
    n.echoed = new Set();
    n.ended = null;
    n.startedAt = this.now;
    n.joinedAt = Infinity;
    n.core = new NodeCore({
      cluster: n.cfg,
      generation: n.generation,
      uuid: n.uuid,
      rng: () => this.rng.next(),
      pid: 1000 + i,
      ipfail: false,
      stopTimeoutMs: 120_000,
      hasMedia: true,
    });
    this.step(i, { kind: 'boot', at: this.now });
  }

  /** kill -9: the process is gone; what the machine runs stays. */
  crash(i: number): void {
    const n = this.nodes[i] as SimNode;
    if (n.core === null) return;
    n.core = null;
    n.ended = 'crash';
    n.pausedUntil = 0;
    // A script the daemon was running dies with it half way: treat its group as (partly) running.
    n.truth.forEach((t, g) => {
      if (t === 'starting' || t === 'stopping') n.truth[g] = 'started';
    });
  }

  /** The machine goes down: the daemon and everything it ran (a crash leaves the addresses up). */
  powerOff(i: number): void {
    const n = this.nodes[i] as SimNode;
    this.crash(i);
    n.truth.fill('stopped');
  }

  /** SIGSTOP for ms, then SIGCONT. */
  pause(i: number, ms: number): void {
    const n = this.nodes[i] as SimNode;
    if (n.core === null) return;
    n.pausedUntil = Math.max(n.pausedUntil, this.now + ms);
  }

  command(i: number, kind: 'shutdown' | 'standby' | 'takeover', which: StandbyWhich = 'all'): void {
    const ev: NodeEvent = kind === 'shutdown' ? { kind, at: this.now } : { kind, which, at: this.now };
    this.enqueueCore(i, ev);
  }

  /** `heartbeat cleanup` of these groups on node i. */
  cleanup(i: number, groups: readonly number[]): void {
    this.enqueueCore(i, { kind: 'cleanup', groups, at: this.now });
  }

  /** The operator stops a group by hand (what a failed stop left running) and mends its stop. */
  stopByHand(i: number, group: number): void {
    const n = this.nodes[i] as SimNode;
    if (n.truth[group] === 'stop-failed') n.truth[group] = 'stopped';
    n.failStops[group] = 0;
  }

  /** The next `times` stops of the group on node i fail (Infinity: until stopByHand). */
  failNextStop(i: number, group: number, times = 1): void {
    (this.nodes[i] as SimNode).failStops[group] = times;
  }

  setLink(from: number, to: number, link: number | 'all', f: Partial<LinkFault>): void {
    const row = this.links[from]?.[to];
    if (!row) return;
    row.forEach((l, k) => {
      if (link === 'all' || link === k) Object.assign(l, f);
    });
  }

  clockStep(i: number, ms: number): void {
    (this.nodes[i] as SimNode).clockOffsetMs += ms;
  }

  failNextStart(i: number, group: number, times = 1): void {
    (this.nodes[i] as SimNode).failStarts[group] = times;
  }

  hangNextStop(i: number, group: number, ms: number): void {
    (this.nodes[i] as SimNode).hangStop[group] = ms;
  }

  /** Schedule a function at a virtual time (the fault plan). */
  at(t: number, fn: () => void): void {
    this.q.push(t, { kind: 'call', fn });
  }

  // ------------------------------------------------------------------ views for the invariants

  running(i: number): boolean {
    const n = this.nodes[i] as SimNode;
    return n.core !== null && n.core.phase === 'running';
  }
  paused(i: number): boolean {
    return (this.nodes[i] as SimNode).pausedUntil > this.now;
  }
  /** Both daemons run, neither is frozen, and some medium carries datagrams both ways. */
  /** Some medium carries every datagram both ways (no loss fault on it). */
  cleanLink(a: number, b: number): boolean {
    const ab = this.links[a]?.[b];
    const ba = this.links[b]?.[a];
    return !!ab && !!ba && ab.some((l, k) => l.loss === 0 && ba[k]?.loss === 0);
  }

  /** Node a's membership has node b alive. */
  seesUp(a: number, b: number): boolean {
    const name = this.nodes[b]?.name;
    const st = this.nodes[a]?.core?.membershipStatus()?.nodes.find((n) => n.name === name)?.status;
    return st === 'active' || st === 'up';
  }

  canTalk(a: number, b: number): boolean {
    if (!this.running(a) || !this.running(b) || this.paused(a) || this.paused(b)) return false;
    const ab = this.links[a]?.[b];
    const ba = this.links[b]?.[a];
    if (!ab || !ba) return false;
    return ab.some((l, k) => l.loss < 1 && (ba[k]?.loss ?? 1) < 1);
  }


  // ------------------------------------------------------------------ the loop

  /** Run until virtual time `until` (ms). */
  runUntil(until: number): void {
    for (;;) {
      const top = this.q.peekAt();
      if (top === undefined || top > until) break;
      const { at, value } = this.q.pop() as { at: number; value: QItem };
      this.now = Math.max(this.now, at);
      this.steps++;
      this.carry(value);
      this.observer.afterStep?.(this);
    }
    // Time passes even when nothing happens (a daemon that went quiet): the checks see it too.
    if (until > this.now) {
      this.now = until;
      this.observer.afterStep?.(this);
    }
  }

  private carry(it: QItem): void {
    if (it.kind === 'call') {
      it.fn();
      return;
    }
    const n = this.nodes[it.node] as SimNode;
    if (it.inc !== n.inc) return;
    if (it.kind === 'op-done' || it.kind === 'reconciled') {
      // A script's own process finishes whatever the daemon does; what the machine runs changes now.
      this.scriptFinished(it);
      return;
    }
    if (n.core === null) return;
    if (n.pausedUntil > this.now) {
      // Frozen: timers and datagrams wait in the kernel until SIGCONT, in order.
      this.q.push(n.pausedUntil, it);
      return;
    }
    switch (it.kind) {
      case 'tick':
        if (it.token !== n.timerToken) return;
        n.lastTickAt = this.now;
        this.step(it.node, { kind: 'tick', at: this.now });
        return;
      case 'deliver':
        this.step(it.node, { kind: 'message', msg: it.msg, link: it.link, at: this.now });
        return;
      case 'core':
        this.step(it.node, { ...it.ev, at: this.now } as NodeEvent);
        return;
    }
  }

  private enqueueCore(i: number, ev: NodeEvent): void {
    const n = this.nodes[i] as SimNode;
    this.q.push(this.now, { kind: 'core', node: i, inc: n.inc, ev });
  }

  private step(i: number, ev: NodeEvent): void {
    const n = this.nodes[i] as SimNode;
    const core = n.core;
    if (core === null) return;
    const at = Math.ceil(ev.at);
    const r = core.step({ ...ev, at } as NodeEvent);
    for (const a of r.actions) this.act(i, a);
    if (n.core === null) return;
    if (core.phase === 'running' && n.joinedAt === Infinity) n.joinedAt = this.now;
    n.timerToken++;
    if (r.wakeAt !== undefined) {
      const t = Math.max(r.wakeAt, n.lastTickAt + 5, this.now);
      this.q.push(t, { kind: 'tick', node: i, inc: n.inc, token: n.timerToken });
    }
  }

  private log(i: number, level: Level, text: string): void {
    this.observer.onLog?.({ at: this.now, node: (this.nodes[i] as SimNode).name, level, text });
  }

  private act(i: number, a: NodeAction): void {
    const n = this.nodes[i] as SimNode;
    switch (a.kind) {
      case 'send':
        return this.send(i, a.fields, a.seq, a.dest);
      case 'resend': {
        const m = n.history.get(a.seq);
        if (m) this.broadcast(i, m);
        return;
      }
      case 'log':
        return this.log(i, a.level, a.text);
      case 'reconcile': {
        // Probe every group; stop what still runs from an earlier life, then join.
        let t = 0;
        n.cfg.groups.forEach((g, k) => {
          t += g.resources.length * this.pick(this.scripts.statusMs);
          if (n.truth[k] !== 'stopped') {
            this.log(i, 'warn', `Resource group ${g.resources[0]?.spec ?? k} found running at start-up (left over from an earlier run); releasing it`);
            t += g.resources.length * this.pick(this.scripts.stopMs);
          }
        });
        this.q.push(this.now + t, { kind: 'reconciled', node: i, inc: n.inc });
        return;
      }
      case 'run-group':
        return this.runGroup(i, a.group, a.op);
      case 'reannounce':
        n.announcedAt[a.group] = this.now;
        return;
      case 'stop-clients':
        this.enqueueCore(i, { kind: 'clients-stopped', at: this.now });
        return;
      case 'exit':
        n.core = null;
        n.ended = a.code;
        n.pausedUntil = 0;
        return;
    }
  }

  private pick(r: readonly [number, number]): number {
    return r[0] + this.rng.next() * (r[1] - r[0]);
  }

  private runGroup(i: number, g: number, op: 'start' | 'stop'): void {
    const n = this.nodes[i] as SimNode;
    const group = n.cfg.groups[g];
    if (!group) return;
    const count = group.resources.length;
    n.busy[g] = (n.busy[g] ?? 0) + 1;
    if (op === 'start') {
      n.truth[g] = 'starting';
      n.startBeganAt[g] = this.now;
      let t = 0;
      let failed: string | undefined;
      for (const r of group.resources) {
        t += this.pick(this.scripts.startMs);
        // The last resource fails, as httpd did in the campaign; the rollback stops what ran before.
        if (r === group.resources[count - 1] && (n.failStarts[g] ?? 0) > 0) {
          n.failStarts[g] = (n.failStarts[g] ?? 1) - 1;
          failed = r.spec;
          this.observer.onInjected?.(`start of ${r.spec} fails on ${n.name} (injected)`, 0);
          t += (count - 1) * this.pick(this.scripts.stopMs);
        }
      }
      this.q.push(this.now + t, { kind: 'op-done', node: i, inc: n.inc, group: g, op, ok: failed === undefined, ...(failed ? { failed } : {}) });
    } else {
      // Stopping it again while its stop is still broken lets nothing go: it keeps counting as held.
      if (n.truth[g] !== 'stop-failed' || (n.failStops[g] ?? 0) === 0) n.truth[g] = 'stopping';
      let t = 0;
      for (let k = 0; k < count; k++) t += this.pick(this.scripts.stopMs);
      const hang = n.hangStop[g] ?? 0;
      n.hangStop[g] = 0;
      if (hang > 0) this.observer.onInjected?.(`stop of group ${g} hangs ${Math.round(hang)} ms on ${n.name} (injected)`, hang);
      const fails = (n.failStops[g] ?? 0) > 0;
      if (fails) {
        n.failStops[g] = (n.failStops[g] ?? 1) - 1;
        this.observer.onInjected?.(`stop of group ${g} fails on ${n.name}; it keeps running (injected)`, 0);
      }
      this.q.push(this.now + t + hang, { kind: 'op-done', node: i, inc: n.inc, group: g, op, ok: !fails });
    }
  }

  private scriptFinished(it: Extract<QItem, { kind: 'op-done' } | { kind: 'reconciled' }>): void {
    const n = this.nodes[it.node] as SimNode;
    if (it.kind === 'reconciled') {
      n.truth.fill('stopped');
      if (n.core !== null) this.enqueueCore(it.node, { kind: 'reconciled', at: this.now });
      return;
    }
    n.busy[it.group] = Math.max(0, (n.busy[it.group] ?? 1) - 1);
    if (it.op === 'start') {
      n.truth[it.group] = it.ok ? 'started' : 'stopped';
      if (it.ok) n.announcedAt[it.group] = this.now; // IPaddr's start sends gratuitous ARP
    } else {
      n.truth[it.group] = it.ok ? 'stopped' : 'stop-failed';
      if (!it.ok) n.stopFailedAt[it.group] = this.now;
    }
    if (n.core === null) return;
    const ev: NodeEvent = it.op === 'start' && !it.ok
      ? { kind: 'group-done', at: this.now, group: it.group, op: it.op, ok: false, rolledBack: true, ...(it.failed ? { failed: it.failed } : {}) }
      : { kind: 'group-done', at: this.now, group: it.group, op: it.op, ok: it.ok };
    this.enqueueCore(it.node, ev);
  }

  // ------------------------------------------------------------------ the media

  private send(i: number, fields: readonly HbField[], seq: number | undefined, dest: string | undefined): void {
    const n = this.nodes[i] as SimNode;
    const h = n.cfg.haCf;
    const destNode = dest !== undefined ? this.nodes.find((x) => x.name === dest) : undefined;
    const msg = buildMessage(fields, {
      src: n.name,
      uuid: n.uuid,
      seq: seq ?? 0,
      hg: n.generation,
      tsSec: Math.floor((this.wallStartMs + this.now + n.clockOffsetMs) / 1000),
      ld: '0.00 0.00 0.00 1/100 1',
      ttl: h.hopfudge + h.nodes.length,
      msgfmt: 'netstring',
      authkeys: n.cfg.authkeys,
      ...(destNode ? { destUuid: destNode.uuid } : {}),
    });
    if (seq !== undefined && seq > 0) {
      n.history.set(seq, msg);
      n.history.delete(seq - 500);
    }
    // Our own broadcast comes back once per link (the runtime feeds only the first copy).
    for (const link of this.linkNames) {
      if (n.echoed.has(link)) continue;
      n.echoed.add(link);
      this.q.push(this.now + 0.1, { kind: 'deliver', node: i, inc: n.inc, msg, link });
    }
    this.broadcast(i, msg);
  }

  private broadcast(i: number, msg: HbMessage): void {
    this.messages++;
    for (let j = 0; j < this.nodes.length; j++) {
      if (j === i) continue;
      const to = this.nodes[j] as SimNode;
      const row = this.links[i]?.[j];
      if (!row) continue;
      for (let k = 0; k < row.length; k++) {
        const l = row[k] as LinkFault;
        if (l.loss >= 1 || (l.loss > 0 && this.rng.next() < l.loss)) continue;
        const copies = l.dup > 0 && this.rng.next() < l.dup ? 2 : 1;
        for (let c = 0; c < copies; c++) {
          const d = l.delayMs + this.rng.next() * l.jitterMs;
          this.q.push(this.now + d, { kind: 'deliver', node: j, inc: to.inc, msg, link: this.linkNames[k] as string });
        }
      }
    }
  }
}
