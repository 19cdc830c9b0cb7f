// The node runtime: the thin adapter around the node core (node/core.ts). It owns the sockets, the
// one timer, the child processes and the files; it turns I/O into core events (one at a time, in
// arrival order) and carries out the actions the core returns. No rule of the cluster lives here.
import type { ClusterConfig, ResourceGroup } from '../config/types.js';
import { realClock, type Clock } from '../lib/clock.js';
import type { Log } from '../log/types.js';
import type { Medium } from '../media/index.js';
import type { MembershipStatus, NodeHealth } from '../membership/types.js';
import { Histogram } from '../lib/histogram.js';
import type { GroupRunner } from '../resources/group-runner.js';
import { initPlan, planConfigFrom, type PlanState, type RscStatus } from '../resources/plan.js';
import { FAILURE_TIMEOUT_MS } from '../resources/plan-core.js';
import { pingTargetsFrom } from '../ipfail/ping-nodes.js';
import { Pinger, systemPing } from '../ipfail/pinger.js';
import { NodeCore, type NodeAction, type NodeEvent } from '../node/core.js';
import { receiveDatagram } from '../wire/receive.js';
import { getBinary, get } from '../wire/fields.js';
import type { TableSizes } from './memory.js';
import { loadAndBumpIdentity } from './persist-state.js';
import { cancelReannounce, defaultRunner, reannounceGroup, reconcileGroups, runGroup } from './runtime-groups.js';
import { createMedia, Outbox, type OutboxStamp } from './runtime-send.js';
import type { Phase, RuntimeDeps, RuntimeEvent } from './runtime-types.js';

