// The hb_standby / hb_takeover handshake (ask_resources me -> other -> done), as in Heartbeat's
// ask_for_resources(), go_standby() and PerformAutoFailback(). Pure: no I/O, no timers.
import { enqueue, log, nice, runsAny, send, sendResourcesHeld, word, announce, type Ctx } from './plan-core.js';
import { ALL_RSC, FOREIGN_RSC, LOCAL_RSC, encodeRsc, msg, type RscMask, type StandbyPhase, type StandbyWhich } from './plan-types.js';
import { ASK_RESOURCES } from '../wire/types-v1.js';

const PHASE_NO: Readonly<Record<StandbyPhase, number>> = { not: 0, me: 1, other: 2, done: 3 };

/** go_standby(): ME gives up `set`, OTHER acquires what the other side gives up. */
export function goStandby(c: Ctx, who: 'me' | 'other', set: RscMask): void {
  const s = c.s;
  if (who === 'me') {
    // Tell the peer at once that we are no longer stable and no longer hold `set`.
    s.otherStable = false;
    s.iHold = (s.iHold & ~set) as RscMask;
    sendResourcesHeld(c, false, 'standby');
  }
  enqueue(c, { kind: 'standby', who, set });
}

export function sendStandby(c: Ctx, phase: 'me' | 'other' | 'done'): void {
  send(c, msg(['t', ASK_RESOURCES], ['rsc_hold', word(c.s.standbyType)], ['info', phase]));
}

/** ask_for_resources(): one ask_resources message, from the peer or from ourselves. */
export function askForResources(c: Ctx, f: Map<string, string>, fromMe: boolean): void {
  const s = c.s;
  if (!nice(s)) {
    log(c, 'info', 'Standby mode only implemented when nice_failback on');
    return;
  }
  if (s.rstate === 'shutdown') return;
  const info = f.get('info');
  const from = fromMe ? s.cfg.thisNode : s.cfg.peer;
  const hold = f.get('rsc_hold');
  const rtype: RscMask = hold === undefined ? ALL_RSC : encodeRsc(hold);
  if (info === undefined) {
    log(c, 'error', 'Received standby message without info/from');
    return;
  }
  const seq = parseInt(f.get('seq') ?? '', 16);
  if (s.standbyDeadline !== 0 && c.at < s.standbyDeadline && info === 'me') {
    const secs = Math.ceil((s.standbyDeadline - c.at) / 1000);
    log(c, 'warn', `Standby in progress- new request from ${from} ignored [${secs} seconds left]`);
    return;
  }
  const orig = s.standby;
  let ignored = false;
  switch (s.standby) {
    case 'not':
      if (!s.otherStable) {
        log(c, 'warn', `standby message [${info}] from ${from} ignored.  Other side is in flux.`);
        return;
      }
      if (s.rstate !== 'stable') {
        log(c, 'warn', `standby message [${info}] from ${from} ignored.  local resources in flux.`);
        return;
      }
      s.standbyType = rtype;
      if (!fromMe && info === 'other' && c.at < s.askedUntil) {
        // Not in Heartbeat: the answer to a request of ours that a heal reset here (it was still on
        // its way, or re-sent). The peer now waits for our 'done' (an hour, in Heartbeat): carry
        // the request out, as it was asked (simulator seeds 30479, 30683, 1s/3s off).
        s.askedUntil = 0;
        s.otherStable = false;
        s.standby = 'me';
        s.standbyDeadline = c.at + s.cfg.standbyRunTimeoutMs;
        log(c, 'info', `standby: ${from} can take our ${word(rtype)} resources`);
        goStandby(c, 'me', rtype);
        break;
      }
      if (info !== 'me') {
        ignored = true;
        break;
      }
      s.otherStable = false;
      log(c, 'info', `${from} wants to go standby [${word(rtype)}]`);
      if (fromMe) {
        s.standbyDeadline = c.at + s.cfg.standbyReplyTimeoutMs;
        s.askedUntil = s.standbyDeadline;
        s.standby = 'me';
      } else {
        s.standby = 'other';
        s.standbyPeerGen = parseInt(f.get('hg') ?? '', 16);
        sendStandby(c, 'other');
        s.standbyDeadline = c.at + s.cfg.standbyRunTimeoutMs;
      }
      break;
    case 'me':
      if (!fromMe) {
        s.standbyType = rtype;
        // One answer per request: a second 'other' (the peer saw our request twice, across its
        // reset of our sequence track) must not start a second give-up (simulator seed 40186).
        if (info === 'other' && s.askedUntil > 0) {
          s.askedUntil = 0;
          s.standbyDeadline = c.at + s.cfg.standbyRunTimeoutMs;
          log(c, 'info', `standby: ${from} can take our ${word(rtype)} resources`);
          goStandby(c, 'me', rtype);
        } else if (info === 'done') {
          // Not in Heartbeat, which ignores it and then waits an hour: the peer was busy with a
          // standby of its own and ignored ours, so nothing answers ours. Dropping it lets the
          // holdings be compared (plan-converge.ts) at once. Simulator seed 32, 1s/3s on.
          log(c, 'info', `Standby request cancelled: ${from} completed a standby of its own.`);
          s.standby = 'not';
          s.standbyDeadline = 0;
          s.otherStable = true;
          return;
        } else ignored = true;
      } else if (info === 'done') {
        log(c, 'info', `Local standby process completed [${word(rtype)}].`);
        s.standby = 'done';
        s.iHold = (s.iHold & ~s.standbyType) as RscMask;
        s.standbyDeadline = c.at + s.cfg.standbyRunTimeoutMs;
      } else ignored = true;
      break;
    case 'other':
      // Less than was asked: a stop failed there, and what it kept is claimed in a report that
      // may come after this 'done' (two media reorder); its report after our 'done' will say.
      if (info === 'done' && !fromMe && rtype !== s.standbyType) s.awaitPeerReport = true;
      s.standbyType = rtype;
      if (info === 'done') {
        s.standbyDeadline = c.at + s.cfg.standbyRunTimeoutMs;
        if (!fromMe) {
          log(c, 'info', `standby: acquire [${word(rtype)}] resources from ${from}`);
          goStandby(c, 'other', s.standbyType);
          s.standby = 'done';
        } else ignored = true;
      } else if (!fromMe || info !== 'other') ignored = true;
      break;
    case 'done':
      s.standbyType = rtype;
      if (info !== 'done') {
        ignored = true;
        break;
      }
      s.standbyDeadline = 0;
      s.standby = 'not';
      if (fromMe) {
        log(c, 'info', `Standby resource acquisition done [${word(rtype)}].`);
        if (s.cfg.autoFailback === 'on') {
          s.localDone = true;
          announce(c, 'auto_failback');
        }
        const rup = rtype === LOCAL_RSC ? FOREIGN_RSC : rtype === FOREIGN_RSC ? LOCAL_RSC : rtype;
        s.iHold = (s.iHold | rup) as RscMask;
      } else {
        log(c, 'info', `Other node completed standby takeover of ${word(rtype)} resources.`);
        // Not in Heartbeat: its report from before it took them would make the groups look unheld
        // here (simulator seed 1034, 200ms/1s on), and 'done' does not say whether its starts
        // worked (seed 85, 1s/3s on). The full report it sends right after 'done' says both; on
        // two media that report may have overtaken this 'done' already.
        if (!(seq > 0 && seq < s.peerRscSeq)) s.awaitPeerReport = true;
      }
      sendResourcesHeld(c, true);
      break;
  }
  if (ignored) log(c, 'info', `Ignored standby message '${info}' from ${from} in state ${PHASE_NO[orig]}`);
}

