// The lab campaign's post-hoc audits (issue 14 deliverable 6, issue 23): pure functions of what the
// run recorded (VIP samples, the client's requests, the resource-script ledger, the campaign's own
// event log and the ha-logs), each returning violations with a one-line reason and timestamps.
// No I/O, no clock: the test feeds them hand-made records to prove every audit can fail.
import type { ProbeRecord } from '../test/lab/http-probe.js';

/** Which nodes had the VIP on eth0 at wall-clock time t (all of them, unlike holderOf). */
export interface HolderSample {
  t: number;
  holders: string[];
}

/** One line of the resource-script ledger: B(egin) or E(nd) of `script op` on a node. */
export interface LedgerEntry {
  t: number;
  phase: 'B' | 'E';
  node: string;
  script: string;
  op: string;
  exit: number | null;
  note: string;
}

export type CampEventKind =
  | 'fault-begin' | 'fault-end'
  | 'start-begin' | 'start-done' | 'start-failed' | 'stop-begin' | 'stop-done' | 'kill'
  | 'freeze' | 'thaw' | 'cut' | 'restore' | 'partition' | 'heal' | 'loss-on' | 'loss-off'
  | 'arm-fail-start' | 'arm-hang-stop' | 'disarm' | 'died' | 'recovery-timeout' | 'reset' | 'sabotage';

export interface CampEvent {
  t: number;
  kind: CampEventKind;
  node?: string;
  fault?: number;
  detail?: string;
}

export type ViolationKind = 'dual-holder' | 'no-holder' | 'not-served' | 'daemon-died';

export interface Violation {
  kind: ViolationKind;
  /** Wall-clock ms where the bound was first exceeded, and the whole episode. */
  at: number;
  from: number;
  to: number;
  fault: number | null;
  text: string;
}

export interface Bounds {
  /** Two holders while every link works and nobody is frozen. */
  dualMs: number;
  /** No holder after a takeover-type event while some node could hold. */
  takeoverMs: number;
  /** No holder after a (re)start, a heal or a link restore. */
  settleMs: number;
  /** Client not served while exactly one node holds the VIP and serves the page. */
  servedMs: number;
  /** Extra time after a failed start before someone must hold (ours retries after 2 s). */
  retryMs: number;
}

export function campaignBounds(keepaliveMs: number, deadtimeMs: number, initdeadMs: number, scriptMs: number): Bounds {
  return {
    dualMs: deadtimeMs + 2 * keepaliveMs + 2000,
    takeoverMs: deadtimeMs + 2 * keepaliveMs + scriptMs,
    settleMs: Math.max(initdeadMs, 10_000) + deadtimeMs + 2 * keepaliveMs + 2 * scriptMs,
    servedMs: 2000,
    retryMs: 2000 + 2 * keepaliveMs + scriptMs,
  };
}

/** Answers "what did the campaign do to node N before time t" from its event log. */
export class Timeline {
  readonly events: CampEvent[];
  constructor(events: readonly CampEvent[], readonly nodes: readonly string[]) {
    this.events = [...events].sort((a, b) => a.t - b.t);
  }

  private last(t: number, pred: (e: CampEvent) => boolean): CampEvent | null {
    let hit: CampEvent | null = null;
    for (const e of this.events) {
      if (e.t > t) break;
      if (pred(e)) hit = e;
    }
    return hit;
  }

  /** Daemon up and not on its way down: a start finished after the last stop/kill/death. */
  running(node: string, t: number): boolean {
    const e = this.last(t, (x) => x.node === node && ['start-done', 'start-failed', 'stop-begin', 'kill', 'died', 'reset'].includes(x.kind));
    return e?.kind === 'start-done';
  }

  frozen(node: string, t: number): boolean {
    return this.last(t, (x) => x.node === node && (x.kind === 'freeze' || x.kind === 'thaw'))?.kind === 'freeze';
  }

  cut(node: string, t: number): boolean {
    return this.last(t, (x) => x.node === node && (x.kind === 'cut' || x.kind === 'restore'))?.kind === 'cut';
  }

