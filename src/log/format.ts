// Heartbeat's log line formats (cluster-glue cl_log.c), pure: no I/O, the caller passes the Date.
import { LEVEL_WORD, type Level } from './types.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const p2 = (n: number): string => String(n).padStart(2, '0');

/** `Nov 21 20:27:17`: strftime "%b %d %H:%M:%S" in local time; Heartbeat zero-pads the day. */
export function syslogStamp(d: Date): string {
  return `${MONTHS[d.getMonth()]} ${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

/** `2026/11/21_20:27:17`: ha_timestamp() of the v1 format, local time. */
export function v1Stamp(d: Date): string {
  return `${d.getFullYear()}/${p2(d.getMonth() + 1)}/${p2(d.getDate())}_${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

export interface LineParts {
  readonly wallTime: Date;
  readonly nodeName: string;
  readonly entity: string;
  readonly pid: number;
  readonly level: Level;
  readonly message: string;
}

/**
 * One logfile/debugfile/stderr line, without the newline.
 * syslogmsgfmt on (3.0.6 default): `Nov 21 20:27:17 alpha heartbeat: [9831]: info: message`
 * syslogmsgfmt off (v1 look):      `heartbeat[9831]: 2026/11/21_20:27:17 info: message`
 */
export function formatLine(p: LineParts, syslogmsgfmt: boolean): string {
  const lvl = LEVEL_WORD[p.level];
  return syslogmsgfmt
    ? `${syslogStamp(p.wallTime)} ${p.nodeName} ${p.entity}: [${p.pid}]: ${lvl}: ${p.message}`
    : `${p.entity}[${p.pid}]: ${v1Stamp(p.wallTime)} ${lvl}: ${p.message}`;
}

/** The text Heartbeat hands to syslog(3) (tag = entity, added by syslog): `[9831]: info: message`. */
export function syslogBody(pid: number, level: Level, message: string): string {
  return `[${pid}]: ${LEVEL_WORD[level]}: ${message}`;
}

/** syslog severities (RFC 5424) for our levels. */
export const SEVERITY: Readonly<Record<Level, number>> = {
  crit: 2,
  error: 3,
  warn: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

/** Facility codes by the names ha.cf `logfacility` accepts (syslog.h facilitynames). */
export const FACILITY: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, ftp: 11, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21,
  local6: 22, local7: 23,
};

/** `<PRI>` prefix value for `logger --prio-prefix`, e.g. local0.info = 134. */
export function priority(facility: string, level: Level): number {
  const f = FACILITY[facility];
  if (f === undefined) throw new RangeError(`unknown syslog facility [${facility}]`);
  return f * 8 + SEVERITY[level];
}