/** hb_standby [which]: the script logs, then writes ask_resources ... info=me for everyone, us included. */
export function adminStandby(c: Ctx, which: StandbyWhich): void {
  const what = which === 'failback' ? 'foreign' : which;
  log(c, 'info', `Going standby [${what}].`);
  send(c, msg(['t', ASK_RESOURCES], ['rsc_hold', what], ['info', 'me']));
}

/** rc.d/hb_takeover on the receiving node: run hb_standby with local<->foreign swapped.
 *  `failback` matches no case in the script, so hb_standby runs without argument (= all): kept as is. */
export function peerTakeover(c: Ctx, hold: string | undefined): void {
  const mapped: StandbyWhich = hold === 'local' ? 'foreign' : hold === 'foreign' ? 'local' : 'all';
  adminStandby(c, mapped);
}

/** PerformAutoFailback(): the holder of foreign groups offers them back (standby foreign). */
export function performAutoFailback(c: Ctx): void {
  const s = c.s;
  // Not in Heartbeat: only groups that really run here are offered back (a claim on a class
  // with no groups made both nodes offer at once after a heal: simulator seed 1, 1s/3s on), and
  // not while the peer's holdings are unknown or it runs them too (plan-converge.ts then decides).
  if (s.shutdownInProgress || !runsAny(s, FOREIGN_RSC) || !s.needsFailback || s.cfg.autoFailback !== 'on' || (s.otherHolds & LOCAL_RSC) !== 0) {
    s.needsFailback = false;
    return;
  }
  if (s.awaitPeerReport) {
    s.autoFailbackRetryAt = c.at + 1000;
    return;
  }
  if (s.standby !== 'not' || !s.otherStable || s.rstate !== 'stable') {
    log(c, 'debug', 'Auto failback delayed.');
    s.autoFailbackRetryAt = c.at + 1000;
    return;
  }
  s.standbyType = FOREIGN_RSC;
  sendStandby(c, 'me');
  s.needsFailback = false;
}

/** The standby timer (Heartbeat checks it on every message; we also check on ticks). */
export function checkStandbyTimer(c: Ctx): void {
  const s = c.s;
  if (s.standbyDeadline === 0 || c.at < s.standbyDeadline) return;
  s.standbyDeadline = 0;
  s.otherStable = true;
  s.standby = 'not';
  log(c, 'warn', 'No reply to standby request.  Standby request cancelled.');
}
