// Starts, stops and checks one haresources group, as Heartbeat 3.0.6's ResourceManager
// (acquireresourcegroup / giveupresourcegroup / StatGroup) does, with the same log lines.
// Differences, on purpose:
//  - Every script run has a timeout (the real one can hang for ever).
//  - A failed start rolls back only what was touched (the failed resource and those before it, in
//    reverse); ResourceManager stops the whole group, including resources it never started.
//  - A stop that still fails after the retries does NOT reboot the machine. The group is marked
//    "stop-failed": we log CRIT, keep stopping the group's other resources, and refuse every later
//    start of that group here until clearFailed(). The outcome says stopFailed=true so the caller
//    (ownership core) must not let the peer take the group either: its resources may still be live.
//  - Operations on one group are queued (never run concurrently); different groups run in parallel.
import type { Log } from '../log/types.js';
import type { ResourceGroup, ResourceSpec } from '../config/types.js';
import { run as runScript, describeResult, type RunResult, type RunOptions } from './script-runner.js';
import { locateScript, scriptArgs, statusSaysRunning, type ResourceOp, type ScriptDirs } from './resource-d.js';
import { Histogram } from '../lib/histogram.js';

/** Upper bounds (s) of the script run-time histograms. */
export const SCRIPT_BUCKETS_S: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** One resource's runs of one operation (metrics only). */
export interface ScriptRuns {
  readonly resource: string;
  readonly op: ResourceOp;
  readonly seconds: Histogram;
  failures: number;
}

/** One group's starts and stops and how they ended (metrics only). */
export interface GroupRuns {
  startOk: number;
  startFailed: number;
  stopOk: number;
  stopFailed: number;
}

export interface GroupRunnerDeps {
  readonly log: Log;
  readonly dirs: ScriptDirs;
  /** Full environment for scripts (see scriptEnv()). */
  readonly env: NodeJS.ProcessEnv;
  /** Per script run; default start/stop 120 s, status 30 s. */
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly statusTimeoutMs?: number;
  /** ResourceManager's HA_STOPRETRYMAX (default 10) and its `sleep 1` between tries. */
  readonly stopRetries?: number;
  readonly stopRetryIntervalMs?: number;
  /** Injected for tests. */
  readonly run?: (path: string, args: readonly string[], opts: RunOptions) => Promise<RunResult>;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ResourceFailure {
  readonly resource: string;
  readonly op: ResourceOp;
  readonly reason: string;
  /** The script's stdout+stderr (bounded). */
  readonly output: string;
}

export interface GroupOutcome {
  readonly group: string;
  readonly op: 'start' | 'stop';
  readonly ok: boolean;
  /** The first failure (start: the resource that failed; stop: the first unstoppable one). */
  readonly failure?: ResourceFailure;
  /** Some resource could not be stopped: the group may still be partly live here. */
  readonly stopFailed: boolean;
}

/** A resource script running now: its command line, pid (null until spawned) and start (Date.now()). */
export interface RunningScript {
  readonly script: string;
  readonly pid: number | null;
  readonly since: number;
}

export type GroupStat = 'ALL' | 'SOME' | 'NONE';
export type GroupState = 'stopped' | 'starting' | 'started' | 'stopping' | 'stop-failed';

/** Heartbeat names a group by its first resource (the haresources "key"). */
export function groupKey(group: ResourceGroup): string {
  return group.resources[0]?.spec ?? `(empty group at ${group.where.file}:${group.where.line})`;
}

function groupLine(group: ResourceGroup): string {
  return [group.node, ...group.resources.map((r) => r.spec)].join(' ');
}

interface OpResult {
  readonly ok: boolean;
  readonly missing: boolean;
  readonly reason: string;
  readonly output: string;
  readonly stdout: string;
}

const OUTPUT_LOG_CHARS = 2000;

export class GroupRunner {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly states = new Map<string, GroupState>();
  private readonly runFn;
  private readonly sleepFn;
  /** Script timings of the operation running on each group, for the debug line at its end. */
  private readonly timings = new Map<string, string[]>();
  /** The scripts running now, for the daemon's account of a signal that may have come from one. */
  private readonly active = new Set<{ script: string; pid: number | null; since: number }>();
  /** By resource spec and op; bounded by the groups ever configured (reloads keep the old ones). */
  readonly scriptRuns = new Map<string, ScriptRuns>();
  /** By group key. */
  readonly groupRuns = new Map<string, GroupRuns>();

  constructor(private readonly deps: GroupRunnerDeps) {
    this.runFn = deps.run ?? runScript;
    this.sleepFn = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  }

  /** Resource scripts running now (any group), oldest first. */
  runningScripts(): RunningScript[] {
    return [...this.active].map((a) => ({ script: a.script, pid: a.pid, since: a.since }));
  }

  state(group: ResourceGroup): GroupState {
    return this.states.get(groupKey(group)) ?? 'stopped';
  }

