// The node core: every rule of one heartbeat node with a timer or a decision in it, in one place.
// Membership, the v1 resource planner, ping counts, ipfail and the shutdown sequence are joined here;
// the runtime (control/runtime.ts) and the simulator (sim/) only carry out the actions and feed the
// events back. Deterministic: time is the `at` of each event, randomness comes from cfg.rng, and
// nothing here touches a socket, a timer, a child process or a file.
//
// The state is this object; step() changes it in place (the membership core does too), so a caller
// that wants to keep an old state copies the whole node, as the simulator does by replaying a seed.
import type { ClusterConfig } from '../config/types.js';
import type { Level } from '../log/types.js';
import { Membership, membershipConfigFrom } from '../membership/cluster.js';
import type { Effect, MembershipEvent, MembershipStatus } from '../membership/types.js';
import { blockedHere, failureLive, initPlan, retryAt, planConfigFrom, stepPlan, type PlanConfig, type PlanEffect, type PlanEvent, type PlanState, type RscStatus, type StandbyWhich } from '../resources/plan.js';
import { decideConfig, initDecide, stepDecide, type DecideEvent, type DecideState } from '../ipfail/decide.js';
import { initPing, nextPingExpiry, pingCount, pingResult, pingTargetsFrom, type PingState } from '../ipfail/ping-nodes.js';
import { str } from '../wire/fields.js';
import type { HbField, HbMessage } from '../wire/types.js';
import { NS_ST, SHUTDONE } from '../wire/types-v1.js';

/**
 * A started group's addresses are announced again after 1, 2, 4 and 8 times max(deadtime, 1 s),
 * and the held ones at once and on that schedule when the peer is declared dead:
 * a takeover made while this node's LAN link was cut reached nobody, and when the cut heals
 * nothing else tells the LAN (the old holder may be gone). keepalived's garp_master_refresh is
 * the model; the simulator's isolate faults found it.
 */
const REFRESH_STEPS = [1, 2, 4, 8];

/** After shutdone, give the datagrams a moment to leave before the media close. */
const FLUSH_MS = 150;

export interface NodeCoreConfig {
  readonly cluster: ClusterConfig;
  /** Our heartbeat generation and uuid, read and bumped from disk by the adapter before the core exists. */
  readonly generation: number;
  readonly uuid: Buffer;
  readonly rng: () => number;
  readonly pid: number;
  /** Run ipfail's decision core (Heartbeat runs ipfail when ha.cf respawns it and has ping nodes). */
  readonly ipfail: boolean;
  /** Per-script stop timeout: the shutdown hard deadline is derived from it. */
  readonly stopTimeoutMs: number;
  /** Whether there are media to flush after shutdone (none in some tests). */
  readonly hasMedia: boolean;
  readonly planTuning?: Partial<Pick<PlanConfig, 'rscrcvdDelayMs' | 'standbyReplyTimeoutMs' | 'standbyRunTimeoutMs'>>;
}

export type NodePhase = 'new' | 'reconciling' | 'running' | 'stopping' | 'stopped';

