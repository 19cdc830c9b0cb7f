// Results: one Sample per (bench, contender, timers, metric) holding every trial's value, reported as
// median and worst (every metric here is lower-is-better), printed as a table and written as CSV.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Sample {
  bench: string;
  contender: string;
  timers: string;
  metric: string;
  unit: string;
  values: number[];
  /** Free text: why a value is missing, which trial failed, ... */
  note?: string;
}

export class Results {
  readonly samples: Sample[] = [];

  add(bench: string, contender: string, timers: string, metric: string, unit: string, value: number | null, note?: string): void {
    let s = this.samples.find((x) => x.bench === bench && x.contender === contender && x.timers === timers && x.metric === metric);
    if (!s) {
      s = { bench, contender, timers, metric, unit, values: [] };
      this.samples.push(s);
    }
    if (value !== null && Number.isFinite(value)) s.values.push(value);
    if (note) s.note = s.note ? `${s.note}; ${note}` : note;
  }
}

export function median(v: readonly number[]): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function worst(v: readonly number[]): number | null {
  return v.length === 0 ? null : Math.max(...v);
}

function fmt(x: number | null): string {
  if (x === null) return '-';
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** A plain fixed-width table, grouped by bench and metric so contenders sit side by side. */
export function table(r: Results): string {
  const rows: string[][] = [['bench', 'metric', 'timers', 'contender', 'n', 'median', 'worst', 'unit', 'note']];
  const sorted = [...r.samples].sort((a, b) =>
    a.bench.localeCompare(b.bench) || a.metric.localeCompare(b.metric) || a.timers.localeCompare(b.timers) || a.contender.localeCompare(b.contender));
  for (const s of sorted) {
    rows.push([s.bench, s.metric, s.timers, s.contender, String(s.values.length), fmt(median(s.values)), fmt(worst(s.values)), s.unit, s.note ?? '']);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd()).join('\n');
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function writeCsv(r: Results, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const lines = ['bench,contender,timers,metric,unit,n,median,worst,values,note'];
  for (const s of r.samples) {
    lines.push([s.bench, s.contender, s.timers, s.metric, s.unit, String(s.values.length), fmt(median(s.values)), fmt(worst(s.values)),
      s.values.map((v) => fmt(v)).join(' '), s.note ?? ''].map(csvCell).join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}
