// The node runtime: the pure cores (membership, resource planner, ipfail) wired to the adapters
// (media, resource scripts, ping probes, persisted identity). One event queue, processed one event at
// a time, and one timer armed at the earliest wake-at any core asked for. Nothing else runs logic.
import type { ResourceGroup } from '../config/types.js';
import { realClock, type Clock } from '../lib/clock.js';
import type { Log } from '../log/types.js';
import type { Medium } from '../media/index.js';
import { Membership, membershipConfigFrom } from '../membership/cluster.js';
import type { Effect, MembershipEvent, MembershipStatus } from '../membership/types.js';
import type { GroupRunner } from '../resources/group-runner.js';
import { initPlan, planConfigFrom, stepPlan, type PlanEffect, type PlanEvent, type PlanState, type RscStatus } from '../resources/plan.js';
import { decideConfig, initDecide, stepDecide, type DecideEvent, type DecideState } from '../ipfail/decide.js';
import { initPing, nextPingExpiry, pingCount, pingResult, pingTargetsFrom, type PingState } from '../ipfail/ping-nodes.js';
import { Pinger, systemPing } from '../ipfail/pinger.js';
import { receiveDatagram } from '../wire/receive.js';
import { getBinary, get, str } from '../wire/fields.js';
import { loadAndBumpIdentity } from './persist-state.js';
import { defaultRunner, reannounceGroup, reconcileGroups, runGroup } from './runtime-groups.js';
import { createMedia, Outbox, type OutboxStamp } from './runtime-send.js';
import type { Phase, RuntimeDeps, RuntimeEvent } from './runtime-types.js';

/** After shutdone, give the datagrams a moment to leave before the sockets close. */
const FLUSH_MS = 150;

const due = (wake: number | undefined, at: number): boolean => wake !== undefined && at >= wake;

export class Runtime {
  readonly log: Log;
  readonly clock: Clock;
  private readonly deps: RuntimeDeps;
  private readonly cfg;
  private phase: Phase = 'new';
  private queue: RuntimeEvent[] = [];
  private draining = false;
  private cancelTimer: (() => void) | null = null;
  private timerAt: number | undefined;
  /** Links on which our own broadcast has come back once. */
  private readonly echoed = new Set<string>();
  private lastTickAt = -Infinity;
  private wakeMembership: number | undefined;
  private wakePlan: number | undefined;
  private wakeIpfail: number | undefined;
  private membership!: Membership;
  plan: PlanState;
  private decide: DecideState | null = null;
  private ping: PingState;
  private pinger: Pinger;
  private media: Medium[] = [];
  readonly runner: GroupRunner;
  private generation = 0;
  private uuid: Buffer = Buffer.alloc(16);
  /** Signs, sends and keeps our messages; knows the peers' uuids for destuuid. */
  private readonly outbox: Outbox;
  private exitCode: number | null = null;
  private exitResolve!: (code: number) => void;
  /** Resolves with the exit code once the runtime has stopped. */
  readonly done: Promise<number>;
  private hardDeadline: (() => void) | null = null;

  constructor(deps: RuntimeDeps) {
    this.deps = deps;
    this.cfg = deps.config;
    this.log = deps.log;
    this.clock = deps.clock ?? realClock;
    this.done = new Promise((r) => (this.exitResolve = r));
    this.plan = initPlan({ ...planConfigFrom(this.cfg, deps.pid ?? process.pid), ...(deps.planTuning ?? {}) });
    const h = this.cfg.haCf;
    this.ping = initPing(pingTargetsFrom(h), h.deadpingMs);
    const hosts = [...new Set(this.ping.targets.flatMap((t) => t.hosts))];
    this.pinger = new Pinger(hosts, h.keepaliveMs, deps.probe ?? systemPing, (host, up) => this.push({ kind: 'ping', host, up }));
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
    return this.phase;
  }
  get myGeneration(): number {
    return this.generation;
  }

