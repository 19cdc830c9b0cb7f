// How each peer and each link has been doing, for `heartbeat status --links`, the metrics endpoint
// and the status page. Counted in the membership core as packets arrive; "the last minute" is six
// 10-second slots, so a link costs a fixed handful of numbers whatever the packet rate.
// Nothing here takes part in a decision.
import { Histogram } from '../lib/histogram.js';

export const SLOT_MS = 10_000;
export const SLOTS = 6;

/** A sum and a maximum over the last SLOTS x SLOT_MS, in fixed slots. */
export class Window {
  private readonly ids = new Float64Array(SLOTS).fill(-1);
  private readonly sums = new Float64Array(SLOTS);
  private readonly maxes = new Float64Array(SLOTS);

  add(at: number, v = 1): void {
    const id = Math.floor(at / SLOT_MS);
    const i = id % SLOTS;
    if (this.ids[i] !== id) {
      this.ids[i] = id;
      this.sums[i] = 0;
      this.maxes[i] = -Infinity;
    }
    this.sums[i]! += v;
    if (v > this.maxes[i]!) this.maxes[i] = v;
  }

  private live(at: number, i: number): boolean {
    const id = Math.floor(at / SLOT_MS);
    const slot = this.ids[i]!;
    return slot > id - SLOTS && slot <= id;
  }

  sum(at: number): number {
    let t = 0;
    for (let i = 0; i < SLOTS; i++) if (this.live(at, i)) t += this.sums[i]!;
    return t;
  }

  max(at: number): number | null {
    let m = -Infinity;
    for (let i = 0; i < SLOTS; i++) if (this.live(at, i) && this.maxes[i]! > m) m = this.maxes[i]!;
    return m === -Infinity ? null : m;
  }
}

/** Upper bounds (ms) of the heartbeat interval histogram: fixed, so a reload keeps the series. */
export const INTERVAL_BUCKETS_MS: readonly number[] = [25, 50, 100, 200, 300, 500, 1000, 1500, 2000, 3000, 5000, 10_000, 30_000, 60_000];

export interface LinkHealthState {
  /** Times the link went from up to dead. */
  deaths: number;
  /** Sequenced packets from the node that came first-time-in-order on this link, in the last minute. */
  readonly seen: Window;
  /** Highest seq of the node seen on this link: what arrives below it (a retransmission) is not counted. */
  hiSeq: number;
  /** Intervals between its status messages on this link: sum, square sum and count in windows. */
  readonly intervals: Window;
  readonly squares: Window;
  readonly gaps: Window;
  statusAt: number | null;
}

export interface NodeHealthState {
  /** Late heartbeat lines: over warntime, and over deadtime. */
  late: number;
  lateOverDeadtime: number;
  /** Packets of its that never arrived (gaps given up on). */
  lost: number;
  /** Its NS_rexmit requests we answered. */
  resentFor: number;
  /** How far its seq advanced in the last minute: what each link should have seen. */
  readonly fresh: Window;
  hiSeq: number;
  readonly intervals: Histogram;
}

export function newLinkHealth(): LinkHealthState {
  return { deaths: 0, hiSeq: 0, seen: new Window(), intervals: new Window(), squares: new Window(), gaps: new Window(), statusAt: null };
}

export function newNodeHealth(): NodeHealthState {
  return { hiSeq: 0, late: 0, lateOverDeadtime: 0, lost: 0, resentFor: 0, fresh: new Window(), intervals: new Histogram(INTERVAL_BUCKETS_MS) };
}

/**
 * Loss per link from sequence numbers: a packet lost on the only working link never arrives there
 * first-time-in-order (its retransmission comes below the link's highest seq), so counting arrivals
 * above it against the node's seq advance shows the loss that retransmission hides.
 */
export function noteLinkSeq(h: LinkHealthState, seq: number, at: number): boolean {
  if (seq <= h.hiSeq) return false;
  h.hiSeq = seq;
  h.seen.add(at);
  return true;
}

/** A gap this large is a restart or a jump, not lost packets: counted as one. */
const MAX_ADVANCE = 1000;

export function noteNodeSeq(h: NodeHealthState, seq: number, at: number): void {
  if (seq <= h.hiSeq) return;
  h.fresh.add(at, h.hiSeq === 0 || seq - h.hiSeq > MAX_ADVANCE ? 1 : seq - h.hiSeq);
  h.hiSeq = seq;
}

/** A status message from the node arrived on this link, in order (a retransmitted one is not counted). */
export function noteLinkStatus(h: LinkHealthState, at: number): void {
  if (h.statusAt !== null) {
    const iv = at - h.statusAt;
    h.gaps.add(at, 1);
    h.intervals.add(at, iv);
    h.squares.add(at, iv * iv);
  }
  h.statusAt = at;
}

export interface LinkHealthView {
  readonly deaths: number;
  /** Share of the node's packets of the last minute that did not come on this link; null with none. */
  readonly loss: number | null;
  readonly intervalAvgMs: number | null;
  readonly intervalMaxMs: number | null;
  /** Standard deviation of the intervals: the jitter. */
  readonly jitterMs: number | null;
}

export function linkHealthView(h: LinkHealthState, node: NodeHealthState, at: number): LinkHealthView {
  const expected = node.fresh.sum(at);
  const seen = h.seen.sum(at);
  const n = h.gaps.sum(at);
  const avg = n > 0 ? h.intervals.sum(at) / n : null;
  const variance = avg !== null ? Math.max(0, h.squares.sum(at) / n - avg * avg) : null;
  return {
    deaths: h.deaths,
    loss: expected > 0 ? Math.min(1, Math.max(0, 1 - seen / expected)) : null,
    intervalAvgMs: avg,
    intervalMaxMs: h.intervals.max(at),
    jitterMs: variance === null ? null : Math.sqrt(variance),
  };
}
