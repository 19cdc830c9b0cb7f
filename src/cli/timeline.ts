// `heartbeat timeline`: who held which resource group when, the faults and the takeovers, read
// from ha-log files (ours and the real Heartbeat 3.0.6's: the same lines), as text and as SVG.
// Pure: texts in, a timeline out; the command reads the files. Times have the logs' resolution
// (1 s), in local time as the logs are written.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SYSLOG = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\S+) ([^:[]+)(?:\[\d+\])?: (?:\[\d+\]: )?(\w+): (.*)$/;
const V1 = /^(?:(\S+?)\[\d+\]: )?(\d{4})\/(\d\d)\/(\d\d)_(\d\d):(\d\d):(\d\d) +(?:([^:]+): +)?(\w+): +(.*)$/;

export interface LogLine {
  readonly at: number;
  readonly node: string;
  readonly level: string;
  readonly message: string;
}

export type EventKind = 'takes' | 'releases' | 'fault' | 'takeover' | 'start' | 'stop';

export interface TimelineEvent {
  readonly at: number;
  readonly node: string;
  readonly kind: EventKind;
  readonly text: string;
  readonly group?: string;
}

export interface Hold {
  readonly group: string;
  readonly node: string;
  readonly from: number;
  /** null: still held when its log ends. */
  readonly to: number | null;
  /** Its heartbeat ended without a word (kill -9, a crash) at `to`, its last line: the log cannot say whether it still ran. */
  readonly unknownAfter?: boolean;
}

export interface Timeline {
  readonly from: number;
  readonly to: number;
  readonly events: readonly TimelineEvent[];
  readonly holds: readonly Hold[];
  /** Spans in which two nodes held the same group. */
  readonly doubles: readonly { readonly group: string; readonly nodes: readonly string[]; readonly from: number; readonly to: number }[];
}

/**
 * One ha-log's lines, in either of Heartbeat's formats (syslogmsgfmt on and off). Lines without a
 * host name (resource scripts' v1 lines) belong to `node`, or to the host the file's other lines name.
 */
