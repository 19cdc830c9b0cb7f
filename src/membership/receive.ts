// Handling of one received message (Heartbeat's process_clustermsg, should_drop_message and the
// HBDoMsg_T_* handlers that belong to membership). Pure: mutates CoreState, appends to Out.
import type { HbMessage } from '../wire/types.js';
import type { Level } from '../log/types.js';
import type { NodeStatus } from './types.js';
import { type CoreState, type NodeState, type Out, newNode } from './state.js';
import { REXMIT_BATCH, ackNeeded, checkSeq, type SeqVerdict } from './seq-track.js';
import { bin, fields, hex, parseDec, parseHex, str } from './fields.js';
import { checkCommUp, emitSend, sendStatus, setLinkStatus } from './timers.js';
import { noteLinkSeq, noteLinkStatus, noteNodeSeq } from './link-health.js';
import { NS_ACKMSG, NS_REXMIT, NS_ST, REPNODES, REQNODES, SHUTDONE, STATUS, isNsType } from '../wire/types-v1.js';

/** Heartbeat resends one slot not twice within 240 ms. */
const RESEND_QUIET_MS = 240;
export const MAX_MSG_HIST = 500;

function drop(s: CoreState, out: Out, reason: string, source: string, level: Level, text: string, at: number): void {
  for (const l of s.drops.drop(reason, source, level, text, at)) out.log(l.level, l.text);
}

export function addressedToUs(s: CoreState, msg: HbMessage): boolean {
  const du = bin(msg, 'destuuid');
  if (du && s.cfg.uuid) return du.equals(s.cfg.uuid);
  const d = str(msg, 'dest');
  return d === undefined || d === s.cfg.thisNode;
}

export function onMessage(s: CoreState, out: Out, msg: HbMessage, link: string, at: number): void {
  s.counters.received++;
  const type = str(msg, 't');
  const from = str(msg, 'src');
  const ts = parseHex(str(msg, 'ts'));
  if (type === undefined || from === undefined || !ts) {
    const text = `process_clustermsg: missing from/ts/type: iface ${link}, from ${from ?? '<?>'}`;
    drop(s, out, 'bad-field', from ?? link, 'error', text, at);
    return;
  }
  if (from === s.cfg.thisNode) return ownPacket(s, out, link);
  const node = lookupNode(s, out, from, type, at);
  if (!node) return;
  const isNS = isNsType(type);
  if ((node.type === 'ping') !== (type === NS_ST)) {
    drop(s, out, 'bad-field', from, 'error', `process_clustermsg: unexpected [${type}] message from ${node.type} node ${from}`, at);
    return;
  }
  let seq = 0;
  let verdict: SeqVerdict = { action: 'keep', restart: false, partition: false, lost: 0 };
  if (!isNS) {
    seq = parseHex(str(msg, 'seq')) ?? 0;
    if (seq <= 0) {
      drop(s, out, 'bad-field', from, 'error', `process_clustermsg: missing seqno: iface ${link}, from ${from}`, at);
      return;
    }
    const gen = parseHex(str(msg, 'hg')) ?? 0;
    const logs: { level: Level; text: string }[] = [];
    const input = { node: from, seq, gen, isStatus: type === STATUS, nodeDead: node.status === 'dead', at, rng: s.cfg.rng };
    verdict = checkSeq(node.track, input, logs);
    for (const l of logs) out.log(l.level, l.text);
    if (verdict.action === 'before-status') return;
    if (verdict.action === 'replay') {
      const text = `should_drop_message: attempted replay attack [${from}]? [gen = ${verdict.gen}, curgen = ${verdict.curgen}]`;
      drop(s, out, 'replay', from, 'warn', text, at);
      return;
    }
  }
  // A node that just (re)appeared learns of us from our next status: send it now rather than up
  // to a keepalive later, so its comm-up and the resource exchange start at once. (Heartbeat waits
  // for the next keepalive; an extra status message is harmless to it.)
  const greet = verdict.action === 'keep' && node.type === 'normal' && s.localStatus === 'active' &&
    (!node.reqnodesSent || verdict.restart || verdict.partition);
  if (verdict.action === 'keep') noteSequenceEvents(s, out, node, verdict);
  // Even a duplicate proves the link it came on works (Heartbeat: "it could update link status"),
  // but an old packet replayed to a dead node must not bring its links back, nor may an
  // unsequenced NS_* packet, which anyone who recorded one can replay (a ping node's NS_st is its
  // heartbeat).
  const lnk = node.links.get(link);
  if (lnk && (verdict.action === 'keep' || node.status !== 'dead') && (!isNS || type === NS_ST)) {
    lnk.lastAt = at;
    if (lnk.status !== 'up') setLinkStatus(out, node.name, lnk, 'up');
    // Intervals from first copies in order only: a retransmitted status would halve the one it fills.
    const inOrder = isNS || noteLinkSeq(lnk.health, seq, at);
    if (inOrder && (type === STATUS || type === NS_ST)) noteLinkStatus(lnk.health, at);
  }
  if (verdict.action === 'duplicate') {
    s.counters.duplicates++;
    return;
  }
  s.counters.accepted++;
  node.anyPackets = true;
  if (!isNS) noteNodeSeq(node.health, seq, at);
  // Unsequenced NS_* packets (ACKs, rexmit requests) are not proof of life: they could be replayed.
  if (!isNS || type === NS_ST) node.lastHeardAt = at;
  if (!isNS && s.flowControl && ackNeeded(node.track, seq)) {
    emitSend(s, out, fields(['t', NS_ACKMSG], ['dest', from], ['ackseq', hex(seq)]));
  }
  dispatch(s, out, node, type, msg, link, seq, at);
  if (node.type === 'normal' && !node.reqnodesSent) {
    // A starting node asks each peer for its node list when it first hears it (s1, s5).
    node.reqnodesSent = true;
    emitSend(s, out, fields(['t', REQNODES], ['dest', from]));
  }
  const pace = pacedBy(s, node, type, at);
  if (greet || pace) sendStatus(s, out, at);
  if (pace) s.nextStatusAt = at + s.cfg.keepaliveMs;
  checkCommUp(s, out, at);
}

