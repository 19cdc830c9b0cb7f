// In-process cluster for integration tests in virtual time: N runtimes on one FakeClock over one
// MemoryBus, their resource scripts simulated in-process with latencies on that clock. Nothing
// sleeps: a test advances the clock, and the invariants are checked after every step of it, so a
// broken one fails the test (it is thrown out of advance()/until(), never swallowed).
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { ClusterConfig, HaCf, ResourceGroup } from '../../src/config/types.js';
import { FakeClock } from '../../src/lib/clock.js';
import { MemoryBus, MemoryMedium } from '../../src/media/memory.js';
import { MemoryLog } from '../../src/log/types.js';
import { Runtime } from '../../src/control/runtime.js';
import { controlHandler } from '../../src/control/runtime-view.js';
import type { ControlReply } from '../../src/control/control-socket.js';
import { GroupRunner } from '../../src/resources/group-runner.js';
import { parseResourceWord } from '../../src/resources/resource-d.js';
import type { RunOptions, RunResult } from '../../src/resources/script-runner.js';
import { boundsFor, type Bounds } from '../../src/sim/invariants.js';
import { Rng } from '../../src/sim/rng.js';

/** Only there so that locateScript finds an executable; its runs are simulated (runScript below). */
const FAKE = resolve('test/fixtures/resources/fake-resource');
/** Virtual milliseconds per step of advance(): packets sent in a step arrive at its end. */
const STEP_MS = 5;

export interface HarnessOptions {
  readonly nodes?: readonly string[];
  readonly autoFailback?: 'on' | 'off';
  readonly keepaliveMs?: number;
  readonly deadtimeMs?: number;
  readonly initdeadMs?: number;
  /**
   * The preferred node of each resource group (default: one group preferring the first node).
   * Group i is `PREF IPaddr::192.0.2.(10+i)/24/eth0 fake::gI`.
   */
  readonly groups?: readonly string[];
  /** Virtual latency of one start or stop script run (default 50 ms), and of a status run (10 ms). */
  readonly scriptMs?: number;
  readonly statusMs?: number;
  /** Planner tuning passed to every runtime (default: Heartbeat's own timers). */
  readonly planTuning?: ConstructorParameters<typeof Runtime>[0]['planTuning'];
}

export class TestNode {
  rt!: Runtime;
  log = new MemoryLog();
  /** What runs on this machine: "IPaddr:192.0.2.10/24/eth0", "fake:g0". Survives a daemon crash. */
  readonly running = new Set<string>();
  /** Every simulated script run: "fake g0 start". */
  readonly calls: string[] = [];
  /** Gratuitous ARPs the runtime sent for a kept group ("eth0 192.0.2.10"). */
  readonly garps: string[] = [];
  /** Resource keys ("fake:g0") whose next start fails (one-shot each). */
  readonly failStartOnce = new Set<string>();
  /** Resource keys whose next start exits 1 but leaves the resource running (one-shot each). */
  readonly failStartRunningOnce = new Set<string>();
  /** Resource keys whose every stop fails (the resource keeps running) while they are in the set. */
  readonly failStop = new Set<string>();
  /** Virtual time of the last start(). */
  startedAt = 0;
  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly make: (n: TestNode) => Runtime,
    private readonly groups: readonly ResourceGroup[],
    private readonly now: () => number,
  ) {}
  async start(): Promise<void> {
    this.log = new MemoryLog();
    this.rt = this.make(this);
    this.startedAt = this.now();
    await this.rt.start();
  }
  /** The daemon runs (reconciling, running, or stopping gracefully: it still talks), not dead. */
  alive(): boolean {
    return this.rt !== undefined && (this.rt.state === 'running' || this.rt.state === 'reconciling' || this.rt.state === 'stopping');
  }
  /** Every resource of group gi runs here. */
  holds(gi = 0): boolean {
    const g = this.groups[gi];
    return g !== undefined && g.resources.every((r) => this.running.has(resourceKey(r.name, r.args)));
  }
  /** Some resource of group gi runs here (counts for exclusivity). */
  holdsAny(gi = 0): boolean {
    const g = this.groups[gi];
    return g !== undefined && g.resources.some((r) => this.running.has(resourceKey(r.name, r.args)));
  }
  control(cmd: string, ...args: string[]): Promise<ControlReply> {
    return Promise.resolve(controlHandler(this.rt)({ cmd, args }));
  }
  text(): string {
    return this.log.text().join('\n');
  }
}

const resourceKey = (name: string, args: readonly string[]): string => `${name}:${args[0] ?? 'none'}`;

