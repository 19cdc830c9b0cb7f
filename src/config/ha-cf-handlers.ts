// One handler per ha.cf directive: validate one value as Heartbeat 3.0.6 does (config.c set_*),
// using its words where it has any, and record it in the builder. Pure.
import { addBcast, addMcast, addPing, addPingGroup, addSerial, addUcast } from './ha-cf-media.js';
import { issue } from './ha-cf-state.js';
import type { HaCfState } from './ha-cf-state.js';
import { parseHbBoolean, parseHbTime } from './time.js';
import { isIP } from 'node:net';
import type { Where } from './types.js';

export type Handler = (s: HaCfState, value: string, where: Where) => void;

const BAUDS = [9600, 19200, 38400, 57600, 115200, 230400, 460800];
const FACILITIES = new Set([
  'auth', 'authpriv', 'cron', 'daemon', 'ftp', 'kern', 'lpr', 'mail', 'news', 'syslog', 'user', 'uucp',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
]);
const TIME_HINT = '(Heartbeat time: 2, 1.5, 2000ms or 500us)';

function time(s: HaCfState, name: string, value: string, where: Where, min: number): number | null {
  const ms = parseHbTime(value);
  if (ms === null || ms < min) {
    issue(s, where, 'error', `${name} [${value}] is not a valid time ${TIME_HINT}`);
    return null;
  }
  return ms;
}

function intIn(s: HaCfState, name: string, value: string, where: Where, lo: number, hi: number): number | null {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < lo || n > hi) {
    issue(s, where, 'error', `${name} [${value}] must be an integer from ${lo} to ${hi}`);
    return null;
  }
  return n;
}

function bool(s: HaCfState, name: string, value: string, where: Where, heartbeatWords?: string): boolean | null {
  const b = parseHbBoolean(value);
  if (b === null) issue(s, where, 'error', heartbeatWords ?? `${name} [${value}] must be on or off (yes/no, true/false)`);
  return b;
}

function oneOf<T extends string>(s: HaCfState, value: string, where: Where, allowed: readonly T[], message: string): T | null {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  issue(s, where, 'error', message);
  return null;
}

const pacemakerOnly = (name: string): Handler => (s, v, w) => {
  issue(s, w, 'warning', `${name} [${v}] ignored: Pacemaker-only directive; heartbeat-ts runs haresources (v1) resource management`);
};

function setPacemaker(s: HaCfState, value: string, where: Where): void {
  if (s.pacemakerSeen) issue(s, where, 'error', 'pacemaker/crm directive used multiple times!');
  s.pacemakerSeen = true;
  if (parseHbBoolean(value) === false) return;
  issue(s, where, 'error',
    `Pacemaker support [${value}] is not available: heartbeat-ts manages resources from haresources only (use 'crm off' or remove the line)`);
}