export function parseLog(text: string, node: string | null, year = new Date().getFullYear()): LogLine[] {
  const lines = text.split('\n');
  const v1Year = lines.map((l) => V1.exec(l)?.[2]).find((y) => y !== undefined);
  const y = v1Year !== undefined ? Number(v1Year) : year;
  const hosts = new Map<string, number>();
  const raw: { at: number; host: string | null; level: string; message: string }[] = [];
  for (const l of lines) {
    const s = SYSLOG.exec(l);
    if (s) {
      const [, mon, d, hh, mm, ss, host, , level, message] = s;
      const at = new Date(y, MONTHS.indexOf(mon!), Number(d), Number(hh), Number(mm), Number(ss)).getTime();
      hosts.set(host!, (hosts.get(host!) ?? 0) + 1);
      raw.push({ at, host: host!, level: level!, message: message! });
      continue;
    }
    const v = V1.exec(l);
    if (v) {
      const [, , yy, mo, d, hh, mm, ss, , level, message] = v;
      raw.push({ at: new Date(Number(yy), Number(mo) - 1, Number(d), Number(hh), Number(mm), Number(ss)).getTime(), host: null, level: level!, message: message! });
    }
  }
  const fileHost = node ?? [...hosts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'this node';
  return raw.map((r) => ({ at: r.at, node: node ?? r.host ?? fileHost, level: r.level.toUpperCase(), message: r.message }));
}

const GROUP = /^(Acquiring|Releasing) resource group: (\S+) (\S+)/;

function eventOf(l: LogLine): TimelineEvent | null {
  const g = GROUP.exec(l.message);
  const base = { at: l.at, node: l.node };
  if (g) return { ...base, kind: g[1] === 'Acquiring' ? 'takes' : 'releases', group: g[3]!, text: `${g[1] === 'Acquiring' ? 'takes' : 'releases'} ${g[3]}` };
  const m = l.message;
  if (/^Configuration validated\. Starting heartbeat/.test(m)) return { ...base, kind: 'start', text: 'heartbeat starts' };
  if (/Heartbeat shutdown complete\.$/.test(m)) return { ...base, kind: 'stop', text: 'heartbeat stopped' };
  if (/^node \S+: is dead$/.test(m) || /^Link \S+ dead\.$/.test(m) || /returning after partition/.test(m) ||
    /^Late heartbeat: .*> deadtime/.test(m) || /^Resource .* (start|stop) failed/.test(m) || /^Heartbeat exiting with code/.test(m)) {
    return { ...base, kind: 'fault', text: m };
  }
  if (/^mach_down takeover complete\.$/.test(m) || /wants to go standby/.test(m) || /^Standby resource acquisition done/.test(m)) return { ...base, kind: 'takeover', text: m };
  return null;
}

/** The timeline of several nodes' logs (each already parsed), from `since` on (ms; holds before it count). */
export function buildTimeline(logs: readonly (readonly LogLine[])[], since: number | null = null): Timeline {
  const lines = logs.flat().sort((a, b) => a.at - b.at);
  /** Per start event: when that node logged its line before it (the end of its previous run). */
  const before = new Map<TimelineEvent, number>();
  // A start's own first lines share its second: the run before ended at the last line of an earlier second.
  const last = new Map<string, { at: number; earlier: number | undefined }>();
  const all: TimelineEvent[] = [];
  for (const l of lines) {
    const p = last.get(l.node);
    const e = eventOf(l);
    if (e) {
      all.push(e);
      const prev = p === undefined ? undefined : p.at < l.at ? p.at : p.earlier;
      if (e.kind === 'start' && prev !== undefined) before.set(e, prev);
    }
    last.set(l.node, { at: l.at, earlier: p === undefined ? undefined : p.at < l.at ? p.at : p.earlier });
  }
  // A resource script may log the same acquire twice in one second (mach_down and the planner): once is enough.
  const events = all.filter((e, i) => !all.slice(Math.max(0, i - 3), i).some((p) => p.at === e.at && p.node === e.node && p.text === e.text));
  const end = lines.at(-1)?.at ?? 0;
  const open = new Map<string, number>();
  const holds: Hold[] = [];
  const close = (key: string, at: number, unknownAfter = false): void => {
    const from = open.get(key);
    if (from === undefined) return;
    const [node, group] = key.split('\0') as [string, string];
    holds.push({ node, group, from, to: Math.max(from, at), ...(unknownAfter ? { unknownAfter } : {}) });
    open.delete(key);
  };
  for (const e of events) {
    if (e.kind === 'takes' && e.group) {
      const key = `${e.node}\0${e.group}`;
      if (!open.has(key)) open.set(key, e.at);
    } else if (e.kind === 'releases' && e.group) close(`${e.node}\0${e.group}`, e.at);
    else if (e.kind === 'stop') {
      for (const key of [...open.keys()]) if (key.startsWith(`${e.node}\0`)) close(key, e.at);
    } else if (e.kind === 'start') {
      // A start after no "shutdown complete": the run before ended by kill -9 or a crash. What it
      // held is known up to its last line; after that the log cannot say (ours releases leftovers at
      // start-up, Heartbeat 3.0.6 does not), so that time is not counted as held.
      for (const key of [...open.keys()]) if (key.startsWith(`${e.node}\0`)) close(key, before.get(e) ?? e.at, true);
    }
  }
  for (const [key, from] of open) {
    const [node, group] = key.split('\0') as [string, string];
    holds.push({ node, group, from, to: null });
  }
  holds.sort((a, b) => a.from - b.from);
  const doubles: Timeline['doubles'][number][] = [];
  for (let i = 0; i < holds.length; i++) {
    for (let j = i + 1; j < holds.length; j++) {
      const a = holds[i]!;
      const b = holds[j]!;
      if (a.group !== b.group || a.node === b.node) continue;
      const from = Math.max(a.from, b.from);
      const to = Math.min(a.to ?? end, b.to ?? end);
      if (to > from) doubles.push({ group: a.group, nodes: [a.node, b.node], from, to });
    }
  }
  const from = since ?? lines[0]?.at ?? 0;
  return {
    from,
    to: end,
    events: events.filter((e) => e.at >= from),
    holds: holds.filter((h) => (h.to ?? end) >= from).map((h) => (h.from < from ? { ...h, from } : h)),
    doubles: doubles.filter((d) => d.to >= from),
  };
}

const p2 = (n: number): string => String(n).padStart(2, '0');
const hms = (t: number): string => {
  const d = new Date(t);
  return `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
};
const span = (ms: number): string => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`);

const MARK: Record<EventKind, string> = { takes: '==', releases: '--', fault: '**', takeover: '>>', start: '  ', stop: '  ' };

export function renderTimeline(t: Timeline): string {
  if (t.events.length === 0) return 'timeline: no heartbeat events in these logs\n';
  const d = new Date(t.from);
  const width = Math.max(...t.events.map((e) => e.node.length));
  const out = [`timeline ${MONTHS[d.getMonth()]} ${d.getDate()} ${hms(t.from)} .. ${hms(t.to)} (== takes, -- releases, >> takeover/standby, ** fault)`];
  for (const e of t.events) out.push(`${hms(e.at)}  ${e.node.padEnd(width)}  ${MARK[e.kind]} ${e.text}`);
  for (const g of [...new Set(t.holds.map((h) => h.group))]) {
    out.push('', `held ${g}:`);
    for (const h of t.holds.filter((x) => x.group === g)) {
      const after = h.unknownAfter ? '; then its heartbeat ended without a word (kill -9 or a crash): whether it still ran is not in the log' : '';
      out.push(`  ${h.node.padEnd(width)}  ${hms(h.from)} .. ${h.to === null ? 'end of log' : hms(h.to)} (${span((h.to ?? t.to) - h.from)}${after})`);
    }
    for (const x of t.doubles.filter((y) => y.group === g)) out.push(`  ** held by ${x.nodes.join(' and ')} at once: ${hms(x.from)} .. ${hms(x.to)} (${span(x.to - x.from)})`);
  }
  return `${out.join('\n')}\n`;
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One lane per node and group: bars while held, red ticks for faults, blue for takeovers. */
export function timelineSvg(t: Timeline): string {
  const lanes = [...new Set([...t.holds.map((h) => `${h.node}\0${h.group}`), ...t.events.map((e) => `${e.node}\0`)])]
    .map((k) => k.split('\0') as [string, string]);
  const nodes = [...new Set(lanes.map(([n]) => n))].sort();
  const rows: [string, string][] = nodes.flatMap((n) => {
    const gs = [...new Set(lanes.filter(([x, g]) => x === n && g !== '').map(([, g]) => g))];
    return gs.length === 0 ? [[n, ''] as [string, string]] : gs.map((g) => [n, g] as [string, string]);
  });
  const W = 960;
  const left = 260;
  const H = 40 + rows.length * 34 + 30;
  const dur = Math.max(1000, t.to - t.from);
  const x = (at: number): number => left + ((at - t.from) / dur) * (W - left - 20);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">heartbeat timeline ${xml(hms(t.from))} .. ${xml(hms(t.to))}</text>`,
  ];
  rows.forEach(([node, group], i) => {
    const y = 40 + i * 34;
    out.push(`<text x="10" y="${y + 16}">${xml(node)}${group ? ` ${xml(group.length > 32 ? `${group.slice(0, 31)}…` : group)}` : ''}</text>`);
    out.push(`<line x1="${left}" y1="${y + 12}" x2="${W - 20}" y2="${y + 12}" stroke="#ddd"/>`);
    for (const h of t.holds.filter((z) => z.node === node && z.group === group)) {
      const x0 = x(h.from);
      out.push(`<rect x="${x0.toFixed(1)}" y="${y + 4}" width="${Math.max(2, x(h.to ?? t.to) - x0).toFixed(1)}" height="16" fill="#2da44e"><title>${xml(`${node} holds ${group} ${hms(h.from)} .. ${h.to === null ? 'end' : hms(h.to)}`)}</title></rect>`);
    }
    if (group === '' || rows.findIndex(([n]) => n === node) === i) {
      for (const e of t.events.filter((z) => z.node === node && (z.kind === 'fault' || z.kind === 'takeover'))) {
        const xe = x(e.at).toFixed(1);
        out.push(`<line x1="${xe}" y1="${y}" x2="${xe}" y2="${y + 24}" stroke="${e.kind === 'fault' ? '#cf222e' : '#0969da'}" stroke-width="2"><title>${xml(`${hms(e.at)} ${e.text}`)}</title></line>`);
      }
    }
  });
  for (const dbl of t.doubles) {
    out.push(`<rect x="${x(dbl.from).toFixed(1)}" y="32" width="${Math.max(2, x(dbl.to) - x(dbl.from)).toFixed(1)}" height="${rows.length * 34 + 4}" fill="#cf222e" fill-opacity="0.15"><title>${xml(`${dbl.group} held by ${dbl.nodes.join(' and ')}`)}</title></rect>`);
  }
  const ticks = 6;
  for (let k = 0; k <= ticks; k++) {
    const at = t.from + (dur * k) / ticks;
    const anchor = k === 0 ? 'start' : k === ticks ? 'end' : 'middle';
    out.push(`<text x="${x(at).toFixed(1)}" y="${H - 10}" text-anchor="${anchor}" fill="#555">${hms(at)}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** `--since`: `HH:MM[:SS]` (on the day the logs end) or a date and time `YYYY-MM-DD HH:MM[:SS]`. */
export function parseSince(v: string, logEnd: number): number | null {
  const t = /^(\d\d?):(\d\d)(?::(\d\d))?$/.exec(v);
  if (t) {
    const d = new Date(logEnd);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate(), Number(t[1]), Number(t[2]), Number(t[3] ?? 0)).getTime();
  }
  const f = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d?):(\d\d)(?::(\d\d))?$/.exec(v);
  if (f) return new Date(Number(f[1]), Number(f[2]) - 1, Number(f[3]), Number(f[4]), Number(f[5]), Number(f[6] ?? 0)).getTime();
  return null;
}
