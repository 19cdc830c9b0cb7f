// The daemon's log: Heartbeat's line format to logfile, debugfile, syslog and (when attached) stderr.
// Destinations follow ha.cf: logfile never gets debug lines, debugfile gets everything.
import type { HaCf } from '../config/types.js';
import { formatLine, type LineParts } from './format.js';
import { AppendFileTransport, StderrTransport, SyslogTransport, type LogInfo, type LogSink } from './transports.js';
import type { Level, Log } from './types.js';

/** Where the lines go, after ha.cf and Heartbeat's defaults are applied. */
export interface LogTargets {
  readonly logfile: string | null;
  readonly debugfile: string | null;
  /** syslog facility, null for none. */
  readonly logfacility: string | null;
  /** ha.cf `syslogmsgfmt` (default on in 3.0.6): the syslog-looking line in logfile/debugfile. */
  readonly syslogmsgfmt: boolean;
}

export interface HaLogOptions {
  /** Take logfile, debugfile, logfacility, syslogmsgfmt and debug from this ha.cf. */
  readonly haCf?: HaCf | null;
  /** Explicit targets; each one given overrides the haCf value (null = off). */
  readonly logfile?: string | null;
  readonly debugfile?: string | null;
  readonly logfacility?: string | null;
  readonly syslogmsgfmt?: boolean;
  /** Initial debug level; default ha.cf `debug` (the CLI adds one per -d). */
  readonly debug?: number;
  /** Heartbeat's "entity": heartbeat, ipfail, cl_status. */
  readonly entity?: string;
  readonly nodeName: string;
  readonly pid?: number;
  /** Also print every line to stderr (start-up, --foreground). */
  readonly stderr?: boolean;
  /** Wall clock for stamps (tests pass a fixed Date). */
  readonly now?: () => Date;
  /** Test hooks: `logger -u SOCKET`, another logger binary, a stderr sink. */
  readonly syslogSocket?: string;
  readonly loggerPath?: string;
  readonly stderrWrite?: (s: string) => void;
}

export interface HaLog extends Log {
  /** Heartbeat's debug level; debug lines are dropped while it is 0. */
  debugLevel(): number;
  setDebug(n: number): void;
  /** Last words: written synchronously to the files and stderr (not syslog) before returning. */
  logSync(level: Level, message: string): void;
  /** Append-per-line files need no reopen; kept so SIGHUP handling reads as Heartbeat's does. */
  reopen(): void;
  /** Flush and stop the syslog child. Later lines are dropped. */
  close(): Promise<void>;
  readonly targets: LogTargets;
}

const OFF_WORDS = new Set(['false', 'off', 'no', 'n', '0']);

function directiveArg(haCf: HaCf | null | undefined, name: string): string | undefined {
  const d = haCf?.directives.filter((x) => x.name.toLowerCase() === name).at(-1);
  return d?.args[0];
}

/**
 * Apply Heartbeat's rules. ha.cf.sample: "If all of debugfile, logfile and logfacility are not
 * defined, logging is the same as use_logd yes" and ha_logd's own default is syslog facility
 * daemon with no files, so with nothing configured we log to syslog as `daemon`.
 */
export function resolveLogTargets(opts: HaLogOptions): LogTargets {
  const cf = opts.haCf;
  const fmtArg = directiveArg(cf, 'syslogmsgfmt');
  const explicitNone = directiveArg(cf, 'logfacility')?.toLowerCase() === 'none';
  // `use_logd on`: Heartbeat hands lines to ha_logd and ignores logfile/debugfile; we have no logd,
  // so we log as logd would by default (syslog only).
  const viaLogd = cf?.useLogd === true;
  const logfile = opts.logfile !== undefined ? opts.logfile : viaLogd ? null : (cf?.logfile ?? null);
  const debugfile = opts.debugfile !== undefined ? opts.debugfile : viaLogd ? null : (cf?.debugfile ?? null);
  let logfacility = opts.logfacility !== undefined ? opts.logfacility : (cf?.logfacility ?? null);
  if (cf && opts.logfacility === undefined && !logfile && !debugfile && !logfacility && !explicitNone) {
    logfacility = 'daemon';
  }
  if (logfacility === 'none') logfacility = null;
  const syslogmsgfmt = opts.syslogmsgfmt ?? (fmtArg === undefined ? true : !OFF_WORDS.has(fmtArg.toLowerCase()));
  return { logfile: logfile || null, debugfile: debugfile || null, logfacility, syslogmsgfmt };
}

export function createHaLog(opts: HaLogOptions): HaLog {
  const targets = resolveLogTargets(opts);
  const entity = opts.entity ?? 'heartbeat';
  const pid = opts.pid ?? process.pid;
  const now = opts.now ?? (() => new Date());
  let debug = Math.max(0, opts.debug ?? opts.haCf?.debug ?? 0);
  let closed = false;

  const files: AppendFileTransport[] = [];
  if (targets.logfile) files.push(new AppendFileTransport(targets.logfile, targets.syslogmsgfmt, 'info'));
  if (targets.debugfile) files.push(new AppendFileTransport(targets.debugfile, targets.syslogmsgfmt, 'debug'));
  const stderr = opts.stderr ? new StderrTransport(targets.syslogmsgfmt, opts.stderrWrite) : null;
  const syslog = targets.logfacility
    ? new SyslogTransport({
        facility: targets.logfacility,
        tag: entity,
        ...(opts.syslogSocket ? { socket: opts.syslogSocket } : {}),
        ...(opts.loggerPath ? { loggerPath: opts.loggerPath } : {}),
      })
    : null;

  const sinks: LogSink[] = [...files];
  if (stderr) sinks.push(stderr);
  if (syslog) sinks.push(syslog);

  const parts = (level: Level, message: string): LineParts => ({
    wallTime: now(),
    nodeName: opts.nodeName,
    entity,
    pid,
    level,
    message,
  });

  return {
    targets,
    log(level: Level, message: string): void {
      if (closed || (level === 'debug' && debug === 0)) return;
      const info: LogInfo = { level, message, parts: parts(level, message) };
      for (const s of sinks) {
        if (!takes(s, level)) continue;
        try {
          s.log(info);
        } catch {
          /* a broken stderr must not cost the logfile its line, nor the caller its work */
        }
      }
    },
    logSync(level: Level, message: string): void {
      if (level === 'debug' && debug === 0) return;
      const p = parts(level, message);
      for (const f of files) if (takes(f, level)) f.writeLine(formatFor(f, p));
      if (stderr) (opts.stderrWrite ?? ((s: string) => void process.stderr.write(s)))(`${formatFor(stderr, p)}\n`);
    },
    debugLevel: () => debug,
    setDebug(n: number): void {
      debug = Math.max(0, Math.trunc(n));
    },
    reopen(): void {},
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await syslog?.shutdown();
    },
  };
}

/** logfile takes every line but debug; debugfile, stderr and syslog take them all. */
function takes(sink: LogSink, level: Level): boolean {
  return level !== 'debug' || sink.level === 'debug';
}

function formatFor(t: AppendFileTransport | StderrTransport, p: LineParts): string {
  return formatLine(p, t.syslogmsgfmt);
}
