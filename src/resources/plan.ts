// Pure v1 resource planner: who holds which haresources group, wire-compatible with Heartbeat 3.0.6
// (hb_resource.c: process_resources, req_our_resources, hb_rsc_recover_dead_resources, takeover_from_node,
// hb_giveup_resources). Pure: no I/O, no timers; time comes in as `at`, the daemon arms `wake-at`.
//
// Deviations from Heartbeat, on purpose:
// - Shutdown waits only for our own running group operations, never for the peer (Heartbeat can hang
//   in "transition" for ever, BEHAVIOUR.md Q1).
// - Partition return: Heartbeat restarts itself completely. We keep the groups whose preferred node
//   (first word of the haresources line) is us, re-announce them, and release the others; both sides
//   compute the same rule, so each group ends with exactly one holder. A real Heartbeat peer restarts
//   anyway and its shutdone hands us the rest.
// - Peer restarted with a new generation while it held our groups (crash + fast restart): it holds
//   nothing now, so we take our own groups back at once instead of leaving them orphaned.
// - Group operations run one at a time (Heartbeat's children may overlap, BEHAVIOUR.md Q15).
// - Both nodes starting: we take our local groups as soon as it is proven safe (bothStartingProof)
//   instead of after RQSTDELAY (10 s), and we send 'starting' a second time when the peer's came
//   after ours, to get the report that proof needs. A real Heartbeat peer answers it as usual and
//   takes its own groups when it sees our isstable=1 report, so both sides skip the 10 s.
import { converge } from './plan-converge.js';
import { announce, log, nice, peerMayRun, reqOurResources, rscStatusOf, send, sendResourcesHeld, type Ctx, type MutState } from './plan-core.js';
import { onGroupDone, pump } from './plan-jobs.js';
import { QUERY, giveupResources, ipRequest, ipRequestResp, partitionReturn, peerAppeared, peerDead, peerRestarted, shutdone } from './plan-peer.js';
import { adminStandby, askForResources, checkStandbyTimer, peerTakeover, performAutoFailback } from './plan-standby.js';
import {
  ALL_RSC,
  FOREIGN_RSC,
  LOCAL_RSC,
  NO_RSC,
  encodeRsc,
  fieldsOf,
  msg,
  type PlanConfig,
  type PlanEffect,
  type PlanEvent,
  type PlanState,
  type RscMask,
  type RscStatus,
} from './plan-types.js';
import { ASK_RESOURCES, HB_TAKEOVER, IP_REQUEST, IP_REQUEST_RESP, RESOURCE, SHUTDONE, STARTING } from '../wire/types-v1.js';

export * from './plan-types.js';

export function initPlan(cfg: PlanConfig): PlanState {
  const s: PlanState = {
    cfg,
    rstate: 'init',
    iHold: NO_RSC,
    otherHolds: NO_RSC,
    otherStable: false,
    standby: 'not',
    standbyType: ALL_RSC,
    standbyDeadline: 0,
    askedUntil: 0,
    standbyPeerGen: -1,
    bothOwn: 0,
    takeoverInProgress: false,
    needsFailback: false,
    autoFailbackRetryAt: 0,
    localDone: false,
    foreignDone: false,
    announced: false,
    rscrcvdDeadline: 0,
    peerStarting: false,
    peerReported: false,
    startingResent: false,
    fastTakeAt: 0,
    peerUp: false,
    peerAnyPackets: false,
    peerHasResources: false,
    needsShutdown: false,
    shutdownInProgress: false,
    groups: cfg.groups.map(() => 'no' as const),
    fails: cfg.groups.map(() => 0),
    failAt: cfg.groups.map(() => 0),
    peerFailed: NO_RSC,
    peerBlocked: NO_RSC,
    reportedFailed: NO_RSC,
    peerStuck: NO_RSC,
    reportedStuck: NO_RSC,
    awaitPeerReport: false,
    peerRscSeq: 0,
    convergeAt: 0,
    job: null,
    queue: [],
    lastStatus: 'transition',
  };
  return { ...s, lastStatus: rscStatusOf(s) };
}

/** cl_status rscstatus: none|local|foreign|all, or transition while anything moves. */
export function rscStatus(s: PlanState): RscStatus {
  return rscStatusOf(s);
}

