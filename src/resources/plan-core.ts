// Shared machinery of the resource planner: the per-step context, sends with Heartbeat's own-message
// loopback, stability, and the job queue that stands in for Heartbeat's resource-management children.
// Pure: no I/O, no timers.
import type { Level } from '../log/types.js';
import type { HbMessage } from '../wire/types.js';
import {
  FOREIGN_RSC,
  LOCAL_RSC,
  RSC_WORD,
  msg,
  type GroupHeld,
  type Job,
  type PlanEffect,
  type PlanState,
  type RscMask,
  type RscStatus,
  type RunningJob,
} from './plan-types.js';
import { RESOURCE } from '../wire/types-v1.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type MutState = Omit<Mutable<PlanState>, 'groups' | 'queue' | 'fails' | 'failAt'> & { groups: GroupHeld[]; queue: Job[]; fails: number[]; failAt: number[] };

export interface Ctx {
  readonly s: MutState;
  readonly fx: PlanEffect[];
  readonly at: number;
  /** Our own messages, delivered back to us after the current handler, as Heartbeat's loopback does. */
  readonly selfQueue: HbMessage[];
  /** For a 'give' job: whether we held the group when it began. */
  giveWeOwn?: boolean;
}

export function log(c: Ctx, level: Level, text: string): void {
  c.fx.push({ kind: 'log', level, text });
}

export const nice = (s: MutState | PlanState): boolean => s.cfg.autoFailback !== 'legacy';
export const word = (m: RscMask): string => RSC_WORD[m];

/** Send a message; types Heartbeat acts on when they come back from itself are queued for self-delivery. */
export function send(c: Ctx, m: HbMessage, self = true): void {
  c.fx.push({ kind: 'send', msg: m });
  if (self) c.selfQueue.push(m);
}

/** hb_send_resources_held(): only in nice_failback (auto_failback on|off) mode. */
export function sendResourcesHeld(c: Ctx, stable: boolean, comment?: string): void {
  if (!nice(c.s)) return;
  const pairs: [string, string][] = [
    ['t', RESOURCE],
    ['rsc_hold', word(c.s.iHold)],
    ['rtype', 'full'],
    ['isstable', stable ? '1' : '0'],
  ];
  if (comment !== undefined) pairs.push(['info', comment]);
  // Not in Heartbeat, which ignores fields it does not know: the start-failure policy's facts.
  const failed = failedMask(c.s, false, c.at);
  const blocked = failedMask(c.s, true, c.at);
  if (failed !== 0) pairs.push(['failed', word(failed)]);
  if (blocked !== 0) pairs.push(['blocked', word(blocked)]);
  const stuck = stuckMask(c.s);
  if (stuck !== 0) pairs.push(['stopfailed', word(stuck)]);
  send(c, msg(...pairs));
}

/** Classes (our terms) with a group whose stop failed here: it may still run. */
export function stuckMask(s: MutState | PlanState): RscMask {
  let m = 0;
  s.cfg.groups.forEach((g, i) => {
    if (s.groups[i] === 'failed') m |= g.node === s.cfg.thisNode ? LOCAL_RSC : FOREIGN_RSC;
  });
  return m as RscMask;
}

/**
 * The peer's last report said its stop of this group's class failed, and it is not up to claim it
 * now: the group may still run there. With no STONITH to make sure it does not, nobody starts it
 * here until the operator runs `heartbeat cleanup` (as Pacemaker blocks a resource whose stop
 * failed on an unfenced node).
 */
export function peerMayRun(s: MutState | PlanState, g: number): boolean {
  const grp = s.cfg.groups[g];
  if (grp === undefined || s.peerUp) return false;
  return (s.peerStuck & (grp.node === s.cfg.thisNode ? FOREIGN_RSC : LOCAL_RSC)) !== 0;
}

/** Does a group of this class (our terms) run here, or may it (a failed stop)? */
export function runsAny(s: MutState | PlanState, set: RscMask): boolean {
  return s.cfg.groups.some((g, i) => s.groups[i] !== 'no' && ((g.node === s.cfg.thisNode ? LOCAL_RSC : FOREIGN_RSC) & set) !== 0);
}

/** Tell the LAN again where the addresses of every group running here are (gratuitous ARP). */
export function reannounceHeld(c: Ctx): void {
  c.s.cfg.groups.forEach((g, i) => {
    if (c.s.groups[i] === 'yes') c.fx.push({ kind: 'reannounce', group: i, key: g.key });
  });
}

