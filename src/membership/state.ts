// Internal mutable state of the membership core and the per-step context. Only cluster.ts,
// receive.ts and timers.ts touch it; the outside world sees MembershipStatus snapshots.
import type { Effect, LinkStatus, MembershipConfig, NodeStatus, NodeType } from './types.js';
import type { Level } from '../log/types.js';
import { DropLog } from './drop-log.js';
import { newTrack, type SeqTrack } from './seq-track.js';
import { newLinkHealth, newNodeHealth, type LinkHealthState, type NodeHealthState } from './link-health.js';

export interface LinkState {
  readonly name: string;
  status: LinkStatus;
  /** Last packet (accepted or duplicate) on this link; start time until then. */
  lastAt: number;
  readonly health: LinkHealthState;
}

export interface NodeState {
  readonly name: string;
  readonly type: NodeType;
  status: NodeStatus;
  readonly links: Map<string, LinkState>;
  /** Last new (non-duplicate) sequenced packet, or NS_st for ping nodes: liveness. */
  lastHeardAt: number;
  /** Local time of the last accepted status message: Late heartbeat intervals. null = none yet. */
  lastStatusAt: number | null;
  /** The peer's announced dead interval (its `dt`); ours until it says otherwise. */
  dtMs: number;
  anyPackets: boolean;
  /** It sent `shutdone`: its coming death is graceful. */
  leaving: boolean;
  reqnodesSent: boolean;
  /** seq of the status message whose `st` we hold: an older one arriving late must not undo it. */
  statusSeq: number;
  readonly track: SeqTrack;
  readonly health: NodeHealthState;
}

export interface Counters {
  received: number;
  accepted: number;
  duplicates: number;
  lostPackets: number;
  rexmitRequestsSent: number;
  retransmits: number;
  naksSent: number;
}

export interface CoreState {
  cfg: MembershipConfig;
  started: boolean;
  stopped: boolean;
  startAt: number;
  localStatus: NodeStatus;
  commUp: boolean;
  flowControl: boolean;
  /** Last seq we assigned. */
  seq: number;
  nextStatusAt: number;
  /** When our last status went out (any reason): a due one at the same moment is not sent twice. */
  statusSentAt: number;
  /** Every other node, normal and ping, by name. */
  readonly nodes: Map<string, NodeState>;
  /** Our own links seen up through looped-back broadcasts. */
  readonly ownLinks: Map<string, LinkStatus>;
  /** seq -> when we last resent it (the 240 ms rule). */
  readonly resentAt: Map<number, number>;
  readonly counters: Counters;
  readonly drops: DropLog;
}

export function newNode(s: CoreState, name: string, type: NodeType, at: number): NodeState {
  const linkNames = type === 'ping' ? [name] : s.cfg.links;
  const links = new Map<string, LinkState>();
  for (const l of linkNames) links.set(l, { name: l, status: 'init', lastAt: at, health: newLinkHealth() });
  return {
    name,
    type,
    status: 'init',
    links,
    lastHeardAt: at,
    lastStatusAt: null,
    dtMs: type === 'ping' ? s.cfg.deadpingMs : s.cfg.deadtimeMs,
    anyPackets: false,
    leaving: false,
    reqnodesSent: false,
    statusSeq: 0,
    track: newTrack(s.cfg.rng),
    health: newNodeHealth(),
  };
}

export function newState(cfg: MembershipConfig): CoreState {
  const s: CoreState = {
    cfg,
    started: false,
    stopped: false,
    startAt: 0,
    localStatus: 'init',
    commUp: false,
    flowControl: true,
    seq: 0,
    nextStatusAt: 0,
    statusSentAt: -Infinity,
    nodes: new Map(),
    ownLinks: new Map(),
    resentAt: new Map(),
    counters: { received: 0, accepted: 0, duplicates: 0, lostPackets: 0, rexmitRequestsSent: 0, retransmits: 0, naksSent: 0 },
    drops: new DropLog(),
  };
  return s;
}

/** Effects of one step, with small helpers so handlers read like Heartbeat's code. */
export class Out {
  readonly effects: Effect[] = [];
  push(e: Effect): void {
    this.effects.push(e);
  }
  log(level: Level, text: string): void {
    this.effects.push({ kind: 'log', level, text });
  }
}

/** The dead interval in force for a node (Heartbeat's check_for_timeouts). */
export function deadInterval(s: CoreState, n: NodeState): number {
  if (!s.commUp) return s.cfg.initdeadMs;
  return n.dtMs;
}