/**
 * Our next status goes out now, with the pacer's (the first other `node` of ha.cf) fresh status,
 * when it was due within half a keepalive anyway. Then each keepalive holds one wake-up instead of
 * two (receive, and later our own send), and one wake-up is most of what an idle node costs: a
 * pair settled this way used 15-20 % less CPU than one that was not. A status sent up to half a
 * keepalive early only shortens one interval; nothing in Heartbeat minds that. With a window near a
 * whole keepalive two of ours would answer each other's paced status without end; half leaves a
 * wide margin. Other nodes follow the pacer, so a larger cluster settles into one phase.
 */
function pacedBy(s: CoreState, node: NodeState, type: string, at: number): boolean {
  if (!s.commUp || type !== STATUS || node.lastStatusAt !== at) return false;
  if (s.cfg.nodes.find((n) => n !== s.cfg.thisNode) !== node.name) return false;
  return s.nextStatusAt - at <= s.cfg.keepaliveMs / 2;
}

function noteSequenceEvents(s: CoreState, out: Out, node: NodeState, v: Extract<SeqVerdict, { action: 'keep' }>): void {
  s.counters.lostPackets += v.lost;
  node.health.lost += v.lost;
  if (v.restart) {
    out.log('info', `Heartbeat restart on node ${node.name}`);
    node.lastStatusAt = null;
    node.statusSeq = 0;
    node.leaving = false;
    node.health.hiSeq = 0;
    for (const l of node.links.values()) l.health.hiSeq = 0;
    out.push({ kind: 'node-restarted', node: node.name, generation: node.track.generation });
  }
  if (v.partition) {
    // Heartbeat's healed_cluster_partition, words as in captures/s8 (BEHAVIOUR.md §3.8).
    out.log('crit', `Cluster node ${node.name} returning after partition.`);
    out.log('info', 'For information on cluster partitions, See URL: http://linux-ha.org/wiki/Split_Brain');
    out.log('warn', 'Deadtime value may be too small.');
    out.log('info', 'See FAQ for information on tuning deadtime.');
    out.log('info', 'URL: http://linux-ha.org/wiki/FAQ#Heavy_Load');
    node.leaving = false;
    out.push({ kind: 'partition-return', node: node.name });
  }
}