export function stepPlan(state: PlanState, e: PlanEvent): { state: PlanState; effects: PlanEffect[] } {
  const s: MutState = { ...state, groups: [...state.groups], queue: [...state.queue], fails: [...state.fails], failAt: [...state.failAt] };
  const c: Ctx = { s, fx: [], at: e.at, selfQueue: [] };
  checkStandbyTimer(c);
  handle(c, e);
  settle(c);
  const status = rscStatusOf(s);
  if (status !== s.lastStatus) {
    s.lastStatus = status;
    c.fx.push({ kind: 'rscstatus', value: status });
  }
  const wake = nextWake(s);
  if (wake !== null) c.fx.push({ kind: 'wake-at', at: wake });
  return { state: s, effects: c.fx };
}

function handle(c: Ctx, e: PlanEvent): void {
  const s = c.s;
  switch (e.kind) {
    case 'comm-up':
      return commUp(c, e.peerUp);
    case 'peer-dead':
      return peerDead(c);
    case 'peer-restarted':
      return peerRestarted(c, e.generation);
    case 'partition-return':
      return partitionReturn(c);
    case 'peer-appeared':
      return peerAppeared(c);
    case 'message':
      // Only a live peer sends: after its restart no comm-up comes again to say so.
      if (e.from === s.cfg.peer) {
        s.peerAnyPackets = true;
        s.peerUp = true;
      }
      return onMessage(c, fieldsOf(e.msg), e.from === s.cfg.thisNode);
    case 'standby':
      return adminStandby(c, e.which);
    case 'takeover':
      send(c, msg(['t', HB_TAKEOVER], ['rsc_hold', e.which], ['src', s.cfg.thisNode]), false);
      return;
    case 'ipfail-giveup':
      // ipfail's giveup(): an API client message, so src sits before info (as captured in s5).
      send(
        c,
        msg(
          ['t', ASK_RESOURCES],
          ['rsc_hold', e.which],
          ['src', s.cfg.thisNode],
          ['info', 'me'],
          ['from_id', 'ipfail'],
          ['to_id', 'ipfail'],
          ['client_gen', '0'],
        ),
      );
      return;
    case 'shutdown':
      return giveupResources(c);
    case 'group-done':
      return onGroupDone(c, e);
    case 'cleanup':
      return cleanup(c, e.groups);
    case 'tick':
      return tick(c);
  }
}

/**
 * `heartbeat cleanup`: the operator says the cause is fixed. A group whose stop failed counts as
 * stopped again and its failed starts are forgotten; settle()'s converge then starts it where the
 * rules say, and correctClaims() tells the peer the failure marks are gone.
 */
function cleanup(c: Ctx, groups: readonly number[]): void {
  const s = c.s;
  for (const g of groups) {
    const key = s.cfg.groups[g]?.key;
    if (key === undefined) continue;
    const peerBit = s.cfg.groups[g]?.node === s.cfg.thisNode ? FOREIGN_RSC : LOCAL_RSC;
    const what = [
      s.groups[g] === 'failed' ? 'failed stop' : '',
      (s.fails[g] ?? 0) > 0 ? `${s.fails[g]} failed start(s)` : '',
      peerMayRun(s, g) ? `${s.cfg.peer}'s failed stop` : '',
    ].filter(Boolean);
    if (what.length === 0) continue;
    if (peerMayRun(s, g)) s.peerStuck = (s.peerStuck & ~peerBit) as RscMask;
    if (s.groups[g] === 'failed') s.groups[g] = 'no';
    s.fails[g] = 0;
    s.failAt[g] = 0;
    log(c, 'info', `Resource group ${key}: ${what.join(' and ')} cleared by the operator.`);
  }
}

/** Deliver our own messages back to ourselves and start queued jobs until nothing is left. */
function settle(c: Ctx): void {
  for (let guard = 0; guard < 1000; guard++) {
    const m = c.selfQueue.shift();
    if (m !== undefined) {
      onMessage(c, fieldsOf(m), true);
      continue;
    }
    if (!pump(c)) break;
  }
  if (c.s.needsShutdown) giveupResources(c);
  for (let m = c.selfQueue.shift(); m !== undefined; m = c.selfQueue.shift()) onMessage(c, fieldsOf(m), true);
  pump(c);
  if (converge(c)) pump(c);
}

/** The peer let go of groups we hold: the LAN may still send to its MAC, so announce ours again. */
function reannounceReleased(c: Ctx, released: RscMask): void {
  const s = c.s;
  // In the peer's terms: its local groups are our foreign ones, and the other way round.
  const ours = (((released & LOCAL_RSC) !== 0 ? FOREIGN_RSC : 0) | ((released & FOREIGN_RSC) !== 0 ? LOCAL_RSC : 0)) as RscMask;
  if (ours === NO_RSC) return;
  s.cfg.groups.forEach((g, i) => {
    const mine = g.node === s.cfg.thisNode;
    if (s.groups[i] === 'yes' && ((mine && ours & LOCAL_RSC) || (!mine && ours & FOREIGN_RSC))) {
      c.fx.push({ kind: 'reannounce', group: i, key: g.key });
    }
  });
}

