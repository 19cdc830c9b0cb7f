// What a CLI command may touch besides files and processes: its output streams and environment.
// Commands take an Io so tests can run them in-process and read what they printed.
import type { HaCf, LoadResult } from '../config/types.js';
import { formatIssue } from '../config/load.js';
import { createHaLog, type HaLog } from '../log/ha-log.js';
import type { Level } from '../log/types.js';
import type { Globals } from './options.js';

export interface Io {
  out(s: string): void;
  err(s: string): void;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  env: process.env,
};

/**
 * The ha.cf part of a load result, even when the whole config failed, so start-up errors can reach
 * the logfile. The config loader may add `haCf` to LoadResult for this; until then only a loaded
 * config has one.
 */
export function partialHaCf(r: LoadResult): HaCf | null {
  return r.config?.haCf ?? r.haCf ?? null;
}

/** A log for CLI messages: Heartbeat-format lines on stderr, plus ha.cf's logfile when we know it. */
export function cliLog(g: Globals, io: Io, haCf: HaCf | null = null): HaLog {
  return createHaLog({
    ...(haCf ? { haCf, logfacility: null } : { logfile: null, debugfile: null, logfacility: null }),
    nodeName: g.nodeName,
    debug: g.debug,
    stderr: true,
    stderrWrite: (s) => io.err(s),
  });
}

export function issueLevel(i: LoadResult['issues'][number]): Level {
  return i.severity === 'error' ? 'error' : i.severity === 'warning' ? 'warn' : 'info';
}

/** Log every issue as Heartbeat would (`ERROR: ha.cf:14: ...`). */
export function logIssues(log: HaLog, r: LoadResult): void {
  for (const i of r.issues) log.log(issueLevel(i), formatIssue(i));
}