export class Cluster {
  readonly clock = new FakeClock(1000);
  readonly bus = new MemoryBus();
  readonly nodes: TestNode[] = [];
  readonly groups: readonly ResourceGroup[];
  readonly bounds: Bounds;
  readonly keepaliveMs: number;
  readonly deadtimeMs: number;
  /** Nodes cut off the bus (their packets and packets to them are dropped). */
  private readonly cutSet = new Set<string>();
  /** Since when the nodes can all talk and every daemon runs (null: not now). */
  private connectedSince: number | null = null;
  /** The first invariant violation; thrown by advance() and by every later call. */
  private violation: Error | null = null;
  /** Extra checks run after every step (a test's own invariants). */
  readonly checks: Array<() => void> = [];
  readonly root: string;

  constructor(readonly opts: HarnessOptions = {}) {
    this.root = mkdtempSync(join(tmpdir(), 'hbts-cluster-'));
    const names = opts.nodes ?? ['node1', 'node2'];
    this.keepaliveMs = opts.keepaliveMs ?? 200;
    this.deadtimeMs = opts.deadtimeMs ?? 1000;
    const prefs = opts.groups ?? [names[0] ?? 'node1'];
    this.groups = prefs.map((node, i) => ({
      node,
      resources: [parseResourceWord(`IPaddr::192.0.2.${10 + i}/24/eth0`), parseResourceWord(`fake::g${i}`)],
      where: { file: 'haresources', line: i + 1 },
    }));
    const scriptMs = opts.scriptMs ?? 50;
    const statusMs = opts.statusMs ?? 10;
    // A group start: the status checks (at once), then each resource's start in turn.
    this.bounds = boundsFor(this.keepaliveMs, this.deadtimeMs, this.initdeadMs(), statusMs + 2 * scriptMs);
    this.bus.filter = (_b, from, to) => !this.cutSet.has(from) && !this.cutSet.has(to);
    for (const name of names) {
      const dir = join(this.root, name);
      mkdirSync(join(dir, 'resource.d'), { recursive: true });
      for (const script of ['fake', 'IPaddr']) {
        copyFileSync(FAKE, join(dir, 'resource.d', script));
        chmodSync(join(dir, 'resource.d', script), 0o755);
      }
      const config = this.config(name, names, dir);
      const node: TestNode = new TestNode(
        name,
        dir,
        (n) => {
          const medium = new MemoryMedium(this.bus, { address: name, linkName: 'mem0' }, { log: n.log });
          const runner = new GroupRunner({
            log: n.log,
            dirs: { haDir: dir },
            env: {},
            startTimeoutMs: 5000,
            stopTimeoutMs: 5000,
            run: (path, args, o) => this.runScript(n, path, args, o, scriptMs, statusMs),
            sleep: (ms) => new Promise<void>((r) => this.clock.setTimer(this.clock.now() + ms, r)),
          });
          return new Runtime({
            config,
            log: n.log,
            clock: this.clock,
            stateDir: join(dir, 'state'),
            media: [medium],
            runner,
            stopTimeoutMs: 5000,
            probe: async () => false,
            garp: (iface, ip) => n.garps.push(`${iface} ${ip}`),
            rng: ((r) => () => r.next())(new Rng(names.indexOf(name) + 1)),
            ...(opts.planTuning ? { planTuning: opts.planTuning } : {}),
          });
        },
        this.groups,
        () => this.clock.now(),
      );
      this.nodes.push(node);
    }
  }

  private initdeadMs(): number {
    return this.opts.initdeadMs ?? 2 * this.deadtimeMs;
  }

  /** One resource.d script run, on the virtual clock: start/stop take scriptMs, status statusMs. */
  private runScript(n: TestNode, path: string, args: readonly string[], o: RunOptions, scriptMs: number, statusMs: number): Promise<RunResult> {
    const op = args.at(-1) ?? '';
    const key = resourceKey(basename(path), args.length > 1 ? args : []);
    n.calls.push(`${basename(path)} ${args.join(' ')}`);
    const ms = op === 'status' ? statusMs : scriptMs;
    return new Promise((res) => {
      this.clock.setTimer(this.clock.now() + ms, () => {
        const out = (code: number, stdout: string, stderr = ''): void =>
          res({ code, signal: null, stdout, stderr, timedOut: false, truncated: false, durationMs: ms });
        if (op === 'start' && n.failStartOnce.delete(key)) return out(1, '', `cannot start ${key}: disk on fire\n`);
        if (op === 'start' && n.failStartRunningOnce.delete(key)) {
          n.running.add(key);
          return out(1, '', `${key} started, but its health check failed\n`);
        }
        if (op === 'start') n.running.add(key);
        if (op === 'stop' && n.failStop.has(key)) return out(1, '', `cannot stop ${key}: device busy\n`);
        if (op === 'stop') n.running.delete(key);
        if (op === 'status') return n.running.has(key) ? out(0, 'running\n') : out(3, 'stopped\n');
        void o;
        out(0, '');
      });
    });
  }

