// Not in Heartbeat: the rules that make a pair converge whatever happened before, and the
// start-failure policy. Run after every planner step, once no job runs (plan.ts settle()).
//
// Facts first: what we claim to hold follows what really runs here, so a failed takeover never
// leaves a claim that makes the peer keep away from a group nobody serves. Then, while the peer is
// up and stable and we know its holdings, each group ends with exactly one holder:
//  - both hold it: the node that does not prefer it lets go (either side applies this rule, so it
//    does not matter which one saw the partition);
//  - nobody holds it: the preferred node starts it, unless its start failed there (then the other
//    node does); if both failed, the preferred node retries; a node never starts a group it is
//    blocked for.
// Alone (the peer dead or gone), a node retries a group whose start failed after a back-off of
// 2 s, 4 s, ... until MIGRATION_THRESHOLD failures block the group there. Failures expire after
// FAILURE_TIMEOUT_MS (or when the daemon restarts: the counts live in memory). The peer learns our failures from `failed=` and
// `blocked=` in our resource reports (a Heartbeat 3.0.6 peer ignores the two fields).
import { blockedHere, failedMask, failureLive, FAILURE_TIMEOUT_MS, jobsIdle, log, nice, peerMayRun, runsAny, sendResourcesHeld, stuckMask, type Ctx } from './plan-core.js';
import { FOREIGN_RSC, LOCAL_RSC, type PlanState, type RscMask } from './plan-types.js';

const BACKOFF_MS = 2000;
const BACKOFF_MAX_MS = 30_000;

/** Our class bit for a group; and the peer's word for the same class (its local = our foreign). */
const cls = (mine: boolean): RscMask => (mine ? LOCAL_RSC : FOREIGN_RSC);
const peerCls = (mine: boolean): RscMask => (mine ? FOREIGN_RSC : LOCAL_RSC);

export function backoff(fails: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MS * 2 ** Math.max(0, fails - 1));
}

function runsHealthy(s: Ctx['s'], set: RscMask): boolean {
  return s.cfg.groups.some((g, i) => s.groups[i] === 'yes' && (cls(g.node === s.cfg.thisNode) & set) !== 0);
}

/** Returns true when it queued a job. */
export function converge(c: Ctx): boolean {
  const s = c.s;
  s.convergeAt = 0;
  // Our own standby request still unanswered ('me'): letting go of what the peer prefers and runs
  // is what we asked for anyway, and the answer may never come (a one-way cut ate the request:
  // simulator seed 10993); everything else waits for the handshake.
  const asking = s.standby === 'me';
  if (!nice(s) || !jobsIdle(s) || s.shutdownInProgress || (s.standby !== 'not' && !asking) || s.takeoverInProgress) return false;
  if (s.rstate !== 'stable') return false;
  if (!asking) correctClaims(c);
  const me = s.cfg.thisNode;
  const groups = s.cfg.groups;
  if (s.peerUp) {
    if ((!s.otherStable && !asking) || s.awaitPeerReport) return false;
    // A group whose stop failed is left alone (the operator's, until cleanup): stopping it again
    // on every report made an endless loop of failing stops.
    if (runsHealthy(s, FOREIGN_RSC) && (s.otherHolds & LOCAL_RSC) !== 0) {
      s.queue.push({ kind: 'yield', set: FOREIGN_RSC });
      return true;
    }
    if (asking) return false;
    let queued = false;
    groups.forEach((g, i) => {
      const mine = g.node === me;
      if (s.groups[i] !== 'no' || (s.otherHolds & peerCls(mine)) !== 0 || blockedHere(s, i, c.at)) return;
      const iFailed = failureLive(s, i, c.at);
      const peerFailed = (s.peerFailed & peerCls(mine)) !== 0;
      const peerBlocked = (s.peerBlocked & peerCls(mine)) !== 0;
      const preferred = mine ? !iFailed || peerFailed : peerBlocked || (peerFailed && !iFailed);
      if (!preferred) return;
      if (iFailed && !retryDue(c, i)) return;
      log(c, 'info', `Resource group ${g.key} is held by neither node: starting it here${iFailed ? ' again' : ''}.`);
      s.queue.push({ kind: 'take', group: i });
      queued = true;
    });
    if (queued) s.iHold = claimsAfterTakes(c);
    return queued;
  }
  // Alone: everything is ours to hold; retry what failed, after its back-off. A group that is
  // simply not running (the peer died while we were still letting go of it: simulator seed 20873)
  // is started at once.
  let queued = false;
  groups.forEach((g, i) => {
    if (s.groups[i] !== 'no' || blockedHere(s, i, c.at) || peerMayRun(s, i)) return;
    if (!failureLive(s, i, c.at)) log(c, 'info', `Resource group ${g.key} is held by no live node: starting it here.`);
    else if (retryDue(c, i)) log(c, 'info', `Retrying resource group ${g.key} (start failed ${s.fails[i]} time(s) here; no other node can hold it).`);
    else return;
    s.queue.push({ kind: 'take', group: i });
    queued = true;
  });
  if (queued) s.iHold = claimsAfterTakes(c);
  armExpiry(c);
  return queued;
}