  /** Identity, media, reconcile, then join the cluster. Rejects when a medium cannot be opened. */
  async start(): Promise<void> {
    if (this.phase !== 'new') return;
    this.phase = 'reconciling';
    const id = loadAndBumpIdentity(this.deps.stateDir, this.clock.wallTime().getTime() / 1000);
    for (const l of id.logs) this.log.log(l.level, l.text);
    this.generation = id.generation;
    this.uuid = id.uuid;
    const rng = this.deps.rng ?? Math.random;
    // ping_group NAME counts as one ping node called NAME, as in Heartbeat (ipfail change).
    const pingNodes = this.ping.targets.map((t) => t.name);
    this.membership = new Membership({ ...membershipConfigFrom(this.cfg, id.generation, rng, id.uuid), pingNodes });
    const peer = this.plan.cfg.peer;
    if (this.ipfailWanted()) {
      this.decide = initDecide(decideConfig(this.cfg.thisNode, peer, this.cfg.haCf.autoFailback, this.cfg.haCf.deadpingMs, this.cfg.haCf.keepaliveMs), this.ping.targets.length);
      this.log.log('info', `ipfail: watching ${this.ping.targets.length} ping target(s) against ${peer}`);
    }
    this.media = this.deps.media ? [...this.deps.media] : createMedia(this.cfg, this.log);
    try {
      for (const m of this.media) await m.open((buf, from) => this.push({ kind: 'packet', buf, from, medium: m }));
    } catch (e) {
      for (const m of this.media) await m.close();
      this.phase = 'stopped';
      throw e;
    }
    if (this.deps.reconcile === false) this.push({ kind: 'reconciled' });
    else void reconcileGroups(this.cfg.groups, this.runner, this.log).then(() => this.push({ kind: 'reconciled' }));
  }

  private ipfailWanted(): boolean {
    if (this.deps.ipfail !== undefined) return this.deps.ipfail && this.ping.targets.length > 0;
    return this.ping.targets.length > 0 && this.cfg.haCf.respawn.some((r) => r.argv.some((a) => /(^|\/)ipfail$/.test(a)));
  }

  // ------------------------------------------------------------------ the queue

