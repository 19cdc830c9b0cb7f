// The pure part of `respawn USER PROGRAM [ARGS]`: restart or not, when, and Heartbeat's log lines.
// No processes, no timers: times are plain numbers (ms), so tests feed fake clocks.
//
// Heartbeat 3.0.6 (heartbeat.c ManagedChildDied / start_a_child_client), checked against the real
// daemon on this machine:
// - exit code 100 is never restarted ("If they exit 100 we won't restart them");
// - a run shorter than 30 s is a quick death and counts in shortrcount; a longer run resets it;
// - after a quick death the new child sleeps 1 s before exec (so 11 starts take ~10 s);
// - when shortrcount > 10 (the 11th quick death in a row) it logs
//   `ERROR: Client CMD "respawning too fast"` and never restarts that client again.
// We keep the 30 s window and the give-up rule but make the delay grow (1 s, 2 s, 4 s ... bounded),
// as asked by the issue: a program that dies at once is throttled, never restarted in a tight loop.
import type { Level } from '../log/types.js';

export interface RespawnPolicy {
  /** A run shorter than this is a quick death (Heartbeat: 30000). */
  readonly quickMs: number;
  /** Give up on the quick death after this many in a row (Heartbeat: shortrcount > 10). Infinity never gives up. */
  readonly giveUpAfter: number;
  /** Delay after the first quick death in a row (Heartbeat's sleep(1)). */
  readonly firstDelayMs: number;
  /** The delay doubles per further quick death in a row, up to this. */
  readonly maxDelayMs: number;
}

export const HEARTBEAT_POLICY: RespawnPolicy = {
  quickMs: 30_000,
  giveUpAfter: 10,
  firstDelayMs: 1_000,
  maxDelayMs: 10_000,
};

/** Heartbeat's exit code for "do not restart me" (also used when the child cannot exec). */
export const NO_RESPAWN_EXIT = 100;

export interface RespawnCounters {
  /** Restarts so far (Heartbeat's respawncount). */
  readonly respawns: number;
  /** Quick deaths in a row (Heartbeat's shortrcount). */
  readonly quickDeaths: number;
}

export const INITIAL_COUNTERS: RespawnCounters = { respawns: 0, quickDeaths: 0 };

export interface Death {
  readonly startedAt: number;
  readonly diedAt: number;
  /** null when killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The daemon is stopping: nothing is restarted. */
  readonly shuttingDown?: boolean;
}

export type RespawnDecision =
  | { readonly action: 'restart'; readonly delayMs: number }
  | { readonly action: 'stop'; readonly reason: 'exit-100' | 'shutdown' | 'too-fast' };

/** Delay before the next start after `quickDeaths` quick deaths in a row (0 after a long run). */
export function backoffDelay(quickDeaths: number, p: RespawnPolicy = HEARTBEAT_POLICY): number {
  if (quickDeaths <= 0) return 0;
  const grown = p.firstDelayMs * 2 ** Math.min(quickDeaths - 1, 30);
  return Math.min(grown, p.maxDelayMs);
}

/** What to do when a respawned child has died. Returns the new counters with the decision. */
export function decideRespawn(
  c: RespawnCounters,
  d: Death,
  p: RespawnPolicy = HEARTBEAT_POLICY,
): { counters: RespawnCounters; decision: RespawnDecision } {
  if (d.shuttingDown) return { counters: c, decision: { action: 'stop', reason: 'shutdown' } };
  if (d.signal === null && d.exitCode === NO_RESPAWN_EXIT) {
    return { counters: c, decision: { action: 'stop', reason: 'exit-100' } };
  }
  const quick = d.diedAt - d.startedAt < p.quickMs;
  const quickDeaths = quick ? c.quickDeaths + 1 : 0;
  if (quickDeaths > p.giveUpAfter) {
    // Heartbeat resets shortrcount here; nothing restarts the client afterwards anyway.
    return { counters: { respawns: c.respawns, quickDeaths: 0 }, decision: { action: 'stop', reason: 'too-fast' } };
  }
  return {
    counters: { respawns: c.respawns + 1, quickDeaths },
    decision: { action: 'restart', delayMs: backoffDelay(quickDeaths, p) },
  };
}

// ---- Heartbeat's log lines (heartbeat.c, and clplumbing proctrack.c for the "Managed" ones) ----

export type LogLine = readonly [Level, string];

export function startingChildLine(command: string, uid: number, gid: number): LogLine {
  return ['info', `Starting child client "${command}" (${uid},${gid})`];
}

/** Note the two spaces before `gid`, as in Heartbeat. */
export function startingAsLine(command: string, uid: number, gid: number, pid: number): LogLine {
  return ['info', `Starting "${command}" as uid ${uid}  gid ${gid} (pid ${pid})`];
}

export function respawningLine(command: string): LogLine {
  return ['error', `Respawning client "${command}":`];
}

/** Heartbeat's odd quoting: the format is `Client %s "%s"` filled with the command and the phrase. */
export function tooFastLine(command: string): LogLine {
  return ['error', `Client ${command} "respawning too fast"`];
}

export function killingLine(command: string, pgid: number, signo: number): LogLine {
  return ['info', `killing ${command} process group ${pgid} with signal ${signo}`];
}

// glibc <bits/signum.h> comments, which cluster-glue prints in its death line
// (seen on the real one: `[SIGKILL - Kill, unblockable]`).
const SIGNAL_INFO: Readonly<Record<string, readonly [number, string]>> = {
  SIGHUP: [1, 'Hangup'],
  SIGINT: [2, 'Interrupt'],
  SIGQUIT: [3, 'Quit'],
  SIGILL: [4, 'Illegal instruction'],
  SIGTRAP: [5, 'Trace trap'],
  SIGABRT: [6, 'Abort'],
  SIGBUS: [7, 'BUS error'],
  SIGFPE: [8, 'Floating-point exception'],
  SIGKILL: [9, 'Kill, unblockable'],
  SIGUSR1: [10, 'User-defined signal 1'],
  SIGSEGV: [11, 'Segmentation violation'],
  SIGUSR2: [12, 'User-defined signal 2'],
  SIGPIPE: [13, 'Broken pipe'],
  SIGALRM: [14, 'Alarm clock'],
  SIGTERM: [15, 'Termination'],
};

/** proctrack.c's death line: WARN for a non-zero exit or a signal, info for exit 0. */
export function managedDiedLine(command: string, pid: number, exitCode: number | null, signal: string | null, signo?: number): LogLine {
  if (signal !== null) {
    const known = SIGNAL_INFO[signal];
    const n = known?.[0] ?? signo;
    if (known) return ['warn', `Managed ${command} process ${pid} killed by signal ${n} [${signal} - ${known[1]}].`];
    return ['warn', `Managed ${command} process ${pid} killed by signal ${n ?? signal}.`];
  }
  const code = exitCode ?? 0;
  return [code === 0 ? 'info' : 'warn', `Managed ${command} process ${pid} exited with return code ${code}.`];
}

/** Any program path ending in `ipfail` means our built-in ipfail module runs instead. */
export function isIpfail(argv: readonly string[]): boolean {
  const prog = argv[0];
  return prog !== undefined && /(^|\/)ipfail$/.test(prog);
}

export function builtinIpfailLine(command: string): LogLine {
  return ['info', `Built-in ipfail is active instead of child client "${command}" (not started)`];
}
