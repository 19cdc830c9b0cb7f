// Contract of the membership core: its configuration, the events it consumes and the effects it returns.
// Pure data only: the daemon (control/daemon.ts) turns effects into I/O.
import type { HbField, HbMessage } from '../wire/types.js';
import type { Level } from '../log/types.js';

/** Status of a node as `cl_status nodestatus` reports it. */
export type NodeStatus = 'init' | 'up' | 'active' | 'dead' | 'ping';
/** Status of one (node, local interface) link as `cl_status hblinkstatus` reports it. */
export type LinkStatus = 'init' | 'up' | 'dead';
export type NodeType = 'normal' | 'ping';

export interface MembershipConfig {
  /** This node's name (lower-case uname -n). */
  readonly thisNode: string;
  /** 16-byte uuid of this node: `destuuid` equal to it means "for us". */
  readonly uuid?: Buffer;
  /** `node` lines of ha.cf, in file order, this node included. */
  readonly nodes: readonly string[];
  /** `ping` addresses (ping groups are not modelled here). */
  readonly pingNodes: readonly string[];
  /** Local link names of the heartbeat media (eth0, eth1, /dev/ttyS0), without duplicates. */
  readonly links: readonly string[];
  readonly keepaliveMs: number;
  readonly deadtimeMs: number;
  readonly warntimeMs: number;
  readonly initdeadMs: number;
  readonly deadpingMs: number;
  readonly autojoin: 'none' | 'other' | 'any';
  /** Our heartbeat generation (`hg`), read and bumped by the shell (see persist.ts). */
  readonly generation: number;
  /** Uniform [0, 1): rexmit delays and ACK triggers. Injected so tests are deterministic. */
  readonly rng: () => number;
  /** Extra `dt` announced just after start-up (Heartbeat: +2000 ms for ~5 s). Default 2000. */
  readonly startupExtraDeadtimeMs?: number;
  /** How long that extra lasts. Default 5000. */
  readonly startupExtraForMs?: number;
}

// ---------------------------------------------------------------- events

export type MembershipEvent =
  /** The daemon is up: status init then up go out, timers start. Must come first. */
  | { readonly kind: 'start'; readonly at: number }
  /** A decoded, authenticated message arrived on local link `link` (ping nodes: the ping address). */
  | { readonly kind: 'message'; readonly msg: HbMessage; readonly link: string; readonly at: number }
  /** The timer armed from the last `wake-at` fired (extra ticks are harmless). */
  | { readonly kind: 'tick'; readonly at: number }
  /** `heartbeat reload` with new timers: sent and checked from now on; our status announces the new dt. */
  | { readonly kind: 'retime'; readonly keepaliveMs: number; readonly deadtimeMs: number; readonly warntimeMs: number; readonly deadpingMs: number; readonly at: number }
  /** The wire/auth layer refused a packet: counted and logged, rate-limited per (from, reason). */
  | {
      readonly kind: 'dropped';
      readonly reason: string;
      /** Source address or claimed node name. */
      readonly from: string;
      /** Log text to use for the first occurrence (Heartbeat's words); default names reason and from. */
      readonly detail?: string;
      readonly at: number;
    }
  /** An upper layer (resources, ipfail, API) wants a cluster message sent; the core numbers it. */
  | { readonly kind: 'send'; readonly fields: readonly HbField[]; readonly dest?: string; readonly at: number }
  /** Heartbeat is going away: no more status messages, no more timers. */
  | { readonly kind: 'stop'; readonly at: number };

// ---------------------------------------------------------------- effects

