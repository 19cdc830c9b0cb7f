// `respawn USER PROGRAM [ARGS]` clients: run each as USER in its own process group, restart it when
// it dies (decideRespawn says when), and kill the groups when the daemon stops. Independent of the
// daemon: it needs a Log, a Clock for timers, and optionally a spawn/kill pair (tests fake them).
//
// Like Heartbeat (start_a_child_client): the program runs as `/bin/sh -c "exec COMMAND"`, so the
// command line means what it meant to Heartbeat; stdin/stdout/stderr are /dev/null; the program path
// must be executable before we bother to start it ("Cannot exec ...", and it is not retried).
// A program path ending in `ipfail` is not started: our built-in ipfail module does its work.
// Differences: supplementary groups are dropped (Node's spawn cannot call initgroups()), and the
// child gets a session of its own (setsid) rather than setpgid(0,0); both are groups we can kill.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Respawn } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { Log } from '../log/types.js';
import {
  HEARTBEAT_POLICY, INITIAL_COUNTERS, builtinIpfailLine, decideRespawn, isIpfail, killingLine, managedDiedLine,
  respawningLine, startingAsLine, startingChildLine, tooFastLine,
  type LogLine, type RespawnCounters, type RespawnPolicy,
} from './respawn-policy.js';
import { passwdLookup, type UserLookup } from './respawn-users.js';

export { isIpfail } from './respawn-policy.js';

export interface SpawnSpec {
  readonly file: string;
  readonly args: readonly string[];
  /** Only set when the client runs as someone else than this process. */
  readonly uid?: number;
  readonly gid?: number;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** The part of a ChildProcess the Respawner uses. */
export interface ChildLike {
  readonly pid?: number | undefined;
  once(event: 'exit', cb: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'error', cb: (err: Error) => void): unknown;
}

export type SpawnFn = (spec: SpawnSpec) => ChildLike;
/** Signal a whole process group. */
export type KillGroupFn = (pgid: number, signal: NodeJS.Signals) => void;

export interface RespawnerDeps {
  readonly log: Log;
  readonly clock: Clock;
  readonly spawnFn?: SpawnFn;
  readonly killFn?: KillGroupFn;
  /** USER to uid/gid (default: /etc/passwd). */
  readonly users?: UserLookup;
  /** The clients' environment (the daemon passes scriptEnv(): HA_* like Heartbeat). Default: minimal. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Returns why PATH cannot be executed, or null (default: access(X_OK)). */
  readonly canExec?: (path: string) => string | null;
  readonly policy?: Partial<RespawnPolicy>;
  /** How long stopAll() waits after SIGTERM before SIGKILL (default 5000 ms). */
  readonly stopGraceMs?: number;
  /** Our own uid/gid (default process.getuid/getgid): the same user is started without setuid. */
  readonly self?: { readonly uid: number; readonly gid: number };
}

export type ClientState = 'waiting' | 'running' | 'exited' | 'gave-up' | 'failed' | 'builtin' | 'stopped';

export interface ClientStatus {
  readonly command: string;
  readonly user: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly state: ClientState;
  readonly pid?: number;
  readonly starts: number;
  readonly respawns: number;
  readonly lastExit?: { readonly code: number | null; readonly signal: string | null };
  /** Clock time of the next start while state is 'waiting'. */
  readonly nextStartAt?: number;
}

interface Client {
  readonly cfg: Respawn;
  readonly command: string;
  uid?: number;
  gid?: number;
  state: ClientState;
  pid?: number;
  startedAt: number;
  starts: number;
  counters: RespawnCounters;
  lastExit?: { code: number | null; signal: string | null };
  nextStartAt?: number;
  cancelTimer?: () => void;
  /** Bumped per start, so late events from an older process are ignored. */
  gen: number;
  onGone?: () => void;
}

const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTDIR: 'Not a directory',
};

function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e.code && STRERROR[e.code]) ?? e.message ?? String(err);
}

export const nodeSpawn: SpawnFn = (spec) =>
  spawn(spec.file, [...spec.args], {
    stdio: 'ignore',
    detached: true, // own session and process group, so stopAll() can signal the whole group
    env: spec.env,
    ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
    ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
    ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
  });

export const killGroup: KillGroupFn = (pgid, signal) => {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone (ESRCH) */
  }
};

function defaultCanExec(path: string): string | null {
  try {
    accessSync(path, constants.F_OK | constants.X_OK);
    return null;
  } catch (err) {
    return errText(err);
  }
}

/** A small environment for clients when the daemon gives none. */
export function minimalEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: base.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
  for (const k of ['LANG', 'TZ']) if (base[k] !== undefined) env[k] = base[k];
  return env;
}

export class Respawner {
  private readonly clients: Client[] = [];
  private readonly policy: RespawnPolicy;
  private stopping = false;

  constructor(private readonly deps: RespawnerDeps) {
    this.policy = { ...HEARTBEAT_POLICY, ...deps.policy };
  }

  /** Start every respawn line (in ha.cf order); ipfail lines only log that the built-in one is used. */
  start(list: readonly Respawn[]): void {
    const users = this.deps.users ?? passwdLookup();
    for (const cfg of list) {
      const c: Client = {
        cfg, command: cfg.argv.join(' '), state: 'waiting', startedAt: 0, starts: 0, counters: INITIAL_COUNTERS, gen: 0,
      };
      this.clients.push(c);
      if (isIpfail(cfg.argv)) {
        c.state = 'builtin';
        this.emit(builtinIpfailLine(c.command));
        continue;
      }
      const ids = users(cfg.user);
      if (!ids) {
        c.state = 'failed';
        this.emit(['error', `Invalid uid [${cfg.user}] specified for client child "${c.command}"`]);
        continue;
      }
      c.uid = ids.uid;
      c.gid = ids.gid;
      if (!this.stopping) this.launch(c, 0);
    }
  }