  push(e: RuntimeEvent): void {
    if (this.phase === 'stopped') return;
    this.queue.push(e);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let ev = this.queue.shift(); ev !== undefined; ev = this.queue.shift()) {
        this.handle(ev);
        this.runInner();
      }
    } finally {
      this.draining = false;
    }
    this.rearm();
  }

  private handle(e: RuntimeEvent): void {
    // Whole milliseconds: the cores print intervals in their log lines ("interval 2002 ms").
    const at = Math.ceil(this.clock.now());
    switch (e.kind) {
      case 'reconciled':
        if (this.phase !== 'reconciling') return;
        this.phase = 'running';
        this.mem({ kind: 'start', at });
        this.pinger.poll(at);
        return;
      case 'packet':
        return this.onPacket(e.buf, e.from, e.medium, at);
      case 'tick':
        // A core is ticked only when the wake-up it asked for is due: otherwise it has nothing to do.
        if (this.membership && this.phase !== 'reconciling' && due(this.wakeMembership, at)) this.mem({ kind: 'tick', at });
        if (due(this.wakePlan, at)) this.planStep({ kind: 'tick', at });
        this.recountPing(at);
        if (due(this.wakeIpfail, at)) this.ipfail({ kind: 'tick', at });
        if (this.phase === 'running' || this.phase === 'stopping') this.pinger.poll(at);
        return;
      case 'ping':
        return this.onPing(e.host, e.up, at);
      case 'group-done': {
        const { kind: _k, ...rest } = e;
        return this.planStep({ kind: 'group-done', at, ...rest });
      }
      case 'standby':
        return this.planStep({ kind: 'standby', at, which: e.which });
      case 'takeover':
        return this.planStep({ kind: 'takeover', at, which: e.which });
      case 'shutdown':
        return this.onShutdown(at);
    }
  }

  private runInner(): void {
    for (let i = this.inner.shift(); i !== undefined; i = this.inner.shift()) {
      if (i.core === 'mem') this.mem(i.e);
      else this.planStep(i.e);
    }
  }

  private rearm(): void {
    if (this.phase === 'stopped') return;
    // A ping node's last reply ageing past deadping is an event too (ipfail change): wake for it.
    const pingExpiry = this.decide ? (nextPingExpiry(this.ping, this.clock.now()) ?? undefined) : undefined;
    const cands = [this.wakeMembership, this.wakePlan, this.wakeIpfail, this.pinger.nextDue(), pingExpiry].filter(
      (t): t is number => t !== undefined,
    );
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
      this.push({ kind: 'tick' });
    });
  }

  // ------------------------------------------------------------------ membership

  private onPacket(buf: Buffer, from: string, medium: Medium, at: number): void {
    if (!this.membership || this.phase === 'reconciling') return; // not joined yet: as if we were not running
    const known = this.outbox.known.find(buf);
    if (known) {
      // Our own broadcast looped back shows the membership core that our link works; after the
      // first one on a link it has nothing more to tell (and is not counted as received).
      if (known.own && this.echoed.has(medium.linkName)) return;
      if (known.own) this.echoed.add(medium.linkName);
      this.mem({ kind: 'message', msg: known.message, link: medium.linkName, at });
      return;
    }
    const v = receiveDatagram(buf, this.cfg.authkeys);
    if (!v.ok) {
      const src = v.stage === 'auth' ? get(v.decoded.message, 'src') : undefined;
      const who = src !== undefined ? `${src} (${from})` : from;
      const detail =
        v.stage === 'auth'
          ? `Cannot authenticate packet from [${who}] on ${medium.name}: ${v.reason}. Check authkeys on both nodes.`
          : `Dropped malformed packet from [${from}] on ${medium.name}: ${v.reason}`;
      this.mem({ kind: 'dropped', reason: v.code, from: who, detail, at });
      return;
    }
    const msg = v.decoded.message;
    const src = get(msg, 'src');
    const su = getBinary(msg, 'srcuuid');
    if (src !== undefined && su !== undefined && su.length === 16 && src !== this.cfg.thisNode) this.outbox.peerUuids.set(src, su);
    this.outbox.known.add(buf, msg);
    this.mem({ kind: 'message', msg, link: medium.linkName, at });
  }

  private memDepth = 0;
  private planDepth = 0;
  /** Core events raised while another core event's effects are carried out; run right after. */
  private readonly inner: ({ core: 'mem'; e: MembershipEvent } | { core: 'plan'; e: PlanEvent })[] = [];

  /**
   * Feeds the membership core. A call made while another membership result is being carried out is
   * queued instead: each core sees one event at a time and its last wake-at is always the current one.
   */
  private mem(e: MembershipEvent): void {
    if (!this.membership) return;
    if (this.memDepth > 0) {
      this.inner.push({ core: 'mem', e });
      return;
    }
    this.memDepth++;
    try {
      const fx = this.membership.handle(e);
      if (!fx.some((f) => f.kind === 'wake-at')) this.wakeMembership = undefined;
      this.applyMembership(fx, e.at);
    } finally {
      this.memDepth--;
    }
  }

  private applyMembership(fx: Effect[], at: number): void {
    for (const f of fx) {
      switch (f.kind) {
        case 'send':
          this.outbox.send(this.media, this.stamp(), f.fields, f.seq, f.dest);
          break;
        case 'resend':
          this.outbox.resend(this.media, f.seq);
          break;
        case 'log':
          this.log.log(f.level, f.text);
          break;
        case 'wake-at':
          this.wakeMembership = f.at;
          break;
        case 'comm-up': {
          const peer = this.plan.cfg.peer;
          const st = this.membership.status().nodes.find((n) => n.name === peer)?.status;
          this.planStep({ kind: 'comm-up', at, peerUp: st === 'up' || st === 'active' });
          break;
        }
        case 'node-status':
          if (f.node === this.plan.cfg.peer) this.ipfail({ kind: 'peer-status', at, active: f.status === 'active' || f.status === 'up' });
          break;
        case 'node-dead':
          if (f.node === this.plan.cfg.peer) {
            this.ipfail({ kind: 'peer-status', at, active: false });
            this.planStep({ kind: 'peer-dead', at });
          }
          break;
        case 'shutdown-notice':
          if (f.node === this.plan.cfg.peer) {
            this.planStep({ kind: 'message', at, from: f.node, msg: { fields: [str('t', 'shutdone')] } });
            this.reannounceHeld();
          }
          break;
        case 'node-restarted':
          if (f.node === this.plan.cfg.peer) this.planStep({ kind: 'peer-restarted', at });
          break;
        case 'partition-return':
          if (f.node === this.plan.cfg.peer) this.planStep({ kind: 'partition-return', at });
          break;
        case 'deliver':
          if (f.node === this.cfg.thisNode) break; // our own loopback: the planner replays its own messages itself
          // v1 resources are a pair (haresources names this node and its peer). Fed every node's
          // resource reports, its "other node is stable" flipped with each sender, and each flip
          // re-sent ours: 16 nodes starting sent ~10 resource messages a second each.
          if (f.node === this.plan.cfg.peer) this.planStep({ kind: 'message', at, from: f.node, msg: f.msg });
          this.ipfail({ kind: 'message', at, from: f.node, msg: f.msg });
          break;
        case 'link-status':
          break; // the membership core logs "Link x:y up/dead." itself
      }
    }
  }

  private stamp(): OutboxStamp {
    return { uuid: this.uuid, generation: this.generation, pingTargets: this.ping.targets.length };
  }

  // ------------------------------------------------------------------ resources

  private planStep(e: PlanEvent): void {
    if (this.planDepth > 0) {
      this.inner.push({ core: 'plan', e });
      return;
    }
    const r = stepPlan(this.plan, e);
    this.plan = r.state;
    this.planDepth++;
    try {
      this.applyPlan(r.effects, e.at);
    } finally {
      this.planDepth--;
    }
  }

  private applyPlan(fx: PlanEffect[], at: number): void {
    let sawWake = false;
    for (const f of fx) {
      switch (f.kind) {
        case 'send':
          this.mem({ kind: 'send', fields: f.msg.fields, at });
          break;
        case 'start-group':
        case 'stop-group':
          runGroup(this.cfg.groups, this.runner, this.log, (ev) => this.push(ev), f.group, f.kind === 'start-group' ? 'start' : 'stop');
          break;
        case 'reannounce':
          reannounceGroup(this.cfg.groups[f.group], this.log, this.deps.garp);
          break;
        case 'log':
          this.log.log(f.level, f.text);
          break;
        case 'rscstatus':
          this.ipfail({ kind: 'rscstatus', at, value: f.value });
          break;
        case 'shutdown-complete':
          this.finishShutdown();
          break;
        case 'wake-at':
          sawWake = true;
          this.wakePlan = f.at;
          break;
      }
    }
    if (!sawWake) this.wakePlan = undefined;
  }

  /**
   * The peer gave up everything and leaves. After a split-brain heal it may have held our groups'
   * addresses too, and its IPaddr stop sends no ARP: the LAN would keep sending to its MAC until
   * the ARP entries expire (~30 s, seen with a real 3.0.6 peer, which restarts itself after a heal).
   * Groups we hold were not started again, so no IPaddr start announces them: we do.
   */
  private reannounceHeld(): void {
    this.plan.groups.forEach((held, i) => {
      if (held === 'yes') reannounceGroup(this.cfg.groups[i], this.log, this.deps.garp);
    });
  }

  // ------------------------------------------------------------------ ping nodes and ipfail

  private onPing(host: string, up: boolean, at: number): void {
    const before = pingCount(this.ping, at).up;
    this.ping = pingResult(this.ping, host, up, at);
    if (up && this.membership && this.phase !== 'reconciling') {
      // The heartbeat a ping node "sends": what Heartbeat's ping plugin hands its core on a reply.
      const ts = Math.floor(this.clock.wallTime().getTime() / 1000).toString(16);
      const fields = [str('t', 'NS_st'), str('st', 'ping'), str('info', 'ping'), str('src', host), str('ts', ts)];
      for (const t of this.ping.targets) {
        if (!t.hosts.includes(host)) continue;
        const f = t.name === host ? fields : fields.map((x) => (x.name === 'src' ? str('src', t.name) : x));
        this.mem({ kind: 'message', msg: { fields: f }, link: t.name, at });
      }
    }
    const c = pingCount(this.ping, at);
    if (c.up !== before || this.decide?.localUp !== c.up) this.ipfail({ kind: 'local-count', at, up: c.up, total: c.total });
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
      else if (f.kind === 'log') this.log.log(f.level, `ipfail: ${f.text}`);
      else if (f.kind === 'giveup') this.planStep({ kind: 'ipfail-giveup', at: e.at, which: f.which });
      else {
        sawWake = true;
        this.wakeIpfail = f.at;
      }
    }
    if (!sawWake && e.kind === 'tick') this.wakeIpfail = undefined;
  }

  // ------------------------------------------------------------------ shutdown

  /** SIGTERM: release groups right to left, send shutdone, exit. A second one is only logged. */
  private onShutdown(at: number): void {
    if (this.phase === 'stopping') {
      this.log.log('info', 'Heartbeat shutdown already underway.');
      return;
    }
    if (this.phase === 'new' || this.phase === 'reconciling') {
      // Not joined yet: nothing held, nobody to tell.
      this.phase = 'stopping';
      this.finishShutdown();
      return;
    }
    this.phase = 'stopping';
    // Never hang like Heartbeat's Q1: twice the time all stops could take, plus a little.
    const stopMs = this.deps.stopTimeoutMs ?? 120_000;
    const n = this.cfg.groups.reduce((a, g) => a + g.resources.length, 0);
    const limit = 2 * stopMs * Math.max(1, n) + 5000;
    this.hardDeadline = this.clock.setTimer(at + limit, () => {
      this.log.log('crit', `Shutdown did not finish within ${Math.round(limit / 1000)} s; exiting anyway.`);
      void this.finish(1);
    });
    this.planStep({ kind: 'shutdown', at });
  }

  private finishShutdown(): void {
    if (this.exitCode !== null) return;
    this.exitCode = 0;
    if (this.membership) this.mem({ kind: 'stop', at: this.clock.now() });
    this.clock.setTimer(this.clock.now() + (this.media.length > 0 ? FLUSH_MS : 0), () => {
      // Heartbeat kills its respawn clients after the resources are relinquished, before this line.
      void (this.deps.stopClients?.() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => {
          this.log.log('info', `${this.cfg.thisNode} Heartbeat shutdown complete.`);
          void this.finish(0);
        });
    });
  }

  private async finish(code: number): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    this.cancelTimer?.();
    this.hardDeadline?.();
    this.pinger.stop();
    for (const m of this.media) await m.close().catch(() => undefined);
    this.deps.onExit?.(code);
    this.exitResolve(code);
  }

  /** Tests: stop dead, as kill -9 would (no release, no shutdone). */
  async crash(): Promise<void> {
    this.exitCode = 137;
    await this.finish(137);
  }

  // ------------------------------------------------------------------ views

  membershipStatus(): MembershipStatus | null {
    return this.membership ? this.membership.status() : null;
  }

  rscstatus(): RscStatus {
    return this.plan.lastStatus;
  }
}