/** When the start-failure policy lets this node start the group again (0: no failure). */
export function retryAt(s: Ctx['s'] | PlanState, g: number): number {
  const n = s.fails[g] ?? 0;
  return n === 0 ? 0 : (s.failAt[g] ?? 0) + backoff(n);
}

function retryDue(c: Ctx, g: number): boolean {
  const s = c.s;
  const due = retryAt(s, g);
  if (c.at >= due) return true;
  s.convergeAt = s.convergeAt === 0 ? due : Math.min(s.convergeAt, due);
  return false;
}

function armExpiry(c: Ctx): void {
  const s = c.s;
  s.fails.forEach((n, g) => {
    if (n === 0) return;
    const exp = (s.failAt[g] ?? 0) + FAILURE_TIMEOUT_MS;
    if (exp > c.at) s.convergeAt = s.convergeAt === 0 ? exp : Math.min(s.convergeAt, exp);
  });
}

/** Claims after queueing takes: the classes of the groups we run or are about to start. */
function claimsAfterTakes(c: Ctx): RscMask {
  const s = c.s;
  let m = s.iHold as number;
  for (const j of s.queue) if (j.kind === 'take') m |= cls(s.cfg.groups[j.group]?.node === s.cfg.thisNode);
  return m as RscMask;
}

/**
 * Claims follow facts: a class with groups is claimed iff one of them runs here. A class without
 * groups keeps Heartbeat's claim (cl_status rscstatus shows `all` after a takeover).
 */
export function factClaims(s: Ctx['s']): RscMask {
  // While a job runs, a class it is starting is not running yet but is claimed rightly.
  if (!jobsIdle(s)) return (s.iHold | (runsAny(s, LOCAL_RSC) ? LOCAL_RSC : 0) | (runsAny(s, FOREIGN_RSC) ? FOREIGN_RSC : 0)) as RscMask;
  let m = 0;
  for (const bit of [LOCAL_RSC, FOREIGN_RSC] as const) {
    const empty = !s.cfg.groups.some((g) => cls(g.node === s.cfg.thisNode) === bit);
    if (empty ? (s.iHold & bit) !== 0 : runsAny(s, bit)) m |= bit;
  }
  return m as RscMask;
}

function correctClaims(c: Ctx): void {
  const s = c.s;
  const m = factClaims(s);
  const failed = failedMask(s, false, c.at);
  const stuck = stuckMask(s);
  if (m === s.iHold && failed === s.reportedFailed && stuck === s.reportedStuck) return;
  s.iHold = m as RscMask;
  s.reportedFailed = failed;
  s.reportedStuck = stuck;
  sendResourcesHeld(c, true);
}