  status(): ClientStatus[] {
    return this.clients.map((c) => ({
      command: c.command, user: c.cfg.user, state: c.state, starts: c.starts, respawns: c.counters.respawns,
      ...(c.uid !== undefined ? { uid: c.uid } : {}),
      ...(c.gid !== undefined ? { gid: c.gid } : {}),
      ...(c.pid !== undefined ? { pid: c.pid } : {}),
      ...(c.lastExit ? { lastExit: { ...c.lastExit } } : {}),
      ...(c.nextStartAt !== undefined ? { nextStartAt: c.nextStartAt } : {}),
    }));
  }

  /**
   * Daemon shutdown: no more restarts; SIGTERM to each running client's process group (last
   * started client first, like Heartbeat), SIGKILL to those still there after the grace.
   */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const kill = this.deps.killFn ?? killGroup;
    const grace = this.deps.stopGraceMs ?? 5000;
    const running: Client[] = [];
    for (const c of [...this.clients].reverse()) {
      if (c.cancelTimer) {
        c.cancelTimer();
        c.cancelTimer = undefined;
        c.nextStartAt = undefined;
        c.state = 'stopped';
      }
      if (c.state === 'running' && c.pid !== undefined) running.push(c);
    }
    await Promise.all(running.map(async (c) => {
      const pid = c.pid as number;
      const gone = new Promise<void>((resolve) => { c.onGone = resolve; });
      this.emit(killingLine(c.command, pid, 15));
      kill(pid, 'SIGTERM');
      if (await this.within(gone, grace)) return;
      this.emit(killingLine(c.command, pid, 9));
      kill(pid, 'SIGKILL');
      await this.within(gone, grace);
    }));
  }

  private within(p: Promise<void>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = this.deps.clock.setTimer(this.deps.clock.now() + ms, () => resolve(false));
      void p.then(() => {
        cancel();
        resolve(true);
      });
    });
  }

  private emit([level, message]: LogLine): void {
    this.deps.log.log(level, message);
  }

  /** start_a_child_client(): log, check the program, then spawn now or after the backoff delay. */
  private launch(c: Client, delayMs: number): void {
    this.emit(startingChildLine(c.command, c.uid ?? -1, c.gid ?? -1));
    const path = c.cfg.argv[0] ?? '';
    const why = (this.deps.canExec ?? defaultCanExec)(path);
    if (why !== null) {
      c.state = 'failed';
      this.emit(['error', `Cannot exec ${c.command}: ${why}`]);
      return;
    }
    if (delayMs <= 0) {
      this.spawnNow(c);
      return;
    }
    c.state = 'waiting';
    c.nextStartAt = this.deps.clock.now() + delayMs;
    c.cancelTimer = this.deps.clock.setTimer(c.nextStartAt, () => {
      c.cancelTimer = undefined;
      c.nextStartAt = undefined;
      if (!this.stopping) this.spawnNow(c);
    });
  }

  private spawnNow(c: Client): void {
    const self = this.deps.self ?? { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 };
    const asOther = c.uid !== self.uid || c.gid !== self.gid;
    const gen = ++c.gen;
    let child: ChildLike;
    try {
      child = (this.deps.spawnFn ?? nodeSpawn)({
        file: '/bin/sh',
        args: ['-c', `exec ${c.command}`],
        env: this.deps.env ?? minimalEnv(),
        ...(this.deps.cwd !== undefined ? { cwd: this.deps.cwd } : {}),
        ...(asOther ? { uid: c.uid as number, gid: c.gid as number } : {}),
      });
    } catch (err) {
      this.setupFailed(c, err);
      return;
    }
    child.once('error', (err) => {
      if (gen === c.gen && c.state !== 'running') this.setupFailed(c, err);
    });
    if (child.pid === undefined) return; // 'error' follows (e.g. EPERM for setuid when not root)
    c.pid = child.pid;
    c.state = 'running';
    c.starts++;
    c.startedAt = this.deps.clock.now();
    this.emit(startingAsLine(c.command, c.uid ?? -1, c.gid ?? -1, child.pid));
    child.once('exit', (code, signal) => {
      if (gen === c.gen) this.onExit(c, child.pid as number, code, signal);
    });
  }

  /** Heartbeat's child exits 100 when setuid fails, so it is never restarted. */
  private setupFailed(c: Client, err: unknown): void {
    c.state = 'failed';
    this.emit(['error', `Cannot setup child process ${c.command}: ${errText(err)}`]);
  }

  /** ManagedChildDied(). Deaths during shutdown are not logged (Heartbeat sets PT_LOGNONE on kill). */
  private onExit(c: Client, pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    c.pid = undefined;
    c.lastExit = { code, signal };
    const onGone = c.onGone;
    c.onGone = undefined;
    if (this.stopping) {
      c.state = 'stopped';
      onGone?.();
      return;
    }
    this.emit(managedDiedLine(c.command, pid, code, signal));
    const now = this.deps.clock.now();
    const { counters, decision } = decideRespawn(c.counters, { startedAt: c.startedAt, diedAt: now, exitCode: code, signal }, this.policy);
    c.counters = counters;
    if (decision.action === 'restart') {
      this.emit(respawningLine(c.command));
      this.launch(c, decision.delayMs);
    } else if (decision.reason === 'too-fast') {
      c.state = 'gave-up';
      this.emit(tooFastLine(c.command));
    } else {
      c.state = 'exited';
    }
  }
}
