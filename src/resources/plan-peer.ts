// Peer lifecycle for the resource planner: shutdown notice, death, restart, partition return, our own
// graceful shutdown, and legacy (auto_failback legacy) ip-request handling. Pure: no I/O, no timers.
import { factClaims } from './plan-converge.js';
import { enqueue, jobsIdle, log, nice, reannounceHeld, reqOurResources, send, sendResourcesHeld, type Ctx } from './plan-core.js';
import { ALL_RSC, FOREIGN_RSC, LOCAL_RSC, NO_RSC, msg, type Job, type RscMask } from './plan-types.js';
import { IP_REQUEST_RESP, STONITH } from '../wire/types-v1.js';

/** HBDoMsg_T_SHUTDONE from the peer: take everything now, without waiting for deadtime. */
export function shutdone(c: Ctx): void {
  const s = c.s;
  let standbyJob: Job | undefined;
  if (nice(s) && s.rstate !== 'init') {
    s.otherStable = true;
    s.otherHolds = NO_RSC;
    if (s.iHold !== ALL_RSC && !s.shutdownInProgress) {
      const rtype: RscMask = s.iHold === FOREIGN_RSC ? LOCAL_RSC : s.iHold === LOCAL_RSC ? FOREIGN_RSC : ALL_RSC;
      s.standby = 'done';
      standbyJob = { kind: 'standby', who: 'other', set: rtype };
    }
  }
  s.peerHasResources = false;
  log(c, 'info', `Received shutdown notice from '${s.cfg.peer}'.`);
  takeoverFromNode(c, standbyJob);
  // After a split-brain heal the peer may have held our addresses too, and its IPaddr stop sends
  // no ARP: the LAN keeps its MAC until the ARP entries expire (~30 s, seen with a real 3.0.6 peer,
  // which restarts itself after a heal). Groups we already hold are not started again, so no
  // IPaddr start announces them: we do.
  reannounceHeld(c);
}

/** takeover_from_node(): our local groups (req_our_resources), then the peer's (mach_down). */
export function takeoverFromNode(c: Ctx, before?: Job): void {
  const s = c.s;
  if (s.shutdownInProgress) {
    log(c, 'info', 'Resource takeover cancelled - shutdown in progress.');
    return;
  }
  log(c, 'info', `Resources being acquired from ${s.cfg.peer}.`);
  if (nice(s)) {
    s.iHold = (s.iHold | FOREIGN_RSC) as RscMask;
    s.otherHolds = NO_RSC;
    s.otherStable = true;
    s.takeoverInProgress = true;
  }
  reqOurResources(c, true);
  if (before !== undefined) enqueue(c, before);
  enqueue(c, { kind: 'mach-down', node: s.cfg.peer });
  s.peerAnyPackets = true;
}

/** What we learnt about the peer's start-up is void once it died, restarted or was cut off. */
function forgetPeerStart(c: Ctx): void {
  c.s.peerStarting = false;
  c.s.peerReported = false;
  c.s.startingResent = false;
  c.s.fastTakeAt = 0;
}

/**
 * Not in Heartbeat: a takeover still queued behind another job (a hanging stop, say) is void once
 * the peer is back: it may start its groups itself, and both would (simulator seed 1219, 200ms/1s
 * off). The groups go to whoever the converge rules pick; the peer learns we do not hold them.
 */
function dropStaleTakeover(c: Ctx): void {
  const s = c.s;
  const before = s.queue.length;
  s.queue = s.queue.filter((j) => j.kind !== 'mach-down');
  if (s.queue.length === before) return;
  log(c, 'info', `Takeover of ${s.cfg.peer}'s resource groups cancelled: ${s.cfg.peer} is back.`);
  s.takeoverInProgress = false;
  s.iHold = factClaims(s);
  sendResourcesHeld(c, s.rstate === 'stable');
}

/** hb_rsc_recover_dead_resources(). */
export function peerDead(c: Ctx): void {
  const s = c.s;
  s.peerUp = false;
  forgetPeerStart(c);
  if (s.standby !== 'not') {
    log(c, 'info', 'Cancelling pending standby operation');
    s.standby = 'not';
    s.standbyDeadline = 0;
    if (!s.otherStable && s.iHold === ALL_RSC) s.otherStable = true;
  }
  if (s.shutdownInProgress) return;
  // Not in Heartbeat: with the peer dead there is nothing left to negotiate, so we are stable.
  // Left in STARTING, a node that took over during its start-up could not resolve a double
  // holding when the peer came back, until RQSTDELAY (simulator seed 15, 200ms/1s).
  if (nice(s) && (s.rstate === 'starting' || s.rstate === 'bothstarting' || s.rstate === 'rscrcvd')) s.rstate = 'stable';
  s.needsFailback = true;
  const gaveUp = s.peerAnyPackets && (nice(s) ? s.otherHolds === NO_RSC : !s.peerHasResources);
  if (!gaveUp) {
    send(c, msg(['t', STONITH], ['node', s.cfg.peer], ['result', 'n_stnth']), false);
    log(c, 'warn', 'No STONITH device configured.');
    log(c, 'warn', 'Shared disks are not protected.');
    takeoverFromNode(c);
    return;
  }
  log(c, 'info', `Dead node ${s.cfg.peer} gave up resources.`);
  send(c, msg(['t', STONITH], ['node', s.cfg.peer], ['result', 'unneeded']), false);
  if (!nice(s)) return takeoverFromNode(c);
  if (s.iHold === ALL_RSC) {
    s.otherStable = true;
    return;
  }
  if ((s.iHold & LOCAL_RSC) === 0) reqOurResources(c, true);
  if ((s.iHold & FOREIGN_RSC) === 0) takeoverFromNode(c);
}