export type NodeEvent =
  /** The adapter has the identity and open media: probe for left-overs (reconcile) before joining. */
  | { readonly kind: 'boot'; readonly at: number }
  /** Every left-over group is released: join the cluster. */
  | { readonly kind: 'reconciled'; readonly at: number }
  /** A decoded, authenticated message (or our own broadcast, once per link) on local link `link`. */
  | { readonly kind: 'message'; readonly msg: HbMessage; readonly link: string; readonly at: number }
  /** The wire layer refused a packet. */
  | { readonly kind: 'dropped'; readonly reason: string; readonly from: string; readonly detail: string; readonly at: number }
  | { readonly kind: 'tick'; readonly at: number }
  /** A ping probe's result; wallSec is the calendar second for the pseudo-heartbeat's `ts`. */
  | { readonly kind: 'ping'; readonly host: string; readonly up: boolean; readonly at: number; readonly wallSec: number }
  /** A start/stop the core asked for has finished (as the planner takes it). */
  | Extract<PlanEvent, { kind: 'group-done' }>
  | { readonly kind: 'standby'; readonly which: StandbyWhich; readonly at: number }
  | { readonly kind: 'takeover'; readonly which: StandbyWhich; readonly at: number }
  /** SIGTERM: release, shutdone, exit. */
  | { readonly kind: 'shutdown'; readonly at: number }
  /** `heartbeat reload` changed keepalive, deadtime or warntime (runtime-reload.ts says which may). */
  | { readonly kind: 'retime'; readonly haCf: ClusterConfig['haCf']; readonly at: number }
  /** `heartbeat cleanup`: forget these groups' failed starts and stops (the operator fixed them). */
  | { readonly kind: 'cleanup'; readonly groups: readonly number[]; readonly at: number }
  /** The respawn clients have been stopped (after the flush): the last line, then exit. */
  | { readonly kind: 'clients-stopped'; readonly at: number };

export type NodeAction =
  /** Complete (src, seq, hg, ...), sign and send on every medium; keep numbered ones for resend. */
  | { readonly kind: 'send'; readonly fields: readonly HbField[]; readonly seq?: number; readonly dest?: string }
  | { readonly kind: 'resend'; readonly seq: number }
  | { readonly kind: 'log'; readonly level: Level; readonly text: string }
  /** Probe every group with `status` and stop what runs, then deliver `reconciled`. */
  | { readonly kind: 'reconcile' }
  /** Run a group's start or stop; exactly one group-done must come back. */
  | { readonly kind: 'run-group'; readonly group: number; readonly op: 'start' | 'stop' }
  /** Tell the LAN again where a held group's addresses are (gratuitous ARP). */
  | { readonly kind: 'reannounce'; readonly group: number }
  /** Stop the respawn clients, then deliver `clients-stopped`. */
  | { readonly kind: 'stop-clients' }
  /** Close the media and end with this code. The last action of a node. */
  | { readonly kind: 'exit'; readonly code: number };

export interface NodeStep {
  readonly actions: readonly NodeAction[];
  /** When the core wants its next tick (undefined: only events wake it). */
  readonly wakeAt: number | undefined;
}

type Inner = { readonly core: 'mem'; readonly e: MembershipEvent } | { readonly core: 'plan'; readonly e: PlanEvent };

const due = (wake: number | undefined, at: number): boolean => wake !== undefined && at >= wake;

export class NodeCore {
  readonly cfg: NodeCoreConfig;
  private cluster: ClusterConfig;
  private ph: NodePhase = 'new';
  /** SIGTERM came while the start-up reconcile ran: exit once it reports. */
  private stopAfterReconcile = false;
  readonly membership: Membership;
  plan: PlanState;
  private decide: DecideState | null = null;
  private ping: PingState;
  private wakeMembership: number | undefined;
  private wakePlan: number | undefined;
  private wakeIpfail: number | undefined;
  /** Shutdown: the hard deadline, then the flush after shutdone. */
  private hardDeadlineAt: number | undefined;
  private flushAt: number | undefined;
  private exitCode: number | null = null;
  private out: NodeAction[] = [];
  private readonly inner: Inner[] = [];
  private busy = false;
  private lastAt = 0;
  /** Re-announce times per group (REFRESH_STEPS), soonest first. */
  private refresh: number[][] = [];

  constructor(cfg: NodeCoreConfig) {
    this.cfg = cfg;
    this.cluster = cfg.cluster;
    const h = this.cluster.haCf;
    this.plan = initPlan({ ...planConfigFrom(this.cluster, cfg.pid), ...(cfg.planTuning ?? {}) });
    this.ping = initPing(pingTargetsFrom(h), h.deadpingMs);
    // ping_group NAME counts as one ping node called NAME, as in Heartbeat (ipfail change).
    const pingNodes = this.ping.targets.map((t) => t.name);
    this.membership = new Membership({ ...membershipConfigFrom(this.cluster, cfg.generation, cfg.rng, cfg.uuid), pingNodes });
  }