  /** True while an operation on the group runs or waits. */
  busy(group: ResourceGroup): boolean {
    return this.queues.has(groupKey(group));
  }

  /** The operator has dealt with an unstoppable resource; the group may be started again. */
  clearFailed(group: ResourceGroup): void {
    const key = groupKey(group);
    if (this.states.get(key) === 'stop-failed') this.states.set(key, 'stopped');
  }

  start(group: ResourceGroup): Promise<GroupOutcome> {
    return this.enqueue(group, () => this.timed(group, 'start', () => this.doStart(group)));
  }

  stop(group: ResourceGroup): Promise<GroupOutcome> {
    return this.enqueue(group, () => this.timed(group, 'stop', () => this.doStop(group, group.resources)));
  }

  /** Debug line with where a group operation's time went (failover speed is mostly script time). */
  private async timed(group: ResourceGroup, op: string, fn: () => Promise<GroupOutcome>): Promise<GroupOutcome> {
    const key = groupKey(group);
    const list: string[] = [];
    this.timings.set(key, list);
    const t0 = Date.now();
    try {
      const o = await fn();
      const g = this.groupRuns.get(key) ?? { startOk: 0, startFailed: 0, stopOk: 0, stopFailed: 0 };
      this.groupRuns.set(key, g);
      if (op === 'start') o.ok ? g.startOk++ : g.startFailed++;
      else o.ok ? g.stopOk++ : g.stopFailed++;
      return o;
    } finally {
      this.timings.delete(key);
      const at = new Date(t0).toISOString().slice(11, 23);
      this.deps.log.log('debug', `Resource group ${key} ${op}: ${Date.now() - t0} ms from ${at} (${list.join(', ')} ms)`);
    }
  }

  /** StatGroup: ALL, SOME or NONE of the group's resources say they are running. */
  status(group: ResourceGroup): Promise<GroupStat> {
    return this.enqueue(group, async () => {
      // All at once: the daemon checks every group before it joins the cluster (reconcile).
      const held = (await Promise.all(group.resources.map((r) => this.owns(group, r)))).filter(Boolean).length;
      if (held === 0) return 'NONE';
      return held === group.resources.length ? 'ALL' : 'SOME';
    });
  }

  private enqueue<T>(group: ResourceGroup, op: () => Promise<T>): Promise<T> {
    const key = groupKey(group);
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(op, op);
    const tail = next.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return next;
  }

  private timeoutFor(op: ResourceOp): number {
    if (op === 'status') return this.deps.statusTimeoutMs ?? 30_000;
    return (op === 'start' ? this.deps.startTimeoutMs : this.deps.stopTimeoutMs) ?? 120_000;
  }

  /** doscript(): locate, log "Running ...", run, log a non-zero return code. */
  private async doScript(group: ResourceGroup, r: ResourceSpec, op: ResourceOp, quiet = false): Promise<OpResult> {
    const { log } = this.deps;
    const key = groupKey(group);
    const where = locateScript(r.name, this.deps.dirs);
    if (!where.ok) {
      log.log('error', `Cannot locate resource script ${r.name}`);
      log.log('error', `Resource ${r.spec} (group ${key}) ${op}: ${where.reason}`);
      return { ok: false, missing: true, reason: `cannot locate resource script ${r.name}: ${where.reason}`, output: '', stdout: '' };
    }
    const args = scriptArgs(r, op);
    if (!quiet) log.log('info', `Running ${where.path} ${r.args.join(' ')} ${op}`);
    const timeoutMs = this.timeoutFor(op);
    const running = { script: `${where.path} ${[...r.args, op].join(' ')}`, pid: null as number | null, since: Date.now() };
    this.active.add(running);
    const res = await this.runFn(where.path, args, { timeoutMs, env: this.deps.env, maxOutputBytes: 32 * 1024, onSpawn: (pid) => (running.pid = pid) }).finally(() => this.active.delete(running));
    this.timings.get(key)?.push(`${r.name} ${op} ${Math.round(res.durationMs)}`);
    const runs = this.scriptRunsOf(r.spec, op);
    runs.seconds.observe(res.durationMs / 1000);
    const output = [res.stdout, res.stderr].filter((s) => s !== '').join(res.stdout.endsWith('\n') ? '' : '\n');
    if (res.code === 0 && !res.timedOut && !res.error) return { ok: true, missing: false, reason: '', output, stdout: res.stdout };
    const reason = describeResult(res, timeoutMs) + (res.truncated ? ' (output truncated)' : '');
    // A status that says "stopped" exits non-zero by design (LSB 3): not a failure.
    if (op !== 'status') runs.failures++;
    if (op !== 'status') {
      if (res.code !== null && !res.timedOut) log.log('error', `Return code ${res.code} from ${where.path}`);
      log.log('error', `Resource ${r.spec} (group ${key}) ${op} failed: ${reason}`);
      if (output.trim() !== '') log.log('info', `Output of ${where.path} ${op}: ${clip(output)}`);
    }
    return { ok: false, missing: false, reason, output, stdout: res.stdout };
  }

