// ha.cf reader: lexing as Heartbeat's parse_config() does (`#` starts a comment anywhere, CR and
// trailing blanks dropped, words split on blanks/commas), dispatch to the directive handlers, then
// Heartbeat's defaults and whole-file checks (init_config()). Pure: host facts are passed in.
import { NOT_IN_HEARTBEAT, directiveInfo, suggestDirective } from './directives.js';
import { HANDLERS } from './ha-cf-handlers.js';
import { LINE_HANDLERS } from './ha-cf-lines.js';
import { issue, newState } from './ha-cf-state.js';
import type { HaCfState, HostFacts } from './ha-cf-state.js';
import type { ConfigIssue, HaCf, Where } from './types.js';

export type { HostFacts } from './ha-cf-state.js';

export interface HaCfOptions {
  /** Path used in messages, e.g. `/etc/ha.d/ha.cf`. */
  readonly file: string;
  /** This host's node name, already lower-cased (uname -n). */
  readonly nodeName: string;
  readonly host?: HostFacts;
}

export interface HaCfResult {
  readonly haCf: HaCf;
  readonly issues: readonly ConfigIssue[];
}

/** One significant ha.cf line: directive name, the rest of the line, and where it was. */
export interface HaCfLine {
  readonly name: string;
  readonly rest: string;
  readonly where: Where;
}

export function lexHaCf(text: string, file: string): HaCfLine[] {
  const out: HaCfLine[] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw;
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    line = line.replace(/\r.*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m || m[1] === undefined) return;
    out.push({ name: m[1], rest: (m[2] ?? '').trim(), where: { file, line: i + 1 } });
  });
  return out;
}

function unknown(s: HaCfState, name: string, where: Where): void {
  const why = NOT_IN_HEARTBEAT.get(name);
  const near = why === undefined ? suggestDirective(name) : undefined;
  const hint = why !== undefined ? ` (${why})` : near !== undefined ? ` (did you mean [${near}]?)` : '';
  issue(s, where, 'error', `Illegal directive [${name}]${hint}`);
}

function apply(s: HaCfState, l: HaCfLine): void {
  const info = directiveInfo(l.name);
  if (info === undefined) {
    unknown(s, l.name, l.where);
    return;
  }
  const lineHandler = LINE_HANDLERS[l.name];
  const handler = HANDLERS[l.name];
  if (info.form === 'line') {
    s.directives.push({ name: l.name, args: l.rest.split(/[ \t]+/).filter(Boolean), where: l.where });
    if (lineHandler) lineHandler(s, l.rest, l.where);
    else handler?.(s, l.rest, l.where);
    return;
  }
  // Heartbeat's add_option loop: each word separated by blanks or commas is applied on its own.
  const values = l.rest.split(/[ \t,]+/).filter(Boolean);
  s.directives.push({ name: l.name, args: values, where: l.where });
  if (values.length === 0) {
    issue(s, l.where, 'warning', `${l.name} has no value; ignored, as Heartbeat does`);
    return;
  }
  for (const v of values) handler?.(s, v, l.where);
}

export function parseHaCf(text: string, opts: HaCfOptions): HaCfResult {
  const s = newState(opts.file, opts.host ?? {});
  for (const l of lexHaCf(text, opts.file)) apply(s, l);
  return { haCf: finish(s, opts), issues: s.issues };
}

function finish(s: HaCfState, opts: HaCfOptions): HaCf {
  const whole: Where = { file: s.file, line: 0 };
  if (s.media.length === 0) issue(s, whole, 'error', 'No heartbeat media defined');
  const warntimeMs = s.warntimeMs ?? Math.floor(s.deadtimeMs / 2);
  if (s.nodes.length === 0 && s.autojoin !== 'any') issue(s, whole, 'error', 'no nodes defined');
  if (!s.nodes.includes(opts.nodeName) && s.autojoin !== 'any') {
    issue(s, whole, 'error', `Current node [${opts.nodeName}] not in configuration!` +
      " By default, cluster nodes are named by `uname -n` and must be declared with a 'node' directive in the ha.cf file.");
  }
  if (s.deadtimeMs <= 2 * s.keepaliveMs) {
    issue(s, whereOf(s, 'deadtime'), 'error', `Dead time [${s.deadtimeMs}] is too small compared to keeplive [${s.keepaliveMs}]`);
  }
  // Heartbeat's initdead default: deadtime if > 10 s, 12 s if deadtime < 6 s, else 2 x deadtime.
  const initdeadMs = s.initdeadMs ?? (s.deadtimeMs > 10000 ? s.deadtimeMs : s.deadtimeMs < 6000 ? 12000 : 2 * s.deadtimeMs);
  if (initdeadMs < s.deadtimeMs) {
    issue(s, whereOf(s, 'initdead'), 'error', `Initial dead time [${initdeadMs}] is smaller than deadtime [${s.deadtimeMs}]`);
  } else if (initdeadMs < 10000) {
    issue(s, whereOf(s, 'initdead'), 'warning', `Initial dead time [${initdeadMs} ms] may be too small!` +
      ' Initial dead time accounts for slow network startup time. It should be >= deadtime and >= 10 seconds');
  }
  let deadpingMs = s.deadpingMs ?? s.deadtimeMs;
  if (s.deadpingMs !== null && s.deadpingMs <= 2 * s.keepaliveMs) {
    issue(s, whereOf(s, 'deadping'), 'error', `Ping dead time [${s.deadpingMs}] is too small compared to keeplive [${s.keepaliveMs}]`);
    deadpingMs = s.deadpingMs;
  }
  if (s.autoFailback === null || s.autoFailback === 'legacy') {
    issue(s, whereOf(s, 'auto_failback'), 'warning', "Deprecated 'legacy' auto_failback option selected." +
      " Please convert to 'auto_failback on'. See documentation for conversion details.");
  }
  if (s.autojoin !== 'none') {
    issue(s, s.autojoinWhere ?? whole, 'error', 'R1 style resource management conflicts with autojoin set' +
      ' (haresources needs autojoin none; heartbeat-ts has no crm)');
  }
  return build(s, { warntimeMs, initdeadMs, deadpingMs });
}

function whereOf(s: HaCfState, name: string): Where {
  const last = [...s.directives].reverse().find((d) => d.name === name);
  return last?.where ?? { file: s.file, line: 0 };
}

function build(s: HaCfState, t: { warntimeMs: number; initdeadMs: number; deadpingMs: number }): HaCf {
  return {
    file: s.file,
    keepaliveMs: s.keepaliveMs,
    deadtimeMs: s.deadtimeMs,
    warntimeMs: t.warntimeMs,
    initdeadMs: t.initdeadMs,
    deadpingMs: t.deadpingMs,
    udpport: s.udpport,
    nodes: s.nodes,
    media: s.media,
    pingNodes: s.pingNodes,
    pingGroups: s.pingGroups,
    respawn: s.respawn,
    autoFailback: s.autoFailback ?? 'legacy',
    logfile: s.logfile,
    debugfile: s.debugfile,
    logfacility: s.logfacility,
    debug: s.debug,
    autojoin: s.autojoin,
    hopfudge: s.hopfudge,
    msgfmt: s.msgfmt,
    directives: s.directives,
    baud: s.baud,
    watchdog: s.watchdog,
    useLogd: s.useLogd ?? false,
    realtime: s.realtime,
    ...(s.rtprio !== null ? { rtprio: s.rtprio } : {}),
    ...(s.metrics !== null ? { metrics: s.metrics } : {}),
  };
}

