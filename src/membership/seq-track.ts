// Per-peer sequence and generation tracking (Heartbeat's should_drop_message). Pure.
// HEARTBEAT-WIRE.md §7: in-order accepted, same seq = duplicate, gap = "lost packet(s)" + NS_rexmit,
// gap fill accepted, gap > SEQGAP resets, lower hg = replay, higher hg on a status = restart.
import type { LogLine } from './drop-log.js';

/** Half of the 500-message history (Heartbeat's SEQGAP). */
export const SEQGAP = 250;
/** Retransmission request cadence while a seq stays missing (Heartbeat: 250 ms). */
export const REXMIT_REPEAT_MS = 250;
export const REXMIT_MIN_DELAY_MS = 50;
export const REXMIT_MAX_DELAY_MS = 250;
/** Heartbeat resends at most this many packets per NS_rexmit; we ask for no more in one. */
export const REXMIT_BATCH = 50;
/** Heartbeat's ACK_MSG_DIV. */
export const ACK_DIV = 10;
const MAX_MISSING = 500;
/** Seqs remembered before a node's first status (a handful in practice; past this, forgotten). */
const MAX_EARLY = 64;

export interface SeqTrack {
  /** Last generation seen on a status message; 0 = none yet. */
  generation: number;
  /** Highest in-order seq; null = take the next one as it comes. */
  lastSeq: number | null;
  /**
   * Highest seq seen before the track was reset by a death. Heartbeat forgets it (so a replayed old
   * status could "return" a dead node); we keep it and refuse seqs at or below it. Deliberate difference.
   */
  floorSeq: number | null;
  /** Generation and seqs of the messages heard before the first status (0, []: none). */
  earlyGen: number;
  early: number[];
  /** Missing seq -> when to send (again) its NS_rexmit. */
  missing: Map<number, number>;
  /** seq % 10 that triggers an NS_ackmsg, drawn once per peer. */
  readonly ackTrigger: number;
}

export function newTrack(rng: () => number): SeqTrack {
  return { generation: 0, lastSeq: null, floorSeq: null, earlyGen: 0, early: [], missing: new Map(), ackTrigger: Math.floor(rng() * ACK_DIV) % ACK_DIV };
}

/** Forget sequence state, keeping the generation and a replay floor (after a death). */
export function resetAfterDeath(t: SeqTrack): void {
  const seen = Math.max(t.lastSeq ?? 0, t.floorSeq ?? 0);
  t.floorSeq = seen > 0 ? seen : null;
  t.lastSeq = null;
  t.missing.clear();
}

export type SeqVerdict =
  | { readonly action: 'keep'; readonly restart: boolean; readonly partition: boolean; readonly lost: number }
  | { readonly action: 'duplicate' }
  /** A dead node's message before the status that returns it; dropped, and asked again by NS_rexmit. */
  | { readonly action: 'before-status' }
  | { readonly action: 'replay'; readonly gen: number; readonly curgen: number };

export interface SeqInput {
  readonly node: string;
  readonly seq: number;
  readonly gen: number;
  readonly isStatus: boolean;
  readonly nodeDead: boolean;
  readonly at: number;
  readonly rng: () => number;
}