  private scriptRunsOf(resource: string, op: ResourceOp): ScriptRuns {
    const k = `${resource}\t${op}`;
    let runs = this.scriptRuns.get(k);
    if (!runs) this.scriptRuns.set(k, (runs = { resource, op, seconds: new Histogram(SCRIPT_BUCKETS_S), failures: 0 }));
    return runs;
  }

  /** we_own_resource(): runs `status` and reads its stdout like ResourceManager does. */
  private async owns(group: ResourceGroup, r: ResourceSpec): Promise<boolean> {
    const where = locateScript(r.name, this.deps.dirs);
    if (!where.ok) return false;
    const res = await this.doScript(group, r, 'status', true);
    return statusSaysRunning(res.stdout);
  }

  private async doStart(group: ResourceGroup): Promise<GroupOutcome> {
    const { log } = this.deps;
    const key = groupKey(group);
    if (this.states.get(key) === 'stop-failed') {
      const reason = `resource group ${key} is marked failed after a failed stop; not starting it (clear it first)`;
      log.log('error', reason);
      return { group: key, op: 'start', ok: false, stopFailed: true, failure: { resource: key, op: 'start', reason, output: '' } };
    }
    this.states.set(key, 'starting');
    log.log('info', `Acquiring resource group: ${groupLine(group)}`);
    // ResourceManager: `we_own_resource || doscript start` per resource. The status checks run all at
    // once up front (one script's time instead of the sum: this is on the failover path); a status
    // never depends on an earlier resource having been started by us, only on what runs already.
    const running = await Promise.all(group.resources.map((r) => this.owns(group, r)));
    for (const [i, r] of group.resources.entries()) {
      if (running[i]) continue;
      const res = await this.doScript(group, r, 'start');
      if (res.ok) continue;
      log.log('crit', `Giving up resources due to failure of ${r.spec}`);
      // Roll back what this attempt touched: the failed resource (a half start) and those before it.
      const touched = group.resources.slice(0, i + 1).filter((_r, j) => j < i || !res.missing);
      const undo = await this.doStop(group, touched);
      this.states.set(key, undo.stopFailed ? 'stop-failed' : 'stopped');
      return {
        group: key,
        op: 'start',
        ok: false,
        stopFailed: undo.stopFailed,
        failure: { resource: r.spec, op: 'start', reason: res.reason, output: res.output },
      };
    }
    this.states.set(key, 'started');
    return { group: key, op: 'start', ok: true, stopFailed: false };
  }

  /** giveupresourcegroup(): stop right to left, retrying each failed stop. */
  private async doStop(group: ResourceGroup, resources: readonly ResourceSpec[]): Promise<GroupOutcome> {
    const { log } = this.deps;
    const key = groupKey(group);
    const wasFailed = this.states.get(key) === 'stop-failed';
    this.states.set(key, 'stopping');
    log.log('info', `Releasing resource group: ${groupLine(group)}`);
    const max = this.deps.stopRetries ?? 10;
    const interval = this.deps.stopRetryIntervalMs ?? 1000;
    let failure: ResourceFailure | undefined;
    for (const r of [...resources].reverse()) {
      let res = await this.doScript(group, r, 'stop');
      if (res.missing) {
        // Nothing we can run will ever stop it, and nothing ran it either: say so and move on.
        log.log('warn', `Resource ${r.spec} (group ${key}): no script to stop it with; treating it as stopped`);
        continue;
      }
      for (let tries = 0; !res.ok && tries < max; tries += 1) {
        await this.sleepFn(interval);
        log.log('info', `Retrying failed stop operation [${r.spec}]`);
        res = await this.doScript(group, r, 'stop');
      }
      if (res.ok) continue;
      if (!(await this.owns(group, r))) {
        log.log('error', `Resource script for ${r.spec} probably not LSB-compliant.`);
        log.log('warn', `it (${r.spec}) MUST succeed on a stop when already stopped`);
        log.log('warn', 'Machine reboot narrowly avoided!');
        continue;
      }
      log.log('crit', 'Resource STOP failure. Reboot required!');
      log.log(
        'crit',
        `Not rebooting: resource ${r.spec} of group ${key} is still running after ${max + 1} stop attempts (${res.reason}); ` +
          'the group is marked failed and will not be started again until an operator clears it',
      );
      failure ??= { resource: r.spec, op: 'stop', reason: res.reason, output: res.output };
    }
    const stopFailed = failure !== undefined || (wasFailed && resources.length === 0);
    this.states.set(key, stopFailed ? 'stop-failed' : 'stopped');
    return { group: key, op: 'stop', ok: !stopFailed, stopFailed, ...(failure ? { failure } : {}) };
  }
}

function clip(s: string): string {
  const t = s.trim().replace(/\n/g, ' | ');
  return t.length > OUTPUT_LOG_CHARS ? `${t.slice(0, OUTPUT_LOG_CHARS)} ...` : t;
}