/** Our own broadcast looped back: Heartbeat logs our link as up (`Link alpha:eth1 up.`); nothing else. */
function ownPacket(s: CoreState, out: Out, link: string): void {
  if (!s.cfg.links.includes(link) || s.ownLinks.get(link) === 'up') return;
  s.ownLinks.set(link, 'up');
  setLinkStatus(out, s.cfg.thisNode, { name: link, status: 'init' }, 'up');
}

/** Nodes autojoin may add beyond those of ha.cf (memory.ts TABLE_BOUNDS.autojoinedNodes). */
export const MAX_AUTOJOINED = 256;

function lookupNode(s: CoreState, out: Out, from: string, type: string, at: number): NodeState | undefined {
  const known = s.nodes.get(from);
  if (known) return known;
  // Bounded: an authenticated sender inventing names must not grow the node table for ever
  // (Heartbeat's node table has a fixed size too). Beyond the bound, new names are refused.
  const configured = s.cfg.nodes.filter((n) => n !== s.cfg.thisNode).length + s.cfg.pingNodes.length;
  const room = s.nodes.size < configured + MAX_AUTOJOINED;
  if (s.cfg.autojoin !== 'none' && room && type !== NS_ST && /^[a-z0-9][a-z0-9._-]{0,63}$/i.test(from)) {
    const n = newNode(s, from, 'normal', at);
    s.nodes.set(from, n);
    out.log('info', `Adding new node [${from}] to configuration (autojoin).`);
    return n;
  }
  drop(s, out, 'unknown-node', from, 'error', `process_status_message: bad node [${from}] in message`, at);
  return undefined;
}

function dispatch(s: CoreState, out: Out, node: NodeState, type: string, msg: HbMessage, link: string, seq: number, at: number): void {
  const toUs = addressedToUs(s, msg);
  switch (type) {
    case STATUS:
    case NS_ST:
      return onStatus(s, out, node, msg, seq, at);
    case NS_REXMIT:
      if (toUs) onRexmit(s, out, node, msg, at);
      return;
    case 'NS_nak_rexmit':
      if (toUs) onNak(out, node, msg);
      return;
    case REQNODES:
      if (toUs) emitSend(s, out, repnodes(s, node.name));
      return;
    case SHUTDONE:
      node.leaving = true;
      out.push({ kind: 'shutdown-notice', node: node.name });
      return;
    default:
      // NS_ackmsg: we keep a fixed 500-message history and throttle no client, so ACKs need no action.
      if (isNsType(type) || type === REPNODES) return;
      if (toUs) out.push({ kind: 'deliver', node: node.name, type, msg, link });
  }
}

/** repnodes puts `dest` before `t` (captured s1). nodelist has a trailing space; an empty delnodelist is one space (s1, and a real 3.0.6 peer in the interop lab). */
function repnodes(s: CoreState, dest: string) {
  const normal = [s.cfg.thisNode, ...[...s.nodes.values()].filter((n) => n.type === 'normal').map((n) => n.name)];
  const order = s.cfg.nodes.filter((n) => normal.includes(n)).concat(normal.filter((n) => !s.cfg.nodes.includes(n)));
  return fields(['dest', dest], ['t', REPNODES], ['nodelist', order.map((n) => `${n} `).join('')], ['delnodelist', ' ']);
}

const STATUS_OF: Record<string, readonly NodeStatus[]> = { normal: ['init', 'up', 'active'], ping: ['ping'] };