function nextWake(s: MutState): number | null {
  const rscrcvd = s.rstate === 'rscrcvd';
  const ts = [s.standbyDeadline, s.autoFailbackRetryAt, rscrcvd ? s.rscrcvdDeadline : 0, rscrcvd ? s.fastTakeAt : 0, s.convergeAt].filter((t) => t > 0);
  return ts.length === 0 ? null : Math.min(...ts);
}

function tick(c: Ctx): void {
  const s = c.s;
  if (s.autoFailbackRetryAt !== 0 && c.at >= s.autoFailbackRetryAt) {
    s.autoFailbackRetryAt = 0;
    performAutoFailback(c);
  }
  // RQSTDELAY: in RSCRCVD nobody became stable; take our local groups (this, not initdead, is what
  // ended the both-starting wait in s1: bravo logged it 10 s after alpha's resource message).
  const fast = s.rstate === 'rscrcvd' && s.fastTakeAt !== 0 && c.at >= s.fastTakeAt && bothStartingProof(s);
  if (fast) {
    log(c, 'info', `Both nodes starting and ${s.cfg.peer} holds none of our resources: not waiting ${s.cfg.rscrcvdDelayMs / 1000} s for them.`);
  }
  if (fast || (s.rstate === 'rscrcvd' && s.rscrcvdDeadline !== 0 && c.at >= s.rscrcvdDeadline && !s.shutdownInProgress)) {
    s.fastTakeAt = 0;
    log(c, 'info', 'local resource transition completed.');
    s.rstate = 'stable';
    reqOurResources(c, false);
    sendResourcesHeld(c, true);
  }
}

/** comm_up_resource_action(). */
function commUp(c: Ctx, peerUp: boolean): void {
  const s = c.s;
  s.peerUp = peerUp;
  if (peerUp) {
    s.foreignDone = true; // no dead node: no foreign takeover work to do
    s.peerAnyPackets = true;
    s.peerHasResources = true;
  }
  if (nice(s)) {
    send(c, msg(['t', STARTING]), false);
    s.rstate = 'starting';
  } else {
    s.rstate = 'stable';
    reqOurResources(c, false);
  }
}


const upd = (full: boolean, cur: RscMask, up: RscMask): RscMask => (full ? up : up === NO_RSC ? NO_RSC : ((up | cur) as RscMask));

function onMessage(c: Ctx, f: Map<string, string>, fromMe: boolean): void {
  const s = c.s;
  const t = f.get('t');
  switch (t) {
    case STARTING:
    case RESOURCE:
      return processResources(c, t, f, fromMe);
    case ASK_RESOURCES:
      return askForResources(c, f, fromMe);
    case HB_TAKEOVER:
      if (!fromMe) peerTakeover(c, f.get('rsc_hold'));
      return;
    case SHUTDONE:
      if (!fromMe) shutdone(c);
      return;
    case IP_REQUEST:
      if (!fromMe) ipRequest(c, f.get('ipaddr'));
      return;
    case IP_REQUEST_RESP:
      if (!fromMe && f.get('dest') === s.cfg.thisNode) ipRequestResp(c, f);
      return;
    default:
      return;
  }
}