  get phase(): NodePhase {
    return this.ph;
  }

  pingTargetCount(): number {
    return this.ping.targets.length;
  }

  /** Apply one event. Events raised while carrying out another core's result run right after it. */
  step(e: NodeEvent): NodeStep {
    this.out = [];
    this.lastAt = e.at;
    if (this.phase !== 'stopped') this.handle(e);
    return { actions: this.out, wakeAt: this.phase === 'stopped' ? undefined : this.wakeAt(e.at) };
  }

  private wakeAt(now: number): number | undefined {
    // A ping node's last reply ageing past deadping is an event too (ipfail change): wake for it.
    const pingExpiry = this.decide ? (nextPingExpiry(this.ping, now) ?? undefined) : undefined;
    const joined = this.phase === 'running' || this.phase === 'stopping';
    const c = [joined ? this.wakeMembership : undefined, this.wakePlan, this.wakeIpfail, pingExpiry, this.hardDeadlineAt, this.flushAt, ...this.refresh.map((r) => r[0])];
    let best: number | undefined;
    for (const t of c) if (t !== undefined && (best === undefined || t < best)) best = t;
    return best;
  }

  private emit(a: NodeAction): void {
    this.out.push(a);
  }

  private log(level: Level, text: string): void {
    this.out.push({ kind: 'log', level, text });
  }

  private handle(e: NodeEvent): void {
    const at = e.at;
    switch (e.kind) {
      case 'boot':
        if (this.phase !== 'new') return;
        this.ph = 'reconciling';
        if (this.decide === null && this.cfg.ipfail && this.ping.targets.length > 0) {
          const h = this.cluster.haCf;
          this.decide = initDecide(decideConfig(this.cluster.thisNode, this.plan.cfg.peer, h.autoFailback, h.deadpingMs, h.keepaliveMs), this.ping.targets.length);
          this.log('info', `ipfail: watching ${this.ping.targets.length} ping target(s) against ${this.plan.cfg.peer}`);
        }
        this.emit({ kind: 'reconcile' });
        return;
      case 'reconciled':
        if (this.phase === 'stopping' && this.stopAfterReconcile) {
          this.stopAfterReconcile = false;
          this.finishShutdown(at);
          return;
        }
        if (this.phase !== 'reconciling') return;
        this.ph = 'running';
        this.mem({ kind: 'start', at });
        return;
      case 'message':
        if (this.phase !== 'running' && this.phase !== 'stopping') return; // not joined yet: as if not running
        this.mem({ kind: 'message', msg: e.msg, link: e.link, at });
        return;
      case 'dropped':
        if (this.phase !== 'running' && this.phase !== 'stopping') return;
        this.mem({ kind: 'dropped', reason: e.reason, from: e.from, detail: e.detail, at });
        return;
      case 'tick':
        return this.tick(at);
      case 'ping':
        return this.onPing(e.host, e.up, at, e.wallSec);
      case 'group-done': {
        const { kind: _k, ...rest } = e;
        if (e.op === 'start' && e.ok) this.scheduleRefresh(e.group, at);
        else this.refresh[e.group] = [];
        return this.planStep({ kind: 'group-done', ...rest });
      }
      case 'standby':
      case 'takeover':
        return this.planStep({ kind: e.kind, at, which: e.which });
      case 'shutdown':
        return this.onShutdown(at);
      case 'cleanup':
        return this.planStep({ kind: 'cleanup', at, groups: e.groups });
      case 'retime': {
        this.cluster = { ...this.cluster, haCf: e.haCf };
        const h = e.haCf;
        this.ping = { ...this.ping, deadpingMs: h.deadpingMs };
        if (this.decide) this.decide = { ...this.decide, cfg: decideConfig(this.cluster.thisNode, this.plan.cfg.peer, h.autoFailback, h.deadpingMs, h.keepaliveMs) };
        return this.mem({ kind: 'retime', keepaliveMs: h.keepaliveMs, deadtimeMs: h.deadtimeMs, warntimeMs: h.warntimeMs, deadpingMs: h.deadpingMs, at });
      }
      case 'clients-stopped':
        if (this.exitCode === null || this.flushAt !== undefined) return;
        this.log('info', `${this.cluster.thisNode} Heartbeat shutdown complete.`);
        return this.exit(this.exitCode);
    }
  }

