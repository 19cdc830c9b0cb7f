// The jobs that replace Heartbeat's resource-management children (req_our_resources, go_standby,
// mach_down, hb_giveup_resources, rc.d/ip-request[-resp]). One job at a time, one group operation at a
// time, so a group never has two operations running. Pure: no I/O, no timers.
import {
  FAILURE_TIMEOUT_MS,
  MIGRATION_THRESHOLD,
  announce,
  emitStep,
  groupsOf,
  groupsOfNode,
  peerMayRun,
  log,
  nice,
  send,
  sendResourcesHeld,
  startSteps,
  stopSteps,
  word,
  type Ctx,
} from './plan-core.js';
import { ALL_RSC, FOREIGN_RSC, LOCAL_RSC, NO_RSC, msg, type Job, type PlanEvent, type RscMask, type RunningJob } from './plan-types.js';
import { ASK_RESOURCES, IP_REQUEST, IP_REQUEST_RESP, RESOURCE, SHUTDONE } from '../wire/types-v1.js';

const RSC_MGR = '/usr/share/heartbeat/ResourceManager';

/** go_standby(): which groups a standby job acts on ("actresources"). */
function actOn(who: 'me' | 'other', set: RscMask): RscMask {
  if (set === NO_RSC) return NO_RSC;
  if (set === FOREIGN_RSC) return who === 'me' ? FOREIGN_RSC : LOCAL_RSC;
  if (set === LOCAL_RSC) return who === 'me' ? LOCAL_RSC : FOREIGN_RSC;
  return ALL_RSC;
}

/**
 * Not in Heartbeat, which reboots the machine when a stop fails: a class with a group that failed to
 * stop stays ours (it may still run here), so the 'done' offers the peer only the classes really let
 * go. Otherwise the peer starts the group beside the copy still running here.
 */
function narrowToReleased(c: Ctx, act: RscMask): void {
  const s = c.s;
  let stuck = 0;
  const keys: string[] = [];
  s.cfg.groups.forEach((g, i) => {
    const bit = g.node === s.cfg.thisNode ? LOCAL_RSC : FOREIGN_RSC;
    if ((act & bit) === 0 || s.groups[i] !== 'failed') return;
    stuck |= bit;
    keys.push(g.key);
  });
  if (stuck === 0) return;
  s.standbyType = (s.standbyType & ~stuck) as RscMask;
  // goStandby() let go of the claim up front; what still runs here is claimed again in our reports
  // (the peer waits for the next one: plan-standby.ts).
  s.iHold = (s.iHold | stuck) as RscMask;
  log(c, 'error', `Standby: ${keys.join(', ')} failed to stop and may still run here: kept, and ${s.cfg.peer} is offered our ${word(s.standbyType)} resources only.`);
}

/** Leaves out, with a CRIT line, the groups whose stop failed on the dead peer (peerMayRun). */
function notStuckOnPeer(c: Ctx, groups: readonly number[]): number[] {
  return groups.filter((g) => {
    if (!peerMayRun(c.s, g)) return true;
    const key = c.s.cfg.groups[g]?.key ?? '';
    log(c, 'crit', `Not taking over ${key}: ${c.s.cfg.peer} failed to stop it and may still run it, and no STONITH device is configured. Once it is stopped there: heartbeat cleanup ${key}`);
    return false;
  });
}

function begin(c: Ctx, job: Job): RunningJob['steps'] {
  const s = c.s;
  const me = s.cfg.thisNode;
  switch (job.kind) {
    case 'req-our': {
      const local = groupsOf(s, LOCAL_RSC);
      const steps = startSteps(s, notStuckOnPeer(c, local));
      // req_resource: alone or nice_failback -> pretend the owner agreed (ip-request-resp to self);
      // legacy with the peer up -> ask it politely with ip-request and wait for its answer.
      const ask = !nice(s) && s.peerUp;
      for (const st of steps) {
        const key = s.cfg.groups[st.group]?.key ?? '';
        if (ask) send(c, msg(['t', IP_REQUEST], ['ipaddr', key]), false);
        else send(c, msg(['t', IP_REQUEST_RESP], ['dest', me], ['ipaddr', key], ['weown', 'yes'], ['ok', 'OK']), false);
      }
      if (local.length === 0) log(c, 'info', `No local resources [${RSC_MGR} listkeys ${me}] to acquire.`);
      else log(c, 'info', 'Local Resource acquisition completed.');
      sendResourcesHeld(c, true, 'req_our_resources()');
      return ask ? [] : steps;
    }
    case 'standby': {
      const act = actOn(job.who, job.set);
      log(c, 'info', `${job.who === 'me' ? 'give up' : 'acquire'} ${word(act)} HA resources (standby).`);
      const gs = groupsOf(s, act);
      return job.who === 'me' ? stopSteps(s, gs) : startSteps(s, gs);
    }
    case 'mach-down': {
      const gs = notStuckOnPeer(c, groupsOfNode(s, job.node));
      for (const g of gs) log(c, 'info', `Taking over resource group ${s.cfg.groups[g]?.key ?? ''}`);
      return startSteps(s, gs);
    }
    case 'giveup-all':
      log(c, 'info', 'Giving up all HA resources.');
      return stopSteps(s, s.cfg.groups.map((_, i) => i));
    case 'take':
      return startSteps(s, [job.group]);
    case 'give':
      c.giveWeOwn = s.groups[job.group] !== 'no';
      return stopSteps(s, [job.group]);
    case 'yield':
      // The claim goes with the last stop (finish): until then the addresses are still up here.
      log(c, 'warn', `${s.cfg.peer} holds resource groups that it prefers and so do we: releasing them here (the preferred node keeps a group).`);
      return stopSteps(s, groupsOf(s, job.set).filter((g) => s.groups[g] === 'yes'));
  }
}