/** Heartbeat's HBDoMsg_T_STATUS. */
function onStatus(s: CoreState, out: Out, node: NodeState, msg: HbMessage, seq: number, at: number): void {
  const st = str(msg, 'st');
  if (st === undefined) {
    out.log('error', 'HBDoMsg_T_STATUS: status update without st field');
    return;
  }
  const status = STATUS_OF[node.type]?.find((x) => x === st);
  if (!status) {
    for (const l of s.drops.drop('bad-field', node.name, 'error', `HBDoMsg_T_STATUS: bad status [${st}] from ${node.name}`, at)) out.log(l.level, l.text);
    return;
  }
  if (node.type === 'normal' && seq < node.statusSeq) return; // an older status filling a gap
  if (node.type === 'normal' && s.flowControl && parseDec(str(msg, 'protocol')) === undefined) {
    out.log('info', 'flow control disabled due to different version heartbeat');
    s.flowControl = false;
  }
  if (node.lastStatusAt !== null) {
    const interval = at - node.lastStatusAt;
    node.health.intervals.observe(interval);
    if (interval > s.cfg.deadtimeMs) {
      node.health.lateOverDeadtime++;
      out.log('crit', `Late heartbeat: Node ${node.name}: interval ${interval} ms (> deadtime)`);
      // Heartbeat marks the node dead here. We only repeat the line when it is dead already (partition
      // return, s8); a live node that announced a longer dt is not killed: no needless takeover.
      if (node.status === 'dead') out.log('warn', `node ${node.name}: is dead`);
    } else if (interval > s.cfg.warntimeMs) {
      node.health.late++;
      out.log('warn', `Late heartbeat: Node ${node.name}: interval ${interval} ms`);
    }
  }
  if (status !== node.status) {
    out.log('info', `Status update for node ${node.name}: status ${status}`);
    const previous = node.status;
    node.status = status;
    out.push({ kind: 'node-status', node: node.name, status, previous });
  }
  const dt = parseHex(str(msg, 'dt'));
  if (dt !== undefined && dt > 0) node.dtMs = dt;
  node.lastStatusAt = at;
  node.statusSeq = seq;
}

/** Answer a peer's NS_rexmit from our history (HEARTBEAT-WIRE.md §7). */
function onRexmit(s: CoreState, out: Out, node: NodeState, msg: HbMessage, at: number): void {
  const from = node.name;
  const first = parseDec(str(msg, 'firstseq'));
  const last = parseDec(str(msg, 'lastseq'));
  if (first === undefined || last === undefined || last < first) {
    for (const l of s.drops.drop('bad-field', from, 'error', `process_rexmit: bad firstseq/lastseq from ${from}`, at)) out.log(l.level, l.text);
    return;
  }
  let sent = 0;
  for (let seq = first; seq <= last && sent < REXMIT_BATCH; seq++) {
    if (seq > s.seq) {
      out.log('warn', `Rexmit of seq ${seq} requested. ${s.seq} is max.`);
      break;
    }
    if (seq < 1 || seq <= s.seq - MAX_MSG_HIST) {
      emitSend(s, out, fields(['t', 'NS_nak_rexmit'], ['firstseq', hex(seq)], ['dest', from], ['info', 'seqno too low']));
      s.counters.naksSent++;
      continue;
    }
    const last = s.resentAt.get(seq);
    if (last !== undefined && at - last < RESEND_QUIET_MS) continue;
    s.resentAt.set(seq, at);
    out.push({ kind: 'resend', seq });
    s.counters.retransmits++;
    node.health.resentFor++;
    sent++;
  }
  for (const k of s.resentAt.keys()) if (k <= s.seq - MAX_MSG_HIST) s.resentAt.delete(k);
}

/** The peer cannot resend: stop asking for that seq. */
function onNak(out: Out, node: NodeState, msg: HbMessage): void {
  const seq = parseHex(str(msg, 'firstseq'));
  if (seq === undefined || !node.track.missing.delete(seq)) return;
  out.log('warn', `Retransmission of seq ${seq} refused by ${node.name}: ${str(msg, 'info') ?? '?'}`);
  if (node.track.missing.size === 0) out.log('info', `No pkts missing from ${node.name}!`);
}