/** process_resources() for starting and resource messages (nice_failback only). */
function processResources(c: Ctx, type: 'starting' | 'resource', f: Map<string, string>, fromMe: boolean): void {
  const s = c.s;
  if (!nice(s)) return;
  let newr = s.rstate;
  // Remembered even in INIT, where Heartbeat only logs it (s1: bravo got alpha's 'starting' before its own comm-up).
  if (type === STARTING && !fromMe && s.rstate !== 'stable' && s.rstate !== 'shutdown') s.peerStarting = true;
  if (type === STARTING && !fromMe) {
    // Overtaken on another medium by a report sent after it, it would mark the peer unstable
    // again for good (simulator seed 1271, 1s/3s on: no failback).
    const sq = parseInt(f.get('seq') ?? '', 16);
    if (Number.isFinite(sq) && sq > 0 && sq < s.peerRscSeq) return;
    if (s.rstate === 'starting') {
      newr = 'bothstarting';
      s.foreignDone = true;
      announce(c, 'HB_R_BOTHSTARTING');
    } else if (s.rstate !== 'rscrcvd' && s.rstate !== 'stable' && s.rstate !== 'shutdown') {
      log(c, 'info', `Received 'starting' message in state ${stateNo(s.rstate)}`);
      return;
    }
    s.otherStable = false;
    if (s.takeoverInProgress) log(c, 'warn', 'T_STARTING received during takeover.');
    sendResourcesHeld(c, s.rstate === 'stable');
    // Not in Heartbeat. The peer came up after our 'starting' (in INIT it could not answer it), so
    // it will not report until it is stable, while waiting RQSTDELAY for us to be. One more
    // 'starting' asks for its report: a Heartbeat node answers 'starting' in any state from STARTING
    // on, and only marks us unstable (which we are). The report is what bothStartingProof() needs.
    if (!s.peerReported && !s.startingResent && s.rstate !== 'stable' && s.rstate !== 'shutdown') {
      s.startingResent = true;
      log(c, 'debug', `Asking ${s.cfg.peer} for its resource report (sending 'starting' again).`);
      send(c, msg(['t', STARTING]), false);
    }
  }
  if (type === RESOURCE && !fromMe) {
    // Two media can swap two reports (the membership layer delivers a late one when it fills the
    // gap): a report older than the newest one seen would undo it (simulator seed 1, 200ms/1s).
    // A peer that healed a partition asks what we run: answer even if the report itself is stale.
    if (f.get('info') === QUERY && s.rstate !== 'init') sendResourcesHeld(c, s.rstate === 'stable');
    const sq = parseInt(f.get('seq') ?? '', 16);
    if (Number.isFinite(sq) && sq > 0) {
      if (sq < s.peerRscSeq) return;
      s.peerRscSeq = sq;
    }
  }
  if (type === RESOURCE) {
    const n = encodeRsc(f.get('rsc_hold'));
    const full = f.get('rtype') === 'full';
    if (s.rstate === 'starting' || s.rstate === 'bothstarting') {
      newr = 'rscrcvd';
      if (s.cfg.autoFailback === 'off') {
        s.foreignDone = true;
        announce(c, 'T_RESOURCES');
      }
    } else if (s.rstate === 'init') {
      log(c, 'info', `resource message received in state ${stateNo(s.rstate)}`);
      return;
    }
    if (!fromMe) newr = peerResource(c, f, n, full, newr);
    else ownResource(c, f.get('info'), n, full, (r) => (newr = r));
    // A peer that asks what we run had declared us dead: it may have started our groups meanwhile,
    // perhaps only for a moment (a failed start rolled back), and its announce moved the LAN's ARP
    // entries. Announce what we hold and it does not claim (simulator seed 2088, 1s/3s off: we never
    // saw the partition ourselves); what it still claims is announced when it lets go.
    if (!fromMe && f.get('info') === QUERY) reannounceUnclaimed(c);
  }
  s.rstate = newr;
  if (s.rstate === 'rscrcvd' && s.rscrcvdDeadline === 0) s.rscrcvdDeadline = c.at + s.cfg.rscrcvdDelayMs;
  if (!bothStartingProof(s)) s.fastTakeAt = 0;
  else if (s.fastTakeAt === 0) s.fastTakeAt = c.at + s.cfg.bothStartSettleMs;
  audit(c);
}

/**
 * Both nodes starting: may we take our local groups now instead of after RQSTDELAY (10 s)?
 *
 * hb_resource.c's model: take everything unclaimed once the other side is stable; otherwise "take
 * only unclaimed local resources when a timer elapses" - the timer only breaks the deadlock of two
 * starting nodes each waiting for the other to become stable. We take the same groups, under the
 * same check (req_our_resources(FALSE): nobody reports holding them), as soon as the deadlock is
 * certain instead of when the timer says so:
 *  1. The peer sent `starting` during our start: it is starting too. Until it is stable a starting
 *     Heartbeat node acquires only its OWN local groups (req_our_resources(FALSE)); it gets ours
 *     only on our death (mach_down), our shutdone, a standby handshake (refused while either side
 *     is in flux) or auto-failback (only of groups it already holds) - none while we are starting
 *     and talking to it.
 *  2. Its latest full resource report has no FOREIGN bit. Heartbeat sets that bit BEFORE it starts
 *     acquiring another node's groups (takeover_from_node: "We MUST do this now, or the other side
 *     might ... think they can own their own resources"), so such a report means it is not taking ours.
 *  3. Nothing of ours is in flux (no standby, takeover or shutdown) and it is not stable (if it is,
 *     Heartbeat's own "remote resource transition completed" path runs instead).
 * The proof must stand for bothStartSettleMs (a reordered or re-sent message, not a safety margin).
 * A real Heartbeat peer still waits its own 10 s - unless it sees our isstable=1 report first,
 * which makes it take its own local groups at once (its T_RESOURCES(them) path). Two nodes that
 * both apply the rule each take only their own local groups, so no group is ever held twice.
 */
