// What the demo prints: a live "who serves the VIP" line from the client's probe records, the
// measured effect of each step (time to takeover, failed requests), a summary table and ha-log tails.
// Pure functions over probe records plus a small terminal writer; no lab or daemon code here.

/** One client request as the probe saw it (same shape as test/lab/http-probe.ts ProbeRecord). */
export interface Req {
  readonly t: number;
  readonly ok: boolean;
  readonly node: string | null;
}

export interface StepResult {
  readonly step: string;
  /** Who served before and after the step. */
  readonly from: string;
  readonly to: string;
  /** ms from the action to the first request served by `to`. */
  readonly takeoverMs: number | null;
  /** Requests that failed between the action and the first one served by `to`. */
  readonly failed: number;
  /** ms between the last good answer before and the first good answer after (what a user saw). */
  readonly gapMs: number | null;
}

/** Measures one step: requests from `since` (the action) until `to` first serves. */
export function measure(records: readonly Req[], step: string, from: string, to: string, since: number): StepResult {
  const after = records.filter((r) => r.t >= since);
  const firstNew = after.find((r) => r.ok && r.node === to);
  const window = firstNew ? after.filter((r) => r.t <= firstNew.t) : after;
  const lastGoodBefore = [...records].reverse().find((r) => r.t < since && r.ok);
  return {
    step,
    from,
    to,
    takeoverMs: firstNew ? firstNew.t - since : null,
    failed: window.filter((r) => !r.ok).length,
    gapMs: firstNew && lastGoodBefore ? firstNew.t - lastGoodBefore.t : null,
  };
}

/** "node1 (ok 160/160)" for the records in [from, to). */
export function liveText(records: readonly Req[], t0: number, now: number): string {
  const last = records.at(-1);
  const ok = records.filter((r) => r.ok).length;
  const who = !last ? 'nobody yet' : last.ok ? `served by ${last.node ?? '?'}` : 'NOT SERVED';
  const s = ((now - t0) / 1000).toFixed(1).padStart(5);
  return `t=${s}s  ${who.padEnd(18)} (ok ${ok}/${records.length}, failed ${records.length - ok})`;
}

/** Runs of the same server: "node1 x455 | - x6 | node2 x120". */
export function runs(records: readonly Req[]): Array<{ node: string; count: number; from: number; to: number }> {
  const out: Array<{ node: string; count: number; from: number; to: number }> = [];
  for (const r of records) {
    const node = r.ok ? (r.node ?? '?') : 'FAILED';
    const last = out.at(-1);
    if (last && last.node === node) {
      last.count++;
      last.to = r.t;
    } else out.push({ node, count: 1, from: r.t, to: r.t });
  }
  return out;
}

export function secs(ms: number | null): string {
  return ms === null ? '   n/a' : `${(ms / 1000).toFixed(2).padStart(5)} s`;
}

export function summaryTable(results: readonly StepResult[]): string {
  const head = ['step', 'from -> to', 'takeover', 'outage seen', 'failed requests'];
  const rows = results.map((r) => [r.step, `${r.from} -> ${r.to}`, secs(r.takeoverMs), secs(r.gapMs), String(r.failed)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => '  ' + cells.map((c, i) => c.padEnd(w[i] ?? 0)).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

/** Heartbeat's lines worth showing after a failover demo (same words as the real one). */
const INTERESTING = [
  /is dead/, /Resources being acquired/, /Taking over resource group/, /takeover complete/,
  /Acquiring resource group/, /Releasing resource group/, /Received shutdown notice/, /shutdown complete/,
  /wants to go standby/, /standby/, /returning after partition/, /Partition healed/, /found (partly )?running at start-up/,
  /Initial resource acquisition complete/, /Status update for node/, /Heartbeat restart on node/, /No STONITH/,
];

/** The last `n` interesting ha-log lines (ping-node chatter left out), compacted. */
export function logTail(text: string, n: number): string[] {
  const lines = text.split('\n').filter((l) => INTERESTING.some((re) => re.test(l)) && !/\d+\.\d+\.\d+\.\d+: status ping/.test(l));
  return lines.slice(-n).map(compact);
}

/** "Nov 21 23:08:05 node2 heartbeat: [11731]: info: X" -> "23:08:05 node2 info: X". */
export function compact(line: string): string {
  const m = /^\w{3} +\d+ (\d\d:\d\d:\d\d) (\S+) heartbeat: \[\d+\]: (.*)$/.exec(line);
  return m ? `${m[1]} ${m[2]} ${m[3]}` : line;
}

/** Writes a live status line: rewritten in place on a terminal, printed on change otherwise. */
export class LiveLine {
  private shown = '';
  private lastKey = '';
  private readonly tty = process.stdout.isTTY === true;

  update(text: string, key: string): void {
    if (this.tty) {
      process.stdout.write(`\r\x1b[K  ${text}`);
      this.shown = text;
    } else if (key !== this.lastKey) {
      process.stdout.write(`  ${text}\n`);
    }
    this.lastKey = key;
  }

  /** Ends the live line so that ordinary output can follow. */
  done(): void {
    if (this.tty && this.shown) process.stdout.write('\n');
    this.shown = '';
  }
}
