// Types of the v1 resource planner (plan.ts): who holds which haresources group.
// Pure data: no I/O, no timers. Mirrors Heartbeat 3.0.6 hb_resource.c variable by variable.
import type { AutoFailback, ClusterConfig } from '../config/types.js';
import type { HbMessage } from '../wire/types.js';
import type { Level } from '../log/types.js';

/** Resource classes are bit masks, as in hb_resource.h: none=0, local=1, foreign=2, all=3. */
export type RscMask = 0 | 1 | 2 | 3;
export const NO_RSC = 0;
export const LOCAL_RSC = 1;
export const FOREIGN_RSC = 2;
export const ALL_RSC = 3;
export const RSC_WORD = ['none', 'local', 'foreign', 'all'] as const;
export type RscWord = (typeof RSC_WORD)[number];

export interface PlanGroup {
  /** Heartbeat's group key: the first resource spec (`ResourceManager listkeys`), e.g. IPaddr::192.0.2.10/24. */
  readonly key: string;
  /** Preferred node (first word of the haresources line). */
  readonly node: string;
}

export interface PlanConfig {
  readonly thisNode: string;
  /** The other node of the 2-node cluster. */
  readonly peer: string;
  readonly groups: readonly PlanGroup[];
  readonly autoFailback: AutoFailback;
  /** Heartbeat's RQSTDELAY: in RSCRCVD we take our local groups after this long (10 s). */
  readonly rscrcvdDelayMs: number;
  /** Both nodes starting: how long the "peer is starting and holds none of ours" proof must stand
   *  before we take our local groups without waiting RQSTDELAY (plan.ts, bothStartingProof). */
  readonly bothStartSettleMs: number;
  /** STANDBY_INIT_TO_MS: wait for the peer's `other` reply (10 s). */
  readonly standbyReplyTimeoutMs: number;
  /** HB_STANDBY_RSC_TO_MS: limit for the whole resource exchange (1 h). */
  readonly standbyRunTimeoutMs: number;
  /** Printed in "Heartbeat shutdown in progress. (pid)". */
  readonly pid: number;
}

export function planConfigFrom(cfg: ClusterConfig, pid = 0): PlanConfig {
  const peer = cfg.haCf.nodes.find((n) => n !== cfg.thisNode) ?? '';
  return {
    thisNode: cfg.thisNode,
    peer,
    groups: cfg.groups.map((g) => ({ key: g.resources[0]?.spec ?? '', node: g.node })),
    autoFailback: cfg.haCf.autoFailback,
    rscrcvdDelayMs: 10_000,
    // Long enough for a message reordered between media or re-sent after a gap; not a safety margin.
    bothStartSettleMs: Math.min(2 * cfg.haCf.keepaliveMs, 250),
    standbyReplyTimeoutMs: 10_000,
    standbyRunTimeoutMs: 3_600_000,
    pid,
  };
}

export type StandbyWhich = 'all' | 'foreign' | 'local' | 'failback';

/** Inputs. `at` is monotonic ms. Messages are the peer's only: the daemon drops our own looped-back ones
 *  (the planner replays its own messages to itself, as Heartbeat does through its loopback). */
export type PlanEvent =
  /** Comm_now_up(): links to the peer are up, or initdead passed without it (peerUp false). */
  | { readonly kind: 'comm-up'; readonly at: number; readonly peerUp: boolean }
  /** The peer was declared dead (deadtime of silence, also after a graceful shutdone). */
  | { readonly kind: 'peer-dead'; readonly at: number }
  /** The peer came back with a higher generation (it restarted and holds nothing). */
  | { readonly kind: 'peer-restarted'; readonly at: number; readonly generation?: number }
  /** A status with the same generation from a node we had declared dead: split brain heals. */
  | { readonly kind: 'partition-return'; readonly at: number }
  /** The peer is heard again after it was dead, or for the first time (not in Heartbeat). */
  | { readonly kind: 'peer-appeared'; readonly at: number }
  | { readonly kind: 'message'; readonly at: number; readonly from: string; readonly msg: HbMessage }
  /** hb_standby [which] on this node. */
  | { readonly kind: 'standby'; readonly at: number; readonly which: StandbyWhich }
  /** hb_takeover [which] on this node: asks the other node to go standby. */
  | { readonly kind: 'takeover'; readonly at: number; readonly which: StandbyWhich }
  /** ipfail decided we should give up (decide.ts effect 'giveup'). */
  | { readonly kind: 'ipfail-giveup'; readonly at: number; readonly which: 'all' | 'foreign' }
  /** SIGTERM / heartbeat -k: graceful shutdown with resource release. */
  | { readonly kind: 'shutdown'; readonly at: number }
  /** A start/stop of group `group` finished. For a failed start the shell has tried to stop the group
   *  again (ResourceManager's rollback); rolledBack false means that stop failed too. */
  | {
      readonly kind: 'group-done';
      readonly at: number;
      readonly group: number;
      readonly op: 'start' | 'stop';
      readonly ok: boolean;
      readonly rolledBack?: boolean;
      /** The resource spec that failed, for the log. */
      readonly failed?: string;
    }
  /** `heartbeat cleanup`: the operator has fixed these groups; forget their failed starts and stops. */
  | { readonly kind: 'cleanup'; readonly at: number; readonly groups: readonly number[] }
  | { readonly kind: 'tick'; readonly at: number };

export type RscStatus = RscWord | 'transition';

