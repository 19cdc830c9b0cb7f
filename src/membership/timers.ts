// Everything the membership core does because time passed: keepalive status messages, dead nodes and
// links (Heartbeat's check_for_timeouts), Comm_now_up, repeated NS_rexmit requests, and the next wake-up.
import type { HbField } from '../wire/types.js';
import type { NodeStatus } from './types.js';
import { type CoreState, type NodeState, type Out, deadInterval } from './state.js';
import { REXMIT_BATCH, dueRexmits, nextRexmitDue, resetAfterDeath } from './seq-track.js';
import { fields, hex, str } from './fields.js';
import { NS_REXMIT, STATUS, isNsType } from '../wire/types-v1.js';

const DEFAULT_EXTRA_DT_MS = 2000;
const DEFAULT_EXTRA_FOR_MS = 5000;

/** Number and emit one message. NS_* types carry no seq (HEARTBEAT-WIRE.md §5). */
export function emitSend(s: CoreState, out: Out, msgFields: readonly HbField[], dest?: string): void {
  const t = msgFields.find((f) => f.name === 't');
  const type = t && t.type === 0 ? t.value : '';
  const d = dest ?? str({ fields: msgFields }, 'dest');
  const base = d === undefined ? {} : { dest: d };
  if (isNsType(type)) out.push({ kind: 'send', fields: msgFields, ...base });
  else out.push({ kind: 'send', fields: msgFields, seq: ++s.seq, ...base });
}

/** The `dt` we announce: deadtime, plus 2000 ms for the first ~5 s (seen in every capture, s1 and s5). */
export function announcedDeadtime(s: CoreState, at: number): number {
  const extraFor = s.cfg.startupExtraForMs ?? DEFAULT_EXTRA_FOR_MS;
  const extra = s.cfg.startupExtraDeadtimeMs ?? DEFAULT_EXTRA_DT_MS;
  return at - s.startAt < extraFor ? s.cfg.deadtimeMs + extra : s.cfg.deadtimeMs;
}

export function sendStatus(s: CoreState, out: Out, at: number): void {
  const f = fields(['t', STATUS], ['st', s.localStatus], ['dt', hex(announcedDeadtime(s, at))]);
  if (s.flowControl) f.push({ name: 'protocol', type: 0, value: '1' });
  emitSend(s, out, f);
  s.statusSentAt = at;
}

/** Heartbeat's set_local_status: send first, then log. */
export function setLocalStatus(s: CoreState, out: Out, status: NodeStatus, at: number): void {
  if (s.localStatus === status) return;
  s.localStatus = status;
  sendStatus(s, out, at);
  out.log('info', `Local status now set to: '${status}'`);
}

/**
 * Heartbeat's change_link_status: `Link bravo:eth0 up.` A link never heard on goes dead silently:
 * the real 3.0.6 logs no `Link x:y dead.` for a node silent since start (cl_status then says dead).
 */
export function setLinkStatus(out: Out, node: string, link: { name: string; status: string }, status: 'up' | 'dead'): void {
  const wasInit = link.status === 'init';
  link.status = status;
  if (!(wasInit && status === 'dead')) out.log('info', `Link ${node}:${link.name} ${status}.`);
  out.push({ kind: 'link-status', node, link: link.name, status });
}

/** Heartbeat's mark_node_dead: log, status dead, tell the resource layer, forget sequence state. */
export function markNodeDead(out: Out, n: NodeState): void {
  out.log('warn', `node ${n.name}: is dead`);
  const previous = n.status;
  n.status = 'dead';
  out.push({ kind: 'node-status', node: n.name, status: 'dead', previous });
  if (n.type === 'normal') out.push({ kind: 'node-dead', node: n.name, cause: n.leaving ? 'graceful' : 'crash' });
  n.leaving = false;
  resetAfterDeath(n.track);
}

/** Dead when silent for MORE than the interval (Heartbeat compares lastupdate >= now - dead_ticks). */
export function checkTimeouts(s: CoreState, out: Out, at: number): void {
  for (const n of s.nodes.values()) {
    if (n.status !== 'dead' && at - n.lastHeardAt > deadInterval(s, n)) markNodeDead(out, n);
  }
  for (const n of s.nodes.values()) {
    const limit = deadInterval(s, n);
    for (const l of n.links.values()) {
      if (l.status !== 'dead' && at - l.lastAt > limit) {
        if (l.status === 'up') l.health.deaths++;
        setLinkStatus(out, n.name, l, 'dead');
      }
    }
  }
}