/** Upper bounds (s) of the timer-lag histogram. */
export const LAG_BUCKETS_S: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class Runtime {
  readonly log: Log;
  readonly clock: Clock;
  private readonly deps: RuntimeDeps;
  private cfg;
  private core: NodeCore | null = null;
  private closing = false;
  private queue: RuntimeEvent[] = [];
  private draining = false;
  private cancelTimer: (() => void) | null = null;
  private timerAt: number | undefined;
  private coreWake: number | undefined;
  /** Per group: the last start that failed here, for `heartbeat status` (the core keeps only counts). */
  private readonly lastStartFailure = new Map<number, StartFailureNote>();
  /** Why a group's stop failed, while the planner keeps it 'failed' (until `heartbeat cleanup`). */
  private readonly lastStopFailure = new Map<number, StartFailureNote>();
  /** Links on which our own broadcast has come back once. */
  private readonly echoed = new Set<string>();
  private lastTickAt = -Infinity;
  private readonly pinger: Pinger;
  private media: Medium[] = [];
  readonly runner: GroupRunner;
  private generation = 0;
  private uuid: Buffer = Buffer.alloc(16);
  /** Signs, sends and keeps our messages; knows the peers' uuids for destuuid. */
  private readonly outbox: Outbox;
  private readonly initialPlan: PlanState;
  /** How late the one timer fired (s): the event loop's lag as the daemon lives it (metrics). */
  readonly timerLag = new Histogram(LAG_BUCKETS_S);
  private exitResolve!: (code: number) => void;
  /** Resolves with the exit code once the runtime has stopped. */
  readonly done: Promise<number>;

  constructor(deps: RuntimeDeps) {
    this.deps = deps;
    this.cfg = deps.config;
    this.log = deps.log;
    this.clock = deps.clock ?? realClock;
    this.done = new Promise((r) => (this.exitResolve = r));
    this.initialPlan = initPlan({ ...planConfigFrom(this.cfg, deps.pid ?? process.pid), ...(deps.planTuning ?? {}) });
    const hosts = [...new Set(pingTargetsFrom(this.cfg.haCf).flatMap((t) => t.hosts))];
    this.pinger = new Pinger(hosts, this.cfg.haCf.keepaliveMs, deps.probe ?? systemPing, (host, up) => this.push({ kind: 'ping', host, up }), undefined, this.clock);
    this.runner = deps.runner ?? defaultRunner(this.cfg, deps, this.log);
    this.outbox = new Outbox(this.cfg, this.clock, deps.loadavg);
  }

  get groups(): readonly ResourceGroup[] {
    return this.cfg.groups;
  }
  get config() {
    return this.cfg;
  }
  get state(): Phase {
    return this.closing ? 'stopped' : (this.core?.phase ?? 'new');
  }
  get myGeneration(): number {
    return this.generation;
  }
  get plan(): PlanState {
    return this.core?.plan ?? this.initialPlan;
  }

  /** Identity, media, reconcile, then join the cluster. Rejects when a medium cannot be opened. */
  async start(): Promise<void> {
    if (this.core !== null || this.closing) return;
    const id = loadAndBumpIdentity(this.deps.stateDir, this.clock.wallTime().getTime() / 1000);
    for (const l of id.logs) this.log.log(l.level, l.text);
    this.generation = id.generation;
    this.uuid = id.uuid;
    this.media = this.deps.media ? [...this.deps.media] : createMedia(this.cfg, this.log);
    const core = new NodeCore({
      cluster: this.cfg,
      generation: id.generation,
      uuid: id.uuid,
      rng: this.deps.rng ?? Math.random,
      pid: this.deps.pid ?? process.pid,
      ipfail: this.ipfailWanted(),
      stopTimeoutMs: this.deps.stopTimeoutMs ?? 120_000,
      hasMedia: this.media.length > 0,
      ...(this.deps.planTuning ? { planTuning: this.deps.planTuning } : {}),
    });
    try {
      for (const m of this.media) await m.open((buf, from) => this.push({ kind: 'packet', buf, from, medium: m }));
    } catch (e) {
      for (const m of this.media) await m.close();
      this.closing = true;
      throw e;
    }
    this.core = core;
    this.push({ kind: 'boot' });
  }

  private ipfailWanted(): boolean {
    const targets = pingTargetsFrom(this.cfg.haCf).length;
    if (this.deps.ipfail !== undefined) return this.deps.ipfail && targets > 0;
    return targets > 0 && this.cfg.haCf.respawn.some((r) => r.argv.some((a) => /(^|\/)ipfail$/.test(a)));
  }

  // ------------------------------------------------------------------ the queue

  push(e: RuntimeEvent): void {
    if (this.closing || this.core === null) return;
    this.queue.push(e);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let ev = this.queue.shift(); ev !== undefined; ev = this.queue.shift()) this.handle(ev);
    } finally {
      this.draining = false;
    }
    this.rearm();
  }

  private handle(e: RuntimeEvent): void {
    const core = this.core;
    if (core === null || this.closing) return;
    // Whole milliseconds: the cores print intervals in their log lines ("interval 2002 ms").
    const at = Math.ceil(this.clock.now());
    const ev = this.toCoreEvent(e, at);
    if (ev === null) return;
    const r = core.step(ev);
    this.coreWake = r.wakeAt;
    for (const a of r.actions) this.act(a);
    if (e.kind === 'tick' && (core.phase === 'running' || core.phase === 'stopping')) this.pinger.poll(at);
    if (e.kind === 'reconciled') this.pinger.poll(at);
  }

  private toCoreEvent(e: RuntimeEvent, at: number): NodeEvent | null {
    switch (e.kind) {
      case 'packet':
        return this.onPacket(e.buf, e.from, e.medium, at);
      case 'ping':
        return { kind: 'ping', host: e.host, up: e.up, at, wallSec: this.clock.wallTime().getTime() / 1000 };
      case 'group-done': {
        const { kind: _k, ...rest } = e;
        return { kind: 'group-done', at, ...rest };
      }
      case 'standby':
      case 'takeover':
        return { kind: e.kind, which: e.which, at };
      case 'retime':
        return { kind: 'retime', haCf: e.haCf, at };
      case 'cleanup':
        for (const g of e.groups) {
          const group = this.cfg.groups[g];
          if (group) this.runner.clearFailed(group);
          this.lastStartFailure.delete(g);
          this.lastStopFailure.delete(g);
        }
        return { kind: 'cleanup', groups: e.groups, at };
      default:
        return { kind: e.kind, at };
    }
  }

  private act(a: NodeAction): void {
    switch (a.kind) {
      case 'send':
        this.outbox.send(this.media, this.stamp(), a.fields, a.seq, a.dest);
        return;
      case 'resend':
        this.outbox.resend(this.media, a.seq);
        return;
      case 'log':
        this.log.log(a.level, a.text);
        return;
      case 'reconcile':
        if (this.deps.reconcile === false) this.push({ kind: 'reconciled' });
        else void reconcileGroups(this.cfg.groups, this.runner, this.log).then(() => this.push({ kind: 'reconciled' }));
        return;
      case 'run-group':
        if (a.op === 'stop') cancelReannounce(this.cfg.groups[a.group]);
        runGroup(this.cfg.groups, this.runner, this.log, (ev) => this.push(ev), a.group, a.op, (o) => {
          const note = o.failure ? { resource: o.failure.resource, reason: o.failure.reason, wallTime: this.clock.wallTime() } : null;
          if (o.op === 'start' && !o.ok && note) this.lastStartFailure.set(a.group, note);
          if (o.stopFailed && note) {
            const why = o.failure?.op === 'stop' ? note.reason : `${note.reason} in its start; the stop after it failed too`;
            this.lastStopFailure.set(a.group, { ...note, reason: why });
          }
        });
        return;
      case 'reannounce':
        reannounceGroup(this.cfg.groups[a.group], this.log, this.deps.garp);
        return;
      case 'stop-clients':
        void (this.deps.stopClients?.() ?? Promise.resolve()).catch(() => undefined).then(() => this.push({ kind: 'clients-stopped' }));
        return;
      case 'exit':
        void this.finish(a.code);
        return;
    }
  }

  private rearm(): void {
    if (this.closing) return;
    const cands = [this.coreWake, this.pinger.nextDue()].filter((t): t is number => t !== undefined);
    // A core that keeps asking for a time already past must not spin the loop: at most one tick per 5 ms.
    const at = cands.length === 0 ? undefined : Math.max(Math.min(...cands), this.lastTickAt + 5);
    // Most packets leave the earliest deadline (the next keepalive) where it was: keep that timer.
    if (at === this.timerAt && this.cancelTimer) return;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.timerAt = at;
    if (at === undefined) return;
    this.cancelTimer = this.clock.setTimer(at, () => {
      this.cancelTimer = null;
      this.lastTickAt = this.clock.now();
      this.timerLag.observe(Math.max(0, this.lastTickAt - at) / 1000);
      this.push({ kind: 'tick' });
    });
  }

  // ------------------------------------------------------------------ packets in

  private onPacket(buf: Buffer, from: string, medium: Medium, at: number): NodeEvent | null {
    const phase = this.core?.phase;
    if (phase !== 'running' && phase !== 'stopping') return null; // not joined yet: as if we were not running
    const known = this.outbox.known.find(buf);
    if (known) {
      // Our own broadcast looped back shows the membership core that our link works; after the
      // first one on a link it has nothing more to tell (and is not counted as received).
      if (known.own && this.echoed.has(medium.linkName)) return null;
      if (known.own) this.echoed.add(medium.linkName);
      return { kind: 'message', msg: known.message, link: medium.linkName, at };
    }
    const v = receiveDatagram(buf, this.cfg.authkeys);
    if (!v.ok) {
      const src = v.stage === 'auth' ? get(v.decoded.message, 'src') : undefined;
      const who = src !== undefined ? `${src} (${from})` : from;
      const detail =
        v.stage === 'auth'
          ? `Cannot authenticate packet from [${who}] on ${medium.name}: ${v.reason}. Check authkeys on both nodes.`
          : `Dropped malformed packet from [${from}] on ${medium.name}: ${v.reason}`;
      // Rate-limited per sending address: the src it claims is not authenticated, and a name
      // mutated per packet would get a log line each.
      return { kind: 'dropped', reason: v.code, from, detail, at };
    }
    const msg = v.decoded.message;
    const src = get(msg, 'src');
    const su = getBinary(msg, 'srcuuid');
    if (src !== undefined && su !== undefined && su.length === 16 && src !== this.cfg.thisNode) this.outbox.learnUuid(src, su);
    this.outbox.known.add(buf, msg);
    return { kind: 'message', msg, link: medium.linkName, at };
  }

  private stamp(): OutboxStamp {
    return { uuid: this.uuid, generation: this.generation, pingTargets: this.core?.pingTargetCount() ?? 0 };
  }

  // ------------------------------------------------------------------ the end

  private async finish(code: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.cancelTimer?.();
    this.pinger.stop();
    for (const m of this.media) await m.close().catch(() => undefined);
    this.deps.onExit?.(code);
    this.exitResolve(code);
  }

  /** Tests: stop dead, as kill -9 would (no release, no shutdone). */
  async crash(): Promise<void> {
    await this.finish(137);
  }

  // ------------------------------------------------------------------ views

  membershipStatus(): MembershipStatus | null {
    return this.core ? this.core.membershipStatus() : null;
  }

  /** Per other node and link, how it has been doing (link-health.ts); ages against clock.now(). */
  health(): NodeHealth[] {
    return this.core ? this.core.membership.health(this.clock.now()) : [];
  }

  rscstatus(): RscStatus {
    return this.plan.lastStatus;
  }

  /** Entries in the node's tables (memory.ts); recorder and control-socket counts come from the daemon. */
  tableSizes(): Omit<TableSizes, 'recorderLines' | 'controlClients'> {
    const m = this.core?.membership.tableSizes() ?? { nodes: 0, resentAt: 0, dropWindows: 0, peers: [] };
    return {
      ...m,
      rexmitHistory: this.outbox.historySize,
      peerUuids: this.outbox.peerUuids.size,
      eventQueue: this.queue.length,
      planQueue: this.plan.queue.length,
      startFailures: this.lastStartFailure.size,
    };
  }

  /** `heartbeat reload` with a changed authkeys: sign with its active key from the next message on. */
  applyAuthkeys(authkeys: ClusterConfig['authkeys']): void {
    this.cfg = { ...this.cfg, authkeys };
    this.outbox.setAuthkeys(authkeys);
  }

  /** `heartbeat reload` with new keepalive/deadtime/warntime (runtime-reload.ts allows no more). */
  applyTimers(haCf: ClusterConfig['haCf']): void {
    this.cfg = { ...this.cfg, haCf };
    this.push({ kind: 'retime', haCf });
  }

  /** Groups whose stop failed and that may still run here, with why (for `heartbeat stop`'s answer). */
  unreleased(): UnreleasedGroup[] {
    return this.cfg.groups.flatMap((g, i) => {
      const f = this.stopFailure(i);
      if (f === null) return [];
      return [{ group: g.resources[0]?.spec ?? `#${i}`, ...(f.last ? { resource: f.last.resource, reason: f.last.reason } : {}) }];
    });
  }

  /** Group i failed to stop here and may still run (until `heartbeat cleanup`); null otherwise. */
  stopFailure(i: number): { last?: StartFailureNote } | null {
    if (this.plan.groups[i] !== 'failed') return null;
    const last = this.lastStopFailure.get(i);
    return last ? { last } : {};
  }

  /** The start-failure policy's view of group i here; null when no failed start of it is live. */
  groupFailure(i: number): GroupFailure | null {
    const core = this.core;
    if (core === null || !core.groupFailed(i)) return null;
    const p = this.plan;
    const last = this.lastStartFailure.get(i);
    return {
      fails: p.fails[i] ?? 0,
      blocked: core.groupBlocked(i),
      expiresInMs: Math.max(0, (p.failAt[i] ?? 0) + FAILURE_TIMEOUT_MS - this.clock.now()),
      ...(last ? { last } : {}),
    };
  }
}

export interface UnreleasedGroup {
  readonly group: string;
  readonly resource?: string;
  readonly reason?: string;
}

export interface StartFailureNote {
  readonly resource: string;
  /** "exit code 1", "timed out after 120000 ms, killed by SIGTERM", ... */
  readonly reason: string;
  readonly wallTime: Date;
}

export interface GroupFailure {
  /** Failed starts here that count (MIGRATION_THRESHOLD of them block the group here). */
  readonly fails: number;
  readonly blocked: boolean;
  /** Until the failures expire (FAILURE_TIMEOUT_MS after the last one). */
  readonly expiresInMs: number;
  readonly last?: StartFailureNote;
}