  node(name: string): TestNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(name);
    return n;
  }

  private config(thisNode: string, nodes: readonly string[], dir: string): ClusterConfig {
    const o = this.opts;
    const haCf: HaCf = {
      file: join(dir, 'ha.cf'),
      keepaliveMs: this.keepaliveMs,
      deadtimeMs: this.deadtimeMs,
      warntimeMs: Math.round((this.keepaliveMs + this.deadtimeMs) / 2),
      initdeadMs: this.initdeadMs(),
      deadpingMs: this.deadtimeMs,
      udpport: 694,
      nodes,
      media: [],
      pingNodes: [],
      pingGroups: [],
      respawn: [],
      autoFailback: o.autoFailback ?? 'on',
      logfile: null,
      debugfile: null,
      logfacility: null,
      debug: 0,
      autojoin: 'none',
      hopfudge: 1,
      msgfmt: 'netstring',
      directives: [],
    };
    return {
      dir,
      thisNode,
      haCf,
      groups: this.groups,
      authkeys: { file: 'authkeys', activeIndex: 1, keys: new Map([[1, { method: 'sha1' as const, key: 'test-key' }]]) },
    };
  }

  get now(): number {
    return this.clock.now();
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.start()));
    await flush();
  }

  /** Nodes that hold every resource of group gi. */
  holders(gi = 0): string[] {
    return this.nodes.filter((n) => n.holds(gi)).map((n) => n.name);
  }

  /** Cut a node off the bus (all of its links). */
  cut(...names: string[]): void {
    for (const n of names) this.cutSet.add(n);
  }
  heal(): void {
    this.cutSet.clear();
  }
  isCut(): boolean {
    return this.cutSet.size > 0;
  }

  /** kill -9 of node's daemon; with reboot, the machine's resources are gone too. */
  async crash(name: string, opts: { reboot?: boolean } = {}): Promise<void> {
    const n = this.node(name);
    await n.rt.crash();
    if (opts.reboot) n.running.clear();
  }

  /**
   * "While the nodes can talk and both daemons run, at most one node holds a group", beyond the
   * simulator's bound for resolving two holders (dualMs: a heal, or a restart that still releases).
   */
  private checkExclusive(): void {
    const connected = !this.isCut() && this.nodes.every((n) => n.alive());
    if (!connected) {
      this.connectedSince = null;
      return;
    }
    this.connectedSince ??= this.now;
    if (this.now - this.connectedSince <= this.bounds.dualMs) return;
    for (const gi of this.groups.keys()) {
      const h = this.nodes.filter((n) => n.holdsAny(gi)).map((n) => n.name);
      if (h.length > 1) {
        throw new Error(
          `at ${this.now} ms: group ${gi} held by ${h.join(' and ')} although they could talk for ` +
            `${this.now - this.connectedSince} ms (bound ${this.bounds.dualMs} ms)`,
        );
      }
    }
  }

  private checkAll(): void {
    if (this.violation) throw this.violation;
    try {
      this.checkExclusive();
      for (const c of this.checks) c();
    } catch (e) {
      this.violation = e instanceof Error ? e : new Error(String(e));
      throw this.violation;
    }
  }

  /** Move virtual time forward by ms in steps, delivering packets and checking invariants each step. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    while (this.now < end) {
      this.clock.advanceTo(Math.min(end, this.now + STEP_MS));
      await flush();
      this.checkAll();
    }
  }

  /** Advance until cond holds; returns the virtual ms it took, or throws after maxMs. */
  async until(cond: () => boolean, maxMs: number, what = 'condition'): Promise<number> {
    const t0 = this.now;
    this.checkAll();
    while (!cond()) {
      if (this.now - t0 >= maxMs) {
        const logs = this.nodes.map((n) => `---- ${n.name}\n${n.text()}`).join('\n');
        throw new Error(`${what}: not within ${maxMs} virtual ms (holders ${this.holders().join(',') || 'none'})\n${logs}`);
      }
      await this.advance(STEP_MS);
    }
    return this.now - t0;
  }

  async stopAll(): Promise<void> {
    for (const n of this.nodes) if (n.rt && n.rt.state !== 'stopped') await n.rt.crash();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Lets every packet delivery (setImmediate) and promise chain queued so far run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 6; i++) await new Promise((r) => setImmediate(r));
}