  partitioned(t: number): boolean {
    return this.last(t, (x) => x.kind === 'partition' || x.kind === 'heal')?.kind === 'partition';
  }

  lossy(t: number): boolean {
    return this.last(t, (x) => x.kind === 'loss-on' || x.kind === 'loss-off')?.kind === 'loss-on';
  }

  /** Could hold the group: daemon running and not frozen. */
  able(node: string, t: number): boolean {
    return this.running(node, t) && !this.frozen(node, t);
  }

  /** Something keeps the two daemons from hearing each other normally. */
  impaired(t: number): boolean {
    return this.partitioned(t) || this.lossy(t) || this.nodes.some((n) => this.frozen(n, t) || this.cut(n, t));
  }

  /** The last event in (from, to] that ends an impairment or (re)starts a daemon. */
  lastChange(from: number, to: number, kinds: readonly CampEventKind[]): CampEvent | null {
    return this.last(to, (x) => x.t > from && kinds.includes(x.kind));
  }

  /** Fault number in progress (or last begun) at t. */
  faultAt(t: number): number | null {
    return this.last(t, (x) => x.kind === 'fault-begin')?.fault ?? null;
  }

  lastStart(node: string, t: number): number | null {
    return this.last(t, (x) => x.node === node && x.kind === 'start-done')?.t ?? null;
  }
}

/** Runs of consecutive samples satisfying pred: [first sample t, first sample after (or last) t]. */
function runs(samples: readonly HolderSample[], pred: (s: HolderSample) => boolean): Array<{ from: number; to: number; idx: number[] }> {
  const out: Array<{ from: number; to: number; idx: number[] }> = [];
  let cur: { from: number; to: number; idx: number[] } | null = null;
  samples.forEach((s, i) => {
    if (pred(s)) {
      if (!cur) cur = { from: s.t, to: s.t, idx: [] };
      cur.idx.push(i);
      cur.to = s.t;
    } else if (cur) {
      cur.to = s.t;
      out.push(cur);
      cur = null;
    }
  });
  if (cur) out.push(cur);
  return out;
}

const fmt = (t: number): string => new Date(t).toISOString().slice(11, 23);
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const IMPAIR_END: CampEventKind[] = ['thaw', 'restore', 'heal', 'loss-off', 'start-done', 'reset'];

/** (a) Two holders for longer than bounds.dualMs, counted only while no link is impaired. */
export function auditDualHolders(samples: readonly HolderSample[], tl: Timeline, b: Bounds): Violation[] {
  const out: Violation[] = [];
  for (const r of runs(samples, (s) => s.holders.length >= 2)) {
    let clock: number | null = null;
    for (const i of r.idx) {
      const t = samples[i]!.t;
      if (tl.impaired(t)) {
        clock = null;
        continue;
      }
      const change = tl.lastChange(r.from, t, IMPAIR_END)?.t ?? r.from;
      clock = Math.max(clock ?? t, change, r.from);
      if (t - clock > b.dualMs) {
        out.push({
          kind: 'dual-holder', at: t, from: r.from, to: r.to, fault: tl.faultAt(r.from),
          text: `both nodes held the VIP ${fmt(r.from)}-${fmt(r.to)} (${secs(r.to - r.from)}), ${secs(r.to - clock)} of it with every link up (bound ${secs(b.dualMs)})`,
        });
        break;
      }
    }
  }
  return out;
}

const SETTLE_AFTER: CampEventKind[] = ['start-done', 'heal', 'restore', 'reset'];
const CHANGE: CampEventKind[] = ['start-done', 'stop-done', 'kill', 'died', 'thaw', 'restore', 'heal', 'loss-off', 'reset', 'start-failed'];

/**
 * (b) No holder for longer than the takeover bound (settle bound after a start, heal or restore;
 * plus retryMs after a failed start script) while some node could hold.
 */