  private tick(at: number): void {
    if (due(this.hardDeadlineAt, at)) {
      const limit = this.shutdownLimitMs();
      this.log('crit', `Shutdown did not finish within ${Math.round(limit / 1000)} s; exiting anyway.`);
      return this.exit(1);
    }
    if (due(this.flushAt, at)) {
      this.flushAt = undefined;
      // Heartbeat kills its respawn clients after the resources are relinquished, before the last line.
      this.emit({ kind: 'stop-clients' });
    }
    this.refresh.forEach((r, g) => {
      if (!due(r[0], at)) return;
      while (due(r[0], at)) r.shift();
      if (this.plan.groups[g] === 'yes' && this.phase === 'running') this.emit({ kind: 'reannounce', group: g });
    });
    // A core is ticked only when the wake-up it asked for is due: otherwise it has nothing to do.
    const joined = this.phase === 'running' || this.phase === 'stopping';
    if (joined && due(this.wakeMembership, at)) this.mem({ kind: 'tick', at });
    if (due(this.wakePlan, at)) this.planStep({ kind: 'tick', at });
    this.recountPing(at);
    if (due(this.wakeIpfail, at)) this.ipfail({ kind: 'tick', at });
  }

  private scheduleRefresh(group: number, at: number): void {
    const unit = Math.max(1000, this.cluster.haCf.deadtimeMs);
    this.refresh[group] = REFRESH_STEPS.map((k) => at + k * unit);
  }

  private exit(code: number): void {
    this.ph = 'stopped';
    this.hardDeadlineAt = undefined;
    this.flushAt = undefined;
    this.emit({ kind: 'exit', code });
  }

  // ------------------------------------------------------------------ the cores, one event at a time