/**
 * When initdead runs out, the real one logs `node x: is dead`, then Comm_now_up and goes active,
 * and only then takes over the dead node's resources. So a node-dead raised in the same step as
 * comm-up goes after it: the resource layer must not act while we are still 'up' (it would see its
 * own `resource` message in state init).
 */
function deadAfterCommUp(out: Out, mark: number): void {
  const fx = out.effects;
  const up = fx.findIndex((e, i) => i >= mark && e.kind === 'comm-up');
  if (up < 0) return;
  const dead = fx.slice(mark, up).filter((e) => e.kind === 'node-dead');
  if (dead.length === 0) return;
  const rest = fx.slice(mark).filter((e) => e.kind !== 'node-dead' || fx.indexOf(e) > up);
  fx.splice(mark, fx.length - mark, ...rest.slice(0, rest.indexOf(fx[up]!) + 1), ...dead, ...rest.slice(rest.indexOf(fx[up]!) + 1));
}

/** Heartbeat's check_comm_isup: every node heard from or declared dead. */
export function checkCommUp(s: CoreState, out: Out, at: number): void {
  if (s.commUp || !s.started) return;
  for (const n of s.nodes.values()) if (!n.anyPackets && n.status !== 'dead') return;
  s.commUp = true;
  out.log('info', 'Comm_now_up(): updating status to active');
  setLocalStatus(s, out, 'active', at);
  out.push({ kind: 'comm-up' });
}

/**
 * Heartbeat asks for each missing seq in its own NS_rexmit; we ask for each run of consecutive ones
 * in one (both answer firstseq..lastseq, up to 50 a request). With 16 nodes, one request per seq
 * fed a storm: a node that lost 20 packets from each of 15 peers multicast 300 requests every
 * 250 ms, everyone had to read them, fell behind, lost more, and asked again.
 */
export function seqRuns(sorted: readonly number[], max: number): [number, number][] {
  const runs: [number, number][] = [];
  for (const seq of sorted) {
    const r = runs.at(-1);
    if (r && seq === r[1] + 1 && seq - r[0] < max) r[1] = seq;
    else runs.push([seq, seq]);
  }
  return runs;
}

export function sendRexmitRequests(s: CoreState, out: Out, at: number): void {
  for (const n of s.nodes.values()) {
    if (n.type !== 'normal' || n.status === 'dead' || n.track.missing.size === 0) continue;
    for (const [first, last] of seqRuns(dueRexmits(n.track, at), REXMIT_BATCH)) {
      emitSend(s, out, fields(['t', NS_REXMIT], ['dest', n.name], ['firstseq', String(first)], ['lastseq', String(last)]));
      s.counters.rexmitRequestsSent++;
    }
  }
}

/**
 * Our keepalive, when due. Also checked after each received message: a burst of them (peers paced
 * into one phase, each heard for the first time by a starting node) can take longer than a
 * keepalive to read, and our own status must not wait for the timer behind it.
 */
export function sendStatusIfDue(s: CoreState, out: Out, at: number): void {
  if (at < s.nextStatusAt) return;
  if (s.statusSentAt !== at) sendStatus(s, out, at);
  const k = s.cfg.keepaliveMs;
  s.nextStatusAt += k;
  // After a stall, keep the phase but do not send a burst.
  if (s.nextStatusAt <= at) s.nextStatusAt += Math.ceil((at - s.nextStatusAt + 1) / k) * k;
}

export function onTick(s: CoreState, out: Out, at: number): void {
  for (const l of s.drops.flush(at)) out.log(l.level, l.text);
  sendStatusIfDue(s, out, at);
  const mark = out.effects.length;
  checkTimeouts(s, out, at);
  checkCommUp(s, out, at);
  deadAfterCommUp(out, mark);
  sendRexmitRequests(s, out, at);
}

/** The earliest time anything above has work to do. */
export function nextWake(s: CoreState): number | undefined {
  if (!s.started || s.stopped) return undefined;
  let w = s.nextStatusAt;
  const min = (t: number | undefined): void => {
    if (t !== undefined && t < w) w = t;
  };
  for (const n of s.nodes.values()) {
    const limit = deadInterval(s, n);
    if (n.status !== 'dead') min(n.lastHeardAt + limit + 1);
    for (const l of n.links.values()) if (l.status !== 'dead') min(l.lastAt + limit + 1);
    if (n.status !== 'dead') min(nextRexmitDue(n.track));
  }
  min(s.drops.nextDue());
  return w;
}