export function auditNoHolder(samples: readonly HolderSample[], tl: Timeline, ledger: readonly LedgerEntry[], b: Bounds): Violation[] {
  const out: Violation[] = [];
  const failedStarts = ledger.filter((l) => l.phase === 'E' && l.op === 'start' && l.exit !== 0);
  for (const r of runs(samples, (s) => s.holders.length === 0)) {
    let clock: number | null = null;
    for (const i of r.idx) {
      const t = samples[i]!.t;
      const able = tl.nodes.filter((n) => tl.able(n, t));
      if (able.length === 0) {
        clock = null;
        continue;
      }
      const ev = tl.lastChange(r.from, t, CHANGE);
      const fail = failedStarts.filter((l) => l.t > r.from && l.t <= t).at(-1);
      const startClock: number = clock ?? t;
      clock = Math.max(startClock, ev?.t ?? r.from, r.from);
      let bound = ev && SETTLE_AFTER.includes(ev.kind) ? b.settleMs : b.takeoverMs;
      if (fail && fail.t >= clock - b.retryMs) bound = Math.max(bound, fail.t - clock + b.retryMs);
      if (t - clock > bound) {
        const young = able.map((n) => ({ n, s: tl.lastStart(n, t) })).filter((x) => x.s !== null && t - x.s < 10_000);
        out.push({
          kind: 'no-holder', at: t, from: r.from, to: r.to, fault: tl.faultAt(r.from),
          text: `nobody held the VIP ${fmt(r.from)}-${fmt(r.to)} (${secs(r.to - r.from)}) although ${able.join(' and ')} could` +
            ` (bound ${secs(bound)} after ${ev ? `${ev.kind}${ev.node ? ` ${ev.node}` : ''} at ${fmt(ev.t)}` : 'the VIP went'})` +
            (fail ? `; ${fail.node}'s ${fail.script} start failed at ${fmt(fail.t)}` : '') +
            (young.length ? `; started ${young.map((x) => `${x.n} ${secs(t - x.s!)} before`).join(', ')}` : ''),
        });
        break;
      }
    }
  }
  return out;
}

/** Is `script` running on node at t according to the ledger: last start ended ok, no stop begun since. */
export function runningPerLedger(ledger: readonly LedgerEntry[], node: string, script: string, t: number): { up: boolean; since: number } {
  let up = false;
  let since = 0;
  for (const l of ledger) {
    if (l.t > t) break;
    if (l.node !== node || l.script !== script) continue;
    if (l.op === 'start' && l.phase === 'E' && l.exit === 0) {
      if (!up) since = l.t;
      up = true;
    } else if (l.op === 'stop' && l.phase === 'B') up = false;
  }
  return { up, since };
}

/**
 * (c) The client not served for longer than bounds.servedMs although exactly one node holds the
 * VIP, its links are up and its web resource runs (a stale ARP entry, a VIP without a server).
 */
export function auditNotServed(records: readonly ProbeRecord[], samples: readonly HolderSample[], tl: Timeline, ledger: readonly LedgerEntry[], web: string, b: Bounds): Violation[] {
  const out: Violation[] = [];
  let si = 0;
  let runFrom: number | null = null;
  let clock: number | null = null;
  let cur: { v: Violation; clock: number; holder: string; since: number; err: string } | null = null;
  let solo = '';
  let soloSince = 0;
  const close = (end: number): void => {
    if (!cur) return;
    const c = cur;
    c.v.to = end;
    c.v.text = `client not served ${fmt(c.v.from)}-${fmt(end)} (${secs(end - c.v.from)}) although ${c.holder} alone held the VIP (since ${fmt(c.since)}) and ran ${web}: ` +
      `${secs(end - c.clock)} of it > ${secs(b.servedMs)} (errors: ${c.err})`;
    cur = null;
  };
  for (const r of records) {
    if (r.ok) {
      close(r.t);
      runFrom = null;
      clock = null;
      continue;
    }
    runFrom ??= r.t;
    if (cur) {
      if (!cur.err.includes(r.err ?? '?')) cur.err += ` ${r.err ?? '?'}`;
      continue;
    }
    while (si + 1 < samples.length && samples[si + 1]!.t <= r.t) {
      si++;
      const h = samples[si]!.holders;
      const now = h.length === 1 ? h[0]! : '';
      if (now !== solo) {
        solo = now;
        soloSince = samples[si]!.t;
      }
    }
    const s = samples[si];
    if (!s || s.t > r.t || solo === '' || tl.cut(solo, r.t)) {
      clock = null;
      continue;
    }
    const web0 = runningPerLedger(ledger, solo, web, r.t);
    if (!web0.up) {
      clock = null;
      continue;
    }
    const restored = tl.lastChange(0, r.t, ['restore', 'heal', 'reset'])?.t ?? 0;
    clock = Math.max(clock ?? r.t, runFrom, soloSince, web0.since, restored);
    if (r.t + r.ms - clock > b.servedMs) {
      const v: Violation = { kind: 'not-served', at: r.t, from: runFrom, to: r.t + r.ms, fault: tl.faultAt(runFrom), text: '' };
      out.push(v);
      cur = { v, clock, holder: solo, since: soloSince, err: r.err ?? '?' };
    }
  }
  const last = records.at(-1);
  if (last) close(last.t + last.ms);
  return out;
}