export function peerRestarted(c: Ctx, generation?: number): void {
  const s = c.s;
  const hadOurs = (s.otherHolds & FOREIGN_RSC) !== 0;
  forgetPeerStart(c);
  s.peerRscSeq = 0; // a new generation numbers from 1 again
  // A request we answered that came from the new incarnation itself (it can overtake the status
  // that tells us of the restart) stands: the peer carries it out and waits for us (simulator
  // seed 60141, 1s/3s off, with failed stops drawn).
  const fresh = s.standby === 'other' && generation !== undefined && s.standbyPeerGen === generation;
  if (s.standby !== 'not' && !fresh) {
    log(c, 'info', 'Cancelling pending standby operation');
    s.standby = 'not';
    s.standbyDeadline = 0;
  }
  s.otherHolds = NO_RSC;
  s.otherStable = false;
  s.peerHasResources = false;
  s.peerStuck = NO_RSC; // its start-up released what it still ran; its reports say what failed
  dropStaleTakeover(c);
  // Its start-up released whatever it still ran from before (reconcile on start), possibly our
  // addresses after a cut: the LAN may hold its MAC for them, so announce what we hold again.
  reannounceHeld(c);
  if (hadOurs && s.rstate === 'stable') reqOurResources(c, true);
}

export function partitionReturn(c: Ctx): void {
  const s = c.s;
  forgetPeerStart(c);
  if (s.shutdownInProgress) return;
  log(c, 'warn', `Partition healed: asking ${s.cfg.peer} what it runs; a group that both nodes run stays with its preferred node.`);
  s.standby = 'not';
  s.standbyDeadline = 0;
  s.takeoverInProgress = false;
  // Until its next report, the peer may hold anything: when that report shows what it let go of,
  // we announce the groups we kept (reannounceReleased), after its addresses are down, not before.
  s.otherHolds = ALL_RSC;
  s.otherStable = false;
  s.rstate = 'stable';
  s.peerUp = true;
  s.peerHasResources = true;
  s.awaitPeerReport = true;
  s.iHold = factClaims(s);
  // An unstable report, then a stable one: the peer (ours or Heartbeat 3.0.6) answers the change to
  // stable with its own full report, and plan-converge.ts decides from both.
  sendResourcesHeld(c, false, QUERY);
  sendResourcesHeld(c, true);
}

/** `info` of a resource report that asks the peer for its own (our peers answer; 3.0.6 ignores it). */
export const QUERY = 'query';

/**
 * Not in Heartbeat: the peer talks again after we had it dead, or for the first time.
 * Whatever each side did meanwhile, the two exchange full reports and plan-converge.ts sorts out
 * who keeps what. Without it a node that started during a cut and a holder whose links came back
 * each kept the group (simulator seed 5, 200ms/1s).
 */
export function peerAppeared(c: Ctx): void {
  const s = c.s;
  if (!nice(s) || s.shutdownInProgress || s.rstate === 'init') return;
  s.peerUp = true;
  dropStaleTakeover(c);
  s.awaitPeerReport = true;
  s.iHold = factClaims(s);
  sendResourcesHeld(c, s.rstate === 'stable', QUERY);
  // A peer first heard now may be a restart we never saw the earlier life of: its reconcile may
  // just have released our addresses (simulator seed 107, 200ms/1s off).
  reannounceHeld(c);
}

/** hb_giveup_resources(): release everything, then shutdone. */
export function giveupResources(c: Ctx): void {
  const s = c.s;
  if (s.shutdownInProgress) return;
  if (!jobsIdle(s)) {
    if (!s.needsShutdown) log(c, 'warn', 'Shutdown delayed until current resource activity finishes.');
    s.needsShutdown = true;
    return;
  }
  s.needsShutdown = false;
  s.shutdownInProgress = true;
  s.iHold = NO_RSC;
  s.rstate = 'shutdown';
  s.standby = 'not';
  s.standbyDeadline = 0;
  sendResourcesHeld(c, false, 'shutdown');
  log(c, 'info', `Heartbeat shutdown in progress. (${s.cfg.pid})`);
  enqueue(c, { kind: 'giveup-all' });
}

/** rc.d/ip-request (legacy): give the group up if we run it, then answer. */
export function ipRequest(c: Ctx, key: string | undefined): void {
  const s = c.s;
  const g = s.cfg.groups.findIndex((x) => x.key === key);
  if (key === undefined) return;
  if (g < 0) {
    send(c, msg(['t', IP_REQUEST_RESP], ['dest', s.cfg.peer], ['ipaddr', key], ['weown', 'no'], ['ok', 'OK']), false);
    return;
  }
  enqueue(c, { kind: 'give', group: g });
}

/** rc.d/ip-request-resp (legacy): the owner let go, take the group. */
export function ipRequestResp(c: Ctx, f: Map<string, string>): void {
  const s = c.s;
  const key = f.get('ipaddr');
  const g = s.cfg.groups.findIndex((x) => x.key === key);
  log(c, 'info', `received ip-request-resp ${key ?? ''} ${f.get('ok') ?? ''} ${f.get('weown') ?? ''}`);
  if (g >= 0 && f.get('ok') === 'OK' && !s.shutdownInProgress) enqueue(c, { kind: 'take', group: g });
}