export const HANDLERS: Readonly<Record<string, Handler>> = {
  node: (s, v, w) => {
    const name = v.toLowerCase(); // Heartbeat g_strdown()s node names
    if (!s.nodeWhere.has(name)) s.nodes.push(name);
    s.nodeWhere.set(name, w);
  },
  keepalive: (s, v, w) => { const t = time(s, 'keepalive', v, w, 1); if (t !== null) s.keepaliveMs = t; },
  deadtime: (s, v, w) => { const t = time(s, 'deadtime', v, w, 0); if (t !== null) s.deadtimeMs = t; },
  deadping: (s, v, w) => { const t = time(s, 'deadping', v, w, 0); if (t !== null) s.deadpingMs = t; },
  initdead: (s, v, w) => { const t = time(s, 'initdead', v, w, 0); if (t !== null) s.initdeadMs = t; },
  warntime: (s, v, w) => {
    const t = parseHbTime(v);
    if (t === null || t <= 0) issue(s, w, 'error', `Warn time [${v}] is invalid.`);
    else s.warntimeMs = t;
  },
  udpport: (s, v, w) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 65535) {
      issue(s, w, 'error', `invalid port [${v}] specified.`);
      return;
    }
    const before = s.media.filter((m) => m.kind === 'bcast' || m.kind === 'ucast');
    if (before.length > 0 && n !== s.udpport) {
      const first = before[0];
      issue(s, w, 'warning', `udpport setting must precede media statements: the ${before.length} bcast/ucast line(s) before it` +
        ` (first at line ${first?.where.line ?? 0}) keep port ${s.udpport}`);
    }
    s.udpport = n;
    s.udpportWhere = w;
  },
  baud: (s, v, w) => {
    if (s.baudSet) {
      issue(s, w, 'error', 'Baudrate multiply specified.');
      return;
    }
    s.baudSet = true;
    const n = Number(v);
    if (!BAUDS.includes(n)) {
      issue(s, w, 'error', `invalid baudrate [${v}] specified. (one of ${BAUDS.join(', ')})`);
      return;
    }
    const before = s.media.filter((m) => m.kind === 'serial').length;
    if (before > 0) issue(s, w, 'warning', `baudrate setting must precede media statements: the ${before} serial line(s) before it keep ${s.baud}`);
    s.baud = n;
  },
  logfile: (s, v) => { s.logfile = v; },
  debugfile: (s, v) => { s.debugfile = v; },
  logfacility: (s, v, w) => {
    if (v === 'none') s.logfacility = null;
    else if (FACILITIES.has(v)) s.logfacility = v;
    else issue(s, w, 'error', `Log facility(${v}) not valid`);
  },
  debug: (s, v, w) => { const n = intIn(s, 'debug', v, w, 0, 255); if (n !== null) s.debug = n; },
  hopfudge: (s, v, w) => { const n = intIn(s, 'hopfudge', v, w, 0, 255); if (n !== null) s.hopfudge = n; },
  autojoin: (s, v, w) => {
    const a = oneOf(s, v.toLowerCase(), w, ['none', 'other', 'any'] as const, `Invalid autojoin directive [${v}]`);
    if (a !== null) { s.autojoin = a; s.autojoinWhere = w; }
  },
  msgfmt: (s, v, w) => {
    const f = oneOf(s, v, w, ['classic', 'netstring'] as const, `msgfmt [${v}] must be classic or netstring`);
    if (f !== null) s.msgfmt = f;
  },
  auto_failback: (s, v, w) => {
    if (v.toLowerCase() === 'legacy') { s.autoFailback = 'legacy'; return; }
    const b = bool(s, 'auto_failback', v, w, `auto_failback [${v}] must be on, off or legacy`);
    if (b !== null) s.autoFailback = b ? 'on' : 'off';
  },
  nice_failback: (s, v, w) => {
    const b = parseHbBoolean(v);
    // Heartbeat logs these at ERROR level but starts anyway: they are warnings here.
    issue(s, w, 'warning', 'nice_failback flag is obsolete.. Use auto_failback {on, off, legacy} instead.');
    if (b === null) { issue(s, w, 'error', `nice_failback [${v}] must be on or off`); return; }
    if (b) issue(s, w, 'warning', `'nice_failback ${v}' has been changed to 'auto_failback off'`);
    else issue(s, w, 'warning', `nice_failback ${v} has been strictly interpreted as 'auto_failback legacy'`);
    s.autoFailback = b ? 'off' : 'legacy';
  },
  use_logd: (s, v, w) => { const b = bool(s, 'use_logd', v, w); if (b !== null) s.useLogd = b; },
  watchdog: (s, v, w) => {
    if (s.watchdog !== null) issue(s, w, 'error', 'Watchdog device multiply specified.');
    else s.watchdog = v;
  },
  bcast: (s, v, w) => addBcast(s, v, w),
  udp: (s, v, w) => {
    issue(s, w, 'warning', "WARNING: directive 'udp' replaced by 'bcast'");
    addBcast(s, v, w);
  },
  ucast: (s, v, w) => addUcast(s, v, w),
  mcast: (s, v, w) => addMcast(s, v, w),
  serial: (s, v, w) => addSerial(s, v, w),
  ping: (s, v, w) => addPing(s, v, w),
  ping_group: (s, v, w) => addPingGroup(s, v, w),
  ucast6: (s, _v, w) => issue(s, w, 'error', 'ucast6: IPv6 media are not implemented by heartbeat-ts'),
  mcast6: (s, _v, w) => issue(s, w, 'error', 'mcast6: IPv6 media are not implemented by heartbeat-ts'),
  ping6: (s, _v, w) => issue(s, w, 'error', 'ping6: IPv6 ping nodes are not implemented by heartbeat-ts'),
  crm: setPacemaker,
  pacemaker: setPacemaker,
  crm_daemon_dir: (s, v, w) => issue(s, w, 'error',
    `crm_daemon_dir [${v}]: Pacemaker directive; heartbeat-ts does not run Pacemaker (Heartbeat 3.0.6 refuses it too without Pacemaker)`),
  crmd_spawns_pengine: pacemakerOnly('crmd_spawns_pengine'),
  record_config_changes: (s, v, w) => { if (bool(s, 'record_config_changes', v, w) !== null) pacemakerOnly('record_config_changes')(s, v, w); },
  record_pengine_inputs: (s, v, w) => { if (bool(s, 'record_pengine_inputs', v, w) !== null) pacemakerOnly('record_pengine_inputs')(s, v, w); },
  enable_config_writes: (s, v, w) => { if (bool(s, 'enable_config_writes', v, w) !== null) pacemakerOnly('enable_config_writes')(s, v, w); },
  traditional_compression: (s, v, w) => {
    bool(s, 'traditional_compression', v, w, `set_traditional_compression:Invalid directive value ${v}`);
  },
  compression: (s, v, w) => { oneOf(s, v, w, ['zlib', 'bz2'], `Compression module(${v}) not found`); },
  compression_threshold: (s, v, w) => {
    if (!(Number.parseInt(v, 10) > 0)) issue(s, w, 'error', `set_compression_threshold: compress_threshhold(${v}) invalid`);
  },
  max_rexmit_delay: (s, v, w) => {
    if (!(Number.parseInt(v, 10) > 0)) issue(s, w, 'error', `Invalid max_rexmit_delay time(${v})`);
  },
  rtprio: (s, v, w) => {
    const n = Number.parseInt(v, 10);
    if (!(n >= 1 && n <= 99)) issue(s, w, 'error', `Illegal realtime priority [${v}]`);
    else s.rtprio = n;
  },
  hbgenmethod: (s, v, w) => { oneOf(s, v, w, ['file', 'time'], `Illegal hb generation method [${v}]`); },
  uuidfrom: (s, v, w) => { oneOf(s, v, w, ['file', 'nodename'], `Invalid uuidfrom directive [${v}]`); },
  conn_logd_time: (s, v, w) => { time(s, 'conn_logd_time', v, w, 1); },
  realtime: (s, v, w) => { const b = bool(s, 'realtime', v, w); if (b !== null) s.realtime = b; },
  log_badpack: (s, v, w) => { bool(s, 'log_badpack', v, w); },
  syslogmsgfmt: (s, v, w) => { bool(s, 'syslogmsgfmt', v, w); },
  coredumps: (s, v, w) => { bool(s, 'coredumps', v, w); },
  use_apphbd: (s, v, w) => { bool(s, 'use_apphbd', v, w); },
  env: (s, v, w) => { if (!/^[^=]+=/.test(v)) issue(s, w, 'error', `set_env: invalid nvpair(${v})`); },
  metrics: (s, v, w) => {
    const m = parseListen(v);
    if (m === null) issue(s, w, 'error', `metrics [${v}]: expected ADDRESS:PORT (an IP address and a port 1-65535, e.g. 127.0.0.1:9694) or a PORT alone (on 127.0.0.1)`);
    else s.metrics = m;
  },
  cluster: () => undefined,
  coreroot: () => undefined,
  memreserve: () => undefined,
  quorum_server: () => undefined,
};

/** `9694`, `127.0.0.1:9694`, `[::1]:9694`, `0.0.0.0:9694`; null when it is none of them. */
export function parseListen(v: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]:|([0-9.]+):)?([0-9]{1,5})$/.exec(v);
  if (!m) return null;
  const host = m[1] ?? m[2] ?? '127.0.0.1';
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined ? isIP(host) !== 6 : isIP(host) !== 4) return null;
  return { host, port };
}