/** (d) Every death the campaign's monitor saw (daemon gone without our kill or stop). */
export function auditDeaths(tl: Timeline): Violation[] {
  return tl.events.filter((e) => e.kind === 'died').map((e) => ({
    kind: 'daemon-died' as const, at: e.t, from: e.t, to: e.t, fault: tl.faultAt(e.t),
    text: `${e.node}'s daemon died at ${fmt(e.t)} without a kill or stop from the campaign${e.detail ? ` (${e.detail})` : ''}`,
  }));
}

export interface LogLine {
  node: string;
  t: number | null;
  level: 'ERROR' | 'CRIT';
  text: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * ERROR/CRIT lines of an ha-log, in either of Heartbeat's formats (ours writes the same):
 * `Dec 07 12:17:24 node2 heartbeat: [8928]: ERROR: ...` (syslogmsgfmt) or
 * `heartbeat[8928]: 2026/12/07_12:17:24 ERROR: ...`, or Heartbeat's ResourceManager's
 * `2026/12/07_13:24:24  ResourceManager(default)[15127]:    CRIT: ...`. Local time, whole seconds; the year of the
 * first form is taken from `year`.
 */
export function errorLines(node: string, log: string, year = new Date().getFullYear()): LogLine[] {
  const out: LogLine[] = [];
  for (const line of log.split('\n')) {
    const a = /^([A-Z][a-z]{2}) +(\d+) (\d\d):(\d\d):(\d\d) .*?\b(ERROR|CRIT|CRITICAL):\s*(.*)$/.exec(line);
    const b = a ? null : /(\d{4})\/(\d\d)\/(\d\d)_(\d\d):(\d\d):(\d\d)\s.*?\b(ERROR|CRIT|CRITICAL):\s*(.*)$/.exec(line);
    let t: number;
    let lvl: string;
    let text: string;
    if (a) {
      const [, mon, d, h, mi, s, l, x] = a;
      t = new Date(year, MONTHS.indexOf(mon ?? ''), Number(d), Number(h), Number(mi), Number(s)).getTime();
      lvl = l ?? '';
      text = x ?? '';
    } else if (b) {
      const [, y, mo, d, h, mi, s, l, x] = b;
      t = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime();
      lvl = l ?? '';
      text = x ?? '';
    } else continue;
    out.push({ node, t, level: lvl === 'ERROR' ? 'ERROR' : 'CRIT', text });
  }
  return out;
}

/** A message with numbers, pids and addresses blanked, to count one kind of line. */
export function normalise(text: string): string {
  return text.replace(/\d+(\.\d+)*/g, 'N').replace(/\s+/g, ' ').trim();
}

/** Lines caused by a fault we injected on purpose (the failing start and its roll-back). */
export function expectedForFault(kind: string | undefined, text: string): boolean {
  if (kind?.startsWith('failstart')) return /labweb|Giving up resources|start failed|Return code|failure of/i.test(text);
  return false;
}

export const BOTH_OWN_RE = /Both machines own .*resources/i;