function bothStartingProof(s: MutState): boolean {
  return (
    nice(s) &&
    s.rstate === 'rscrcvd' &&
    s.peerStarting &&
    s.peerReported &&
    (s.otherHolds & FOREIGN_RSC) === 0 &&
    !s.otherStable &&
    s.standby === 'not' &&
    !s.takeoverInProgress &&
    !s.shutdownInProgress
  );
}

function reannounceUnclaimed(c: Ctx): void {
  const s = c.s;
  s.cfg.groups.forEach((g, i) => {
    const peerWord = g.node === s.cfg.thisNode ? FOREIGN_RSC : LOCAL_RSC;
    if (s.groups[i] === 'yes' && (s.otherHolds & peerWord) === 0) c.fx.push({ kind: 'reannounce', group: i, key: g.key });
  });
}

function peerResource(c: Ctx, f: Map<string, string>, n: RscMask, full: boolean, newr: MutState['rstate']): MutState['rstate'] {
  const s = c.s;
  const before = s.otherHolds;
  s.otherHolds = upd(full, s.otherHolds, n);
  if (full) {
    s.awaitPeerReport = false;
    s.peerFailed = encodeRsc(f.get('failed'));
    s.peerBlocked = encodeRsc(f.get('blocked'));
    s.peerStuck = encodeRsc(f.get('stopfailed'));
  }
  reannounceReleased(c, (before & ~s.otherHolds) as RscMask);
  if (full) s.peerReported = true;
  const st = f.get('isstable');
  if (st === '1') {
    if (!s.otherStable) {
      log(c, 'info', 'remote resource transition completed.');
      s.otherStable = true;
      sendResourcesHeld(c, s.rstate === 'stable');
      performAutoFailback(c);
    }
  } else if (st !== undefined) s.otherStable = false;
  if (s.rstate !== 'stable' && s.rstate !== 'shutdown' && s.otherStable) {
    log(c, 'info', 'remote resource transition completed.');
    reqOurResources(c, false);
    newr = 'stable';
    sendResourcesHeld(c, true);
    performAutoFailback(c);
    s.foreignDone = true;
    if (s.cfg.autoFailback !== 'on' && (s.otherHolds & FOREIGN_RSC) !== 0) s.localDone = true;
    announce(c, 'T_RESOURCES(them)');
  }
  return newr;
}

function ownResource(c: Ctx, info: string | undefined, n: RscMask, full: boolean, setState: (r: MutState['rstate']) => void): void {
  const s = c.s;
  s.iHold = upd(full, s.iHold, n);
  if ((s.iHold & LOCAL_RSC) !== 0) {
    s.localDone = true;
    announce(c, 'T_RESOURCES(us)');
  }
  if (info === 'mach_down') {
    log(c, 'info', 'mach_down takeover complete.');
    s.takeoverInProgress = false;
    s.iHold = (s.iHold | FOREIGN_RSC) as RscMask;
    s.needsFailback = true;
    s.otherStable = true;
    s.foreignDone = true;
    announce(c, 'mach_down');
  } else if (info === 'shutdown') setState('shutdown');
}

function stateNo(r: MutState['rstate']): number {
  return ['init', 'starting', 'bothstarting', 'rscrcvd', 'stable', 'shutdown'].indexOf(r);
}

/**
 * AuditResources(): only the double-ownership alarms. Heartbeat logs them on every resource
 * message; we log each once when it begins (a heal made ~33 lines a node in a second), and again
 * only after it has ended.
 */
function audit(c: Ctx): void {
  const s = c.s;
  const ours = (s.iHold & LOCAL_RSC) !== 0 && (s.otherHolds & FOREIGN_RSC) !== 0 ? 1 : 0;
  const foreign = (s.otherHolds & LOCAL_RSC) !== 0 && (s.iHold & FOREIGN_RSC) !== 0 ? 2 : 0;
  if (ours && !(s.bothOwn & 1)) log(c, 'error', 'Both machines own our resources!');
  if (foreign && !(s.bothOwn & 2)) log(c, 'error', 'Both machines own foreign resources!');
  s.bothOwn = ours | foreign;
}










/** The start-failure policy keeps `group` stopped on this node. */

/** The start-failure policy's view for the node core and the simulator. */
export { blockedHere, failureLive } from './plan-core.js';
export { retryAt } from './plan-converge.js';
