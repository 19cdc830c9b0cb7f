// The soak's arithmetic and its acceptance rules (issue 24), apart from the lab so they can be
// unit-tested: least-squares slope, percentiles, and the verdict per contender and phase.
import type { Timers } from './contender.js';
import type { Results } from './stats.js';

/** Slope of y over x by least squares (null for fewer than two distinct x). */
export function leastSquaresSlope(points: readonly (readonly [number, number])[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const k = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[k]!;
}

/**
 * The acceptance rules of issue 24 for one phase after the warm-up. Steady: all of them; loss,
 * churn and flood: no false deaths (beyond the injected kills) and the memory rules.
 */
export function soakRules(t: Timers, phase: string): readonly { metric: string; limit: number; what: string }[] {
  const memory = [
    { metric: 'false_deaths', limit: 0, what: 'false deaths' },
    { metric: 'rss_slope', limit: 64, what: 'RSS slope KiB/min' },
    { metric: 'rss_end_vs_warmup', limit: 1.25, what: 'RSS at the end / at the end of the warm-up' },
    { metric: 'heap_gc_rise', limit: 16, what: 'heapUsed after GC since the warm-up, KiB/min (not rising)' },
  ];
  if (phase !== 'steady') return memory;
  return [
    ...memory,
    { metric: 'send_p99', limit: t.keepaliveMs + 20, what: 'p99 send interval ms' },
    { metric: 'fds_range', limit: 10, what: 'fds max - min (constant within +-5)' },
    { metric: 'log_growth', limit: 5, what: 'log growth KiB/min' },
  ];
}

/** One line per contender (and node) and phase: PASS, or FAIL with the rules broken and their values. */
export function soakVerdicts(res: Results, t: Timers): string[] {
  const out: string[] = [];
  const keys = new Set(res.samples.filter((s) => s.bench === 'soak').map((s) => `${s.contender}\t${s.timers}`));
  for (const k of keys) {
    const [contender, label] = k.split('\t') as [string, string];
    const phase = label.split(' ').at(-1) ?? '';
    if (phase === 'warm-up' || contender.endsWith(' client')) continue;
    const broken: string[] = [];
    for (const r of soakRules(t, phase)) {
      const s = res.samples.find((x) => x.bench === 'soak' && x.contender === contender && x.timers === label && x.metric === r.metric);
      if (!s || s.values.length === 0) continue;
      const v = Math.max(...s.values);
      if (v > r.limit) broken.push(`${r.what} ${Number.isInteger(v) ? v : v.toFixed(2)} > ${r.limit}`);
    }
    out.push(`${broken.length === 0 ? 'PASS' : 'FAIL'}  ${contender}  ${label}${broken.length ? `: ${broken.join('; ')}` : ''}`);
  }
  return out;
}