function finish(c: Ctx, job: Job, weOwn: boolean): void {
  const s = c.s;
  switch (job.kind) {
    case 'req-our':
      // RscMgmtProcessDied("req_our_resources")
      s.localDone = true;
      announce(c, 'req_our_resources');
      return;
    case 'standby': {
      const act = actOn(job.who, job.set);
      log(c, 'info', `${word(act)} HA resource ${job.who === 'me' ? 'release' : 'acquisition'} completed (standby).`);
      if (job.who === 'me') narrowToReleased(c, act);
      // The peer has just let these go: a group we ran already (its start skipped) sent no ARP, and
      // the LAN may still point at the peer (simulator seed 40186 once standbys outlive a restart).
      else for (const g of groupsOf(s, act)) if (s.groups[g] === 'yes') c.fx.push({ kind: 'reannounce', group: g, key: s.cfg.groups[g]?.key ?? '' });
      send(c, msg(['t', ASK_RESOURCES], ['rsc_hold', word(s.standbyType)], ['info', 'done']));
      return;
    }
    case 'mach-down':
      if (nice(s)) {
        // The mach_down script's message; Heartbeat notes the takeover when it comes back to itself.
        send(c, msg(['t', RESOURCE], ['rsc_hold', 'foreign'], ['info', 'mach_down']));
      } else {
        s.foreignDone = true;
        announce(c, 'status');
      }
      log(c, 'info', `mach_down takeover complete for node ${job.node}.`);
      return;
    case 'giveup-all': {
      const unreleased = s.cfg.groups.filter((_g, i) => s.groups[i] === 'failed').map((g) => g.key);
      if (unreleased.length === 0) log(c, 'info', 'All HA resources relinquished.');
      else log(c, 'error', `Not all HA resources relinquished: ${unreleased.join(', ')} failed to stop and may still run here.`);
      send(c, msg(['t', SHUTDONE], ['st', 'dead']), false);
      c.fx.push({ kind: 'shutdown-complete', unreleased });
      return;
    }
    case 'take':
      return;
    case 'give': {
      const key = s.cfg.groups[job.group]?.key ?? '';
      send(c, msg(['t', IP_REQUEST_RESP], ['dest', s.cfg.peer], ['ipaddr', key], ['weown', weOwn ? 'yes' : 'no'], ['ok', 'OK']), false);
      return;
    }
    case 'yield':
      s.iHold = (s.iHold & ~job.set) as RscMask;
      sendResourcesHeld(c, true);
      return;
  }
}

/** Start queued jobs while nothing runs. Returns true when it did something. */
export function pump(c: Ctx): boolean {
  let did = false;
  while (c.s.job === null && c.s.queue.length > 0) {
    const job = c.s.queue.shift() as Job;
    did = true;
    c.giveWeOwn = undefined;
    const steps = begin(c, job);
    const first = steps[0];
    if (first === undefined) {
      finish(c, job, c.giveWeOwn ?? false);
      continue;
    }
    c.s.job = c.giveWeOwn === undefined ? { job, steps } : { job, steps, weOwn: c.giveWeOwn };
    emitStep(c, first);
  }
  return did;
}

type GroupDone = Extract<PlanEvent, { kind: 'group-done' }>;

/** A start/stop finished: record it, run the job's next step or finish the job. */
export function onGroupDone(c: Ctx, e: GroupDone): void {
  const s = c.s;
  const key = s.cfg.groups[e.group]?.key ?? `#${e.group}`;
  if (e.op === 'start') {
    if (e.ok) s.groups[e.group] = 'yes';
    else {
      log(c, 'crit', `Giving up resources due to failure of ${e.failed ?? key}`);
      s.fails[e.group] = (s.fails[e.group] ?? 0) + 1;
      s.failAt[e.group] = c.at;
      if ((s.fails[e.group] ?? 0) === MIGRATION_THRESHOLD) {
        log(c, 'crit', `Resource group ${key} failed to start ${MIGRATION_THRESHOLD} times here: not starting it here again for ${FAILURE_TIMEOUT_MS / 60_000} min (or until heartbeat restarts here).`);
      }
      s.groups[e.group] = e.rolledBack === false ? 'failed' : 'no';
      if (e.rolledBack === false) log(c, 'error', `Resource group ${key} could not be stopped again: state unknown.`);
    }
  } else if (e.ok) s.groups[e.group] = 'no';
  else {
    s.groups[e.group] = 'failed';
    log(c, 'error', `Resource group ${key} failed to stop: state unknown.`);
  }
  const run = s.job;
  const head = run?.steps[0];
  if (run === null || head === undefined || head.group !== e.group || head.op !== e.op) {
    log(c, 'warn', `Unexpected ${e.op} result for resource group ${key}.`);
    return;
  }
  const rest = run.steps.slice(1);
  const next = rest[0];
  if (next !== undefined) {
    s.job = { ...run, steps: rest };
    emitStep(c, next);
    return;
  }
  s.job = null;
  finish(c, run.job, run.weOwn ?? false);
}