export type Effect =
  /**
   * Send a message on all media. `fields` are the type-specific fields, `t` first (repnodes: `dest` first,
   * as Heartbeat does). The shell appends destuuid (when dest is set and known), src, srcuuid,
   * seq (hex of `seq`, absent for NS_* types), hg, ts, ld (absent for NS_*), ttl and auth, encodes,
   * and MUST keep the encoded bytes of the last 500 numbered messages for `resend`.
   */
  | { readonly kind: 'send'; readonly fields: readonly HbField[]; readonly seq?: number; readonly dest?: string }
  /** Resend our message `seq` byte-for-byte from the shell's history (NS_rexmit answer). */
  | { readonly kind: 'resend'; readonly seq: number }
  | { readonly kind: 'log'; readonly level: Level; readonly text: string }
  | { readonly kind: 'node-status'; readonly node: string; readonly status: NodeStatus; readonly previous: NodeStatus }
  | { readonly kind: 'link-status'; readonly node: string; readonly link: string; readonly status: LinkStatus }
  /** Arm one timer: deliver a `tick` at this time (replaces any earlier wake-at). */
  | { readonly kind: 'wake-at'; readonly at: number }
  /** Every node was heard from or declared dead; we are `active` now (Heartbeat's Comm_now_up). */
  | { readonly kind: 'comm-up' }
  /** A normal node was declared dead after its dead interval. graceful = it sent `shutdone` first. */
  | { readonly kind: 'node-dead'; readonly node: string; readonly cause: 'crash' | 'graceful' }
  /** The node sent `shutdone` (it gave up its resources and leaves). Heartbeat takes over at once. */
  | { readonly kind: 'shutdown-notice'; readonly node: string }
  /** The node's generation went up: it restarted; its old resource state is void. */
  | { readonly kind: 'node-restarted'; readonly node: string; readonly generation: number }
  /** A node we had declared dead talks again with the same generation: we were partitioned. */
  | { readonly kind: 'partition-return'; readonly node: string }
  /** Any other message for us (resource, starting, ask_resources, hb_takeover, stonith, API traffic). */
  | { readonly kind: 'deliver'; readonly node: string; readonly type: string; readonly msg: HbMessage; readonly link: string };

// ---------------------------------------------------------------- status snapshot

export interface LinkView {
  readonly name: string;
  readonly status: LinkStatus;
}

export interface NodeView {
  readonly name: string;
  readonly type: NodeType;
  readonly status: NodeStatus;
  readonly links: readonly LinkView[];
  /** Last generation seen (0 = none yet). */
  readonly generation: number;
  /** Dead interval in use for this node now (peer's dt, initdead before comm-up, deadping for ping nodes). */
  readonly deadIntervalMs: number;
}

export interface MembershipCounters {
  readonly received: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly lostPackets: number;
  readonly rexmitRequestsSent: number;
  readonly retransmits: number;
  readonly naksSent: number;
  /** Drops by reason (wire-layer reasons as given, plus ours: unknown-node, replay, bad-field, ...). */
  readonly dropped: Readonly<Record<string, number>>;
}

export interface MembershipStatus {
  readonly localStatus: NodeStatus;
  readonly commUp: boolean;
  readonly generation: number;
  /** Highest seq we assigned (0 before the first message). */
  readonly hiseq: number;
  readonly flowControl: boolean;
  readonly nodes: readonly NodeView[];
  readonly counters: MembershipCounters;
}

// ---------------------------------------------------------------- health (views only)

export interface LinkHealth extends LinkView {
  /** Core time (ms) of the last packet on it; its start time until one came. */
  readonly lastAt: number;
  readonly deaths: number;
  /** Last minute: share of the node's packets that did not arrive on this link (null: none to count). */
  readonly loss: number | null;
  readonly intervalAvgMs: number | null;
  readonly intervalMaxMs: number | null;
  readonly jitterMs: number | null;
}

export interface NodeHealth {
  readonly name: string;
  readonly type: NodeType;
  readonly status: NodeStatus;
  readonly lastHeardAt: number;
  readonly late: number;
  readonly lateOverDeadtime: number;
  readonly lost: number;
  readonly resentFor: number;
  /** Status intervals: per-bucket counts (bounds INTERVAL_BUCKETS_MS, then +Inf), sum (ms), count. */
  readonly intervals: { readonly counts: readonly number[]; readonly sumMs: number; readonly count: number };
  readonly links: readonly LinkHealth[];
}