/** A failed start counts for this long; after that the group may be tried here again. */
export const FAILURE_TIMEOUT_MS = 600_000;
/** Failed starts on one node before it stops trying the group (Pacemaker's migration-threshold). */
export const MIGRATION_THRESHOLD = 3;

export function failureLive(s: MutState | PlanState, g: number, at: number): boolean {
  return (s.fails[g] ?? 0) > 0 && at - (s.failAt[g] ?? 0) < FAILURE_TIMEOUT_MS;
}

export function blockedHere(s: MutState | PlanState, g: number, at: number): boolean {
  return (s.fails[g] ?? 0) >= MIGRATION_THRESHOLD && failureLive(s, g, at);
}

/** Classes (our terms) with a group that failed to start here (blocked: that will not be tried here). */
export function failedMask(s: MutState, blockedOnly: boolean, at: number): RscMask {
  let m = 0;
  s.cfg.groups.forEach((g, i) => {
    const hit = blockedOnly ? blockedHere(s, i, at) : failureLive(s, i, at);
    if (hit) m |= g.node === s.cfg.thisNode ? LOCAL_RSC : FOREIGN_RSC;
  });
  return m as RscMask;
}

/** AnnounceTakeover(): the start-up line, once, when both halves of the initial work are done. */
export function announce(c: Ctx, reason: string): void {
  const s = c.s;
  if (s.announced || !s.localDone || !s.foreignDone) return;
  log(c, 'info', `Initial resource acquisition complete (${reason})`);
  s.announced = true;
}

export function jobsIdle(s: MutState | PlanState): boolean {
  return s.job === null && s.queue.length === 0;
}

/** hb_rsc_isstable(): what cl_status rscstatus shows as a class instead of "transition". */
export function isStable(s: MutState | PlanState): boolean {
  if (!nice(s)) return jobsIdle(s);
  if (s.shutdownInProgress && s.rstate === 'init') return true;
  return (
    s.otherStable &&
    !s.takeoverInProgress &&
    s.standby === 'not' &&
    s.standbyDeadline === 0 &&
    jobsIdle(s) &&
    (s.rstate === 'stable' || s.rstate === 'shutdown' || s.rstate === 'init')
  );
}

export function rscStatusOf(s: MutState | PlanState): RscStatus {
  return isStable(s) ? (RSC_WORD[s.iHold] ?? 'none') : 'transition';
}

/** Group indexes of a class, seen from this node: local = ours in haresources, foreign = the peer's. */
export function groupsOf(s: MutState, set: RscMask): number[] {
  const out: number[] = [];
  s.cfg.groups.forEach((g, i) => {
    const mine = g.node === s.cfg.thisNode;
    if ((mine && set & LOCAL_RSC) || (!mine && set & FOREIGN_RSC)) out.push(i);
  });
  return out;
}

export function groupsOfNode(s: MutState, node: string): number[] {
  const out: number[] = [];
  s.cfg.groups.forEach((g, i) => {
    if (g.node === node) out.push(i);
  });
  return out;
}

/** Starts in haresources order, stops in reverse; operations that would change nothing are left out. */
export function startSteps(s: MutState, groups: readonly number[]): RunningJob['steps'] {
  return groups.filter((g) => s.groups[g] !== 'yes').map((g) => ({ op: 'start' as const, group: g }));
}
export function stopSteps(s: MutState, groups: readonly number[]): RunningJob['steps'] {
  return [...groups]
    .reverse()
    .filter((g) => s.groups[g] !== 'no')
    .map((g) => ({ op: 'stop' as const, group: g }));
}

export function enqueue(c: Ctx, job: Job): void {
  c.s.queue.push(job);
}

export function emitStep(c: Ctx, step: RunningJob['steps'][number]): void {
  const key = c.s.cfg.groups[step.group]?.key ?? '';
  c.fx.push(step.op === 'start' ? { kind: 'start-group', group: step.group, key } : { kind: 'stop-group', group: step.group, key });
}


/** req_our_resources(getthemanyway). */
export function reqOurResources(c: Ctx, anyway: boolean): void {
  const s = c.s;
  if (s.shutdownInProgress) return;
  if (nice(s)) {
    const taken = (s.otherHolds & FOREIGN_RSC) !== 0 || (s.iHold & LOCAL_RSC) !== 0;
    if (taken && !anyway && s.standby === 'not') {
      log(c, 'info', 'Local Resource acquisition completed. (none)');
      return;
    }
    s.iHold = (s.iHold | LOCAL_RSC) as RscMask;
  }
  enqueue(c, { kind: 'req-our' });
}