export type PlanEffect =
  /** Type-specific fields in wire order; the wire layer appends src/srcuuid/seq/... (keeping a src already set). */
  | { readonly kind: 'send'; readonly msg: HbMessage }
  | { readonly kind: 'start-group'; readonly group: number; readonly key: string }
  | { readonly kind: 'stop-group'; readonly group: number; readonly key: string }
  /** We keep a group after a split-brain heal: announce it again (gratuitous ARP). */
  | { readonly kind: 'reannounce'; readonly group: number; readonly key: string }
  | { readonly kind: 'log'; readonly level: Level; readonly text: string }
  | { readonly kind: 'rscstatus'; readonly value: RscStatus }
  /** Groups released (but for `unreleased`, whose stop failed) and shutdone sent: the daemon may finish. */
  | { readonly kind: 'shutdown-complete'; readonly unreleased: readonly string[] }
  | { readonly kind: 'wake-at'; readonly at: number };

export type ResourceState = 'init' | 'starting' | 'bothstarting' | 'rscrcvd' | 'stable' | 'shutdown';
export type StandbyPhase = 'not' | 'me' | 'other' | 'done';
/** What we know of one group here: running, stopped, or unknown after a failed stop. */
export type GroupHeld = 'yes' | 'no' | 'failed';

export type Job =
  | { readonly kind: 'req-our' }
  | { readonly kind: 'standby'; readonly who: 'me' | 'other'; readonly set: RscMask }
  | { readonly kind: 'mach-down'; readonly node: string }
  | { readonly kind: 'giveup-all' }
  | { readonly kind: 'take'; readonly group: number }
  | { readonly kind: 'give'; readonly group: number }
  /** Both nodes hold groups that the peer prefers: let go of ours (the preferred node keeps a group). */
  | { readonly kind: 'yield'; readonly set: RscMask };

export interface RunningJob {
  readonly job: Job;
  /** Remaining group operations, the first one is running. */
  readonly steps: readonly { readonly op: 'start' | 'stop'; readonly group: number }[];
  /** 'give' jobs: whether we held the group when the job began (the ip-request-resp weown field). */
  readonly weOwn?: boolean;
}

export interface PlanState {
  readonly cfg: PlanConfig;
  readonly rstate: ResourceState;
  readonly iHold: RscMask;
  /** In the peer's own terms (its `local` = our foreign groups), as Heartbeat stores it. */
  readonly otherHolds: RscMask;
  readonly otherStable: boolean;
  readonly standby: StandbyPhase;
  readonly standbyType: RscMask;
  /** standby_running: 0 = no standby timer. */
  readonly standbyDeadline: number;
  /** Until when an answer to our last standby request is still welcome (0: none pending). */
  readonly askedUntil: number;
  /** The generation (hg) of the peer's standby request we answered 'other' to (-1: none). */
  readonly standbyPeerGen: number;
  /** Double ownership seen at the last audit: 1 our groups, 2 foreign ones (logged once each). */
  readonly bothOwn: number;
  readonly takeoverInProgress: boolean;
  readonly needsFailback: boolean;
  readonly autoFailbackRetryAt: number;
  readonly localDone: boolean;
  readonly foreignDone: boolean;
  readonly announced: boolean;
  /** local_takeover_time: 0 = not armed. */
  readonly rscrcvdDeadline: number;
  /** The peer sent `starting` since we started (it runs the same start-up as we do). */
  readonly peerStarting: boolean;
  /** The peer sent a full `resource` report since we started (otherHolds is its word, not a guess). */
  readonly peerReported: boolean;
  /** We sent 'starting' a second time to get the peer's report (plan.ts processResources). */
  readonly startingResent: boolean;
  /** Both-starting early take: when the proof has stood for bothStartSettleMs. 0 = not armed. */
  readonly fastTakeAt: number;
  readonly peerUp: boolean;
  readonly peerAnyPackets: boolean;
  /** Legacy mode: the peer may hold resources (has_resources). */
  readonly peerHasResources: boolean;
  readonly needsShutdown: boolean;
  readonly shutdownInProgress: boolean;
  readonly groups: readonly GroupHeld[];
  /** Start-failure policy (plan-converge.ts): failed starts per group here, and the last one's time. */
  readonly fails: readonly number[];
  readonly failAt: readonly number[];
  /** The peer's last report: classes it failed to start, and classes it will not start (its terms). */
  readonly peerFailed: RscMask;
  readonly peerBlocked: RscMask;
  /** Classes (its terms) with a group whose stop failed on the peer: it may still run them there. */
  readonly peerStuck: RscMask;
  /** The failed classes our last report told the peer about, and our classes with a failed stop. */
  readonly reportedFailed: RscMask;
  readonly reportedStuck: RscMask;
  /** After a partition heal: what the peer runs is unknown until its next full report. */
  readonly awaitPeerReport: boolean;
  /** Seq of the peer's newest resource report (0 = none since its start): older ones are stale. */
  readonly peerRscSeq: number;
  /** When a retry or a failure expiry is due (0 = none). */
  readonly convergeAt: number;
  readonly job: RunningJob | null;
  readonly queue: readonly Job[];
  readonly lastStatus: RscStatus;
}

export function fieldsOf(msg: HbMessage): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of msg.fields) {
    if (f.type === 0 && !m.has(f.name)) m.set(f.name, f.value);
  }
  return m;
}

export function msg(...pairs: readonly (readonly [string, string])[]): HbMessage {
  return { fields: pairs.map(([name, value]) => ({ name, type: 0 as const, value })) };
}

export function encodeRsc(word: string | undefined): RscMask {
  const i = RSC_WORD.indexOf((word ?? '') as RscWord);
  return (i < 0 ? 0 : i) as RscMask;
}