export function checkSeq(t: SeqTrack, m: SeqInput, logs: LogLine[]): SeqVerdict {
  // Before its first status, a node's resource messages are remembered under their own generation.
  if (t.generation === 0 && !m.isStatus) {
    if (m.gen !== t.earlyGen) {
      t.earlyGen = m.gen;
      t.early = [];
      t.lastSeq = null;
      t.missing.clear();
    }
    if (t.early.length < MAX_EARLY && !t.early.includes(m.seq)) t.early.push(m.seq);
  }
  if (m.gen < t.generation) return { action: 'replay', gen: m.gen, curgen: t.generation };
  let restart = false;
  let partition = false;
  // Taking a dead node's resource message first would start the track above the status that returns
  // it; that status, arriving later (reordered), then counts as a duplicate and the node stays dead
  // in membership while its messages flow: no "is dead" and no takeover when it goes away again.
  // Waiting for the status costs one round of NS_rexmit for what came before it.
  if (!m.isStatus && m.nodeDead && m.gen === t.generation && t.lastSeq === null) return { action: 'before-status' };
  if (m.isStatus) {
    if (m.gen === t.generation && m.gen > 0 && m.nodeDead) {
      if (t.floorSeq !== null && m.seq <= t.floorSeq) return { action: 'replay', gen: m.gen, curgen: t.generation };
      partition = true;
    } else if (m.gen > t.generation) {
      restart = t.generation > 0;
      const early = !restart && m.gen === t.earlyGen && t.early.length > 0 && t.early.length < MAX_EARLY ? t.early : null;
      t.lastSeq = null;
      t.floorSeq = null;
      t.missing.clear();
      t.early = [];
      t.generation = m.gen;
      // The first status of the generation whose resource messages came first: resetting the
      // track would forget a gap among them (a lost standby 'done' never asked again: simulator
      // seed 11769, 200ms/1s on); what is missing between all seqs seen so far is asked for.
      if (early) return { action: 'keep', restart: false, partition: false, lost: trackFrom(t, [...early, m.seq], m, logs) };
    }
  }
  if (t.lastSeq === null && t.floorSeq !== null && m.gen === t.generation && m.seq <= t.floorSeq) {
    return { action: 'duplicate' };
  }
  if (t.lastSeq === null || m.seq === t.lastSeq + 1) {
    t.lastSeq = m.seq;
    return { action: 'keep', restart, partition, lost: 0 };
  }
  if (m.seq === t.lastSeq) return { action: 'duplicate' };
  if (m.seq > t.lastSeq) {
    const nlost = m.seq - (t.lastSeq + 1);
    logs.push({ level: 'warn', text: `${nlost} lost packet(s) for [${m.node}] [${t.lastSeq}:${m.seq}]` });
    if (nlost > SEQGAP) {
      t.missing.clear();
      logs.push({ level: 'warn', text: 'lost a lot of packets!' });
    } else {
      const delay = REXMIT_MIN_DELAY_MS + Math.floor(m.rng() * (REXMIT_MAX_DELAY_MS - REXMIT_MIN_DELAY_MS + 1));
      for (let k = t.lastSeq + 1; k < m.seq; k++) t.missing.set(k, m.at + delay);
      while (t.missing.size > MAX_MISSING) t.missing.delete(Math.min(...t.missing.keys()));
    }
    t.lastSeq = m.seq;
    return { action: 'keep', restart, partition, lost: nlost };
  }
  if (t.missing.delete(m.seq)) {
    if (t.missing.size === 0) logs.push({ level: 'info', text: `No pkts missing from ${m.node}!` });
    return { action: 'keep', restart, partition, lost: 0 };
  }
  return { action: 'duplicate' };
}

/** Starts a fresh track from the seqs seen so far: the highest is the last, the holes are missing. */
function trackFrom(t: SeqTrack, seen: readonly number[], m: SeqInput, logs: LogLine[]): number {
  const lo = Math.min(...seen);
  const hi = Math.max(...seen);
  const delay = REXMIT_MIN_DELAY_MS + Math.floor(m.rng() * (REXMIT_MAX_DELAY_MS - REXMIT_MIN_DELAY_MS + 1));
  for (let k = lo + 1; k < hi; k++) if (!seen.includes(k)) t.missing.set(k, m.at + delay);
  t.lastSeq = hi;
  if (t.missing.size > 0) logs.push({ level: 'warn', text: `${t.missing.size} lost packet(s) for [${m.node}] [${lo}:${hi}]` });
  return t.missing.size;
}

/** Heartbeat's send_ack_if_needed: ACK seqs ending in the trigger digit, unless something below is missing. */
export function ackNeeded(t: SeqTrack, seq: number): boolean {
  const firstMissing = t.missing.size ? Math.min(...t.missing.keys()) : 0;
  if (firstMissing !== 0 && seq > firstMissing) return false;
  return seq % ACK_DIV === t.ackTrigger;
}

/** Seqs whose NS_rexmit is due now; each is re-armed REXMIT_REPEAT_MS later. */
export function dueRexmits(t: SeqTrack, at: number): number[] {
  const due: number[] = [];
  for (const [seq, when] of t.missing) {
    if (when <= at) {
      due.push(seq);
      t.missing.set(seq, at + REXMIT_REPEAT_MS);
    }
  }
  return due.sort((a, b) => a - b);
}

export function nextRexmitDue(t: SeqTrack): number | undefined {
  let due: number | undefined;
  for (const when of t.missing.values()) if (due === undefined || when < due) due = when;
  return due;
}