  private drain(): void {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let i = this.inner.shift(); i !== undefined; i = this.inner.shift()) {
        if (i.core === 'mem') this.runMem(i.e);
        else this.runPlan(i.e);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Each core sees one event at a time, and its last wake-at is always the current one. */
  private mem(e: MembershipEvent): void {
    this.inner.push({ core: 'mem', e });
    this.drain();
  }

  private planStep(e: PlanEvent): void {
    this.inner.push({ core: 'plan', e });
    this.drain();
  }

  private runMem(e: MembershipEvent): void {
    const fx = this.membership.handle(e);
    if (!fx.some((f) => f.kind === 'wake-at')) this.wakeMembership = undefined;
    this.applyMembership(fx, e.at);
  }

  private applyMembership(fx: Effect[], at: number): void {
    const peer = this.plan.cfg.peer;
    for (const f of fx) {
      switch (f.kind) {
        case 'send':
        case 'resend':
          this.emit(f);
          break;
        case 'log':
          this.log(f.level, f.text);
          break;
        case 'wake-at':
          this.wakeMembership = f.at;
          break;
        case 'comm-up': {
          const st = this.membership.status().nodes.find((n) => n.name === peer)?.status;
          this.planStep({ kind: 'comm-up', at, peerUp: st === 'up' || st === 'active' });
          break;
        }
        case 'node-status':
          if (f.node === peer) {
            const up = f.status === 'active' || f.status === 'up';
            this.ipfail({ kind: 'peer-status', at, active: up });
            if (up && (f.previous === 'dead' || f.previous === 'init')) this.planStep({ kind: 'peer-appeared', at });
          }
          break;
        case 'node-dead':
          if (f.node === peer) {
            // A silent peer may be cut off and serving our addresses on its side of the cut: if the
            // LAN learnt its MAC, only an announce after the cut heals wins the addresses back.
            // And it may have died while its own copy was still up (killed in the middle of a
            // yield): announce at once too, not a deadtime later. Simulator seed 59, 1s/3s on.
            this.plan.groups.forEach((held, g) => {
              if (held !== 'yes') return;
              if (this.phase === 'running') this.emit({ kind: 'reannounce', group: g });
              this.scheduleRefresh(g, at);
            });
            this.ipfail({ kind: 'peer-status', at, active: false });
            this.planStep({ kind: 'peer-dead', at });
          }
          break;
        case 'shutdown-notice':
          if (f.node === peer) this.planStep({ kind: 'message', at, from: f.node, msg: { fields: [str('t', SHUTDONE)] } });
          break;
        case 'node-restarted':
          if (f.node === peer) {
            this.planStep({ kind: 'peer-restarted', at, generation: f.generation });
            this.planStep({ kind: 'peer-appeared', at });
          }
          break;
        case 'partition-return':
          if (f.node === peer) this.planStep({ kind: 'partition-return', at });
          break;
        case 'deliver':
          if (f.node === this.cluster.thisNode) break; // our own loopback: the planner replays its own messages itself
          // v1 resources are a pair (haresources names this node and its peer). Fed every node's
          // resource reports, its "other node is stable" flipped with each sender, and each flip
          // re-sent ours: 16 nodes starting sent ~10 resource messages a second each.
          if (f.node === peer) this.planStep({ kind: 'message', at, from: f.node, msg: f.msg });
          this.ipfail({ kind: 'message', at, from: f.node, msg: f.msg });
          break;
        case 'link-status':
          break; // the membership core logs "Link x:y up/dead." itself
      }
    }
  }

  private runPlan(e: PlanEvent): void {
    const r = stepPlan(this.plan, e);
    this.plan = r.state;
    this.applyPlan(r.effects, e.at);
  }

  private applyPlan(fx: PlanEffect[], at: number): void {
    let sawWake = false;
    for (const f of fx) {
      switch (f.kind) {
        case 'send':
          this.mem({ kind: 'send', fields: f.msg.fields, at });
          break;
        case 'start-group':
          this.emit({ kind: 'run-group', group: f.group, op: 'start' });
          break;
        case 'stop-group':
          this.emit({ kind: 'run-group', group: f.group, op: 'stop' });
          break;
        case 'reannounce':
          this.emit({ kind: 'reannounce', group: f.group });
          break;
        case 'log':
          this.log(f.level, f.text);
          break;
        case 'rscstatus':
          this.ipfail({ kind: 'rscstatus', at, value: f.value });
          break;
        case 'shutdown-complete':
          // A group that failed to stop may still run here: the exit code says so (systemd, init).
          this.finishShutdown(at, f.unreleased.length > 0 ? 1 : 0);
          break;
        case 'wake-at':
          sawWake = true;
          this.wakePlan = f.at;
          break;
      }
    }
    if (!sawWake) this.wakePlan = undefined;
  }

  // ------------------------------------------------------------------ ping nodes and ipfail

  private onPing(host: string, up: boolean, at: number, wallSec: number): void {
    const before = pingCount(this.ping, at).up;
    this.ping = pingResult(this.ping, host, up, at);
    if (up && this.phase === 'running') {
      // The heartbeat a ping node "sends": what Heartbeat's ping plugin hands its core on a reply.
      const fields = [str('t', NS_ST), str('st', 'ping'), str('info', 'ping'), str('src', host), str('ts', Math.floor(wallSec).toString(16))];
      for (const t of this.ping.targets) {
        if (!t.hosts.includes(host)) continue;
        const f = t.name === host ? fields : fields.map((x) => (x.name === 'src' ? str('src', t.name) : x));
        this.mem({ kind: 'message', msg: { fields: f }, link: t.name, at });
      }
    }
    const c = pingCount(this.ping, at);
    if (c.up !== before || (this.decide !== null && this.decide.localUp !== c.up)) this.ipfail({ kind: 'local-count', at, up: c.up, total: c.total });
  }

  /** The ping count drops by itself when a reply ages past deadping: tell ipfail at once (ipfail change). */
  private recountPing(at: number): void {
    if (!this.decide) return;
    const c = pingCount(this.ping, at);
    if (c.up !== this.decide.localUp) this.ipfail({ kind: 'local-count', at, up: c.up, total: c.total });
  }

  private ipfail(e: DecideEvent): void {
    if (!this.decide) return;
    const r = stepDecide(this.decide, e);
    this.decide = r.state;
    let sawWake = false;
    for (const f of r.effects) {
      if (f.kind === 'send') this.mem({ kind: 'send', fields: f.msg.fields, at: e.at });
      else if (f.kind === 'log') this.log(f.level, `ipfail: ${f.text}`);
      else if (f.kind === 'giveup') this.planStep({ kind: 'ipfail-giveup', at: e.at, which: f.which });
      else {
        sawWake = true;
        this.wakeIpfail = f.at;
      }
    }
    if (!sawWake && e.kind === 'tick') this.wakeIpfail = undefined;
  }

  // ------------------------------------------------------------------ shutdown

  /** Never hang like Heartbeat's Q1: twice the time all stops could take, plus a little. */
  private shutdownLimitMs(): number {
    const n = this.cluster.groups.reduce((a, g) => a + g.resources.length, 0);
    return 2 * this.cfg.stopTimeoutMs * Math.max(1, n) + 5000;
  }

  /** SIGTERM: release groups right to left, send shutdone, exit. A second one is only logged. */
  private onShutdown(at: number): void {
    if (this.phase === 'stopping') {
      this.log('info', 'Heartbeat shutdown already underway.');
      return;
    }
    if (this.phase === 'new' || this.phase === 'reconciling') {
      // Not joined yet: nothing held, nobody to tell. But the start-up release of what an earlier
      // run left behind may still be under way: exit only when it is done, or the group stays up
      // on a stopped node (simulator seed 1027, 1s/3s off).
      const busy = this.phase === 'reconciling';
      this.ph = 'stopping';
      if (!busy) return this.finishShutdown(at);
      this.stopAfterReconcile = true;
      this.hardDeadlineAt = at + this.shutdownLimitMs();
      return;
    }
    this.ph = 'stopping';
    this.hardDeadlineAt = at + this.shutdownLimitMs();
    this.planStep({ kind: 'shutdown', at });
  }

  private finishShutdown(at: number, code = 0): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    this.mem({ kind: 'stop', at });
    this.flushAt = at + (this.cfg.hasMedia ? FLUSH_MS : 0);
  }

  // ------------------------------------------------------------------ views

  membershipStatus(): MembershipStatus | null {
    return this.phase === 'new' ? null : this.membership.status();
  }

  rscstatus(): RscStatus {
    return this.plan.lastStatus;
  }

  /** A start of this group failed here and has not expired (auto_failback does not bring it back). */
  groupFailed(group: number): boolean {
    return failureLive(this.plan, group, this.lastAt);
  }

  /** When a failed start of this group may be retried here (0: none failed, or expired). */
  groupRetryAt(group: number): number {
    return this.groupFailed(group) ? retryAt(this.plan, group) : 0;
  }

  /** The start-failure policy keeps this group stopped here (too many failed starts). */
  groupBlocked(group: number): boolean {
    return blockedHere(this.plan, group, this.lastAt);
  }
}
