// Global options: command line over /etc/default/heartbeat over Heartbeat's built-in paths.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { pidfileState } from '../control/pidfile.js';
import type { LoadResult } from '../config/types.js';
import { DEFAULTS_FILE, readDefaultsFile, type DaemonDefaults } from './defaults-file.js';

export const BUILTIN = {
  configDir: '/etc/ha.d',
  stateDir: '/var/lib/heartbeat',
  pidfile: '/var/run/heartbeat.pid',
  initDir: '/etc/init.d',
  stopTimeoutSec: 120,
} as const;

/**
 * What commander hands us (all optional: unset means "not on the command line"): the defaults
 * file's keys except STOP_TIMEOUT, which has no option, plus two options of our own.
 */
export interface RawGlobals extends Omit<DaemonDefaults, 'stopTimeoutSec'> {
  readonly defaultsFile?: string;
  readonly ctlSocket?: string;
}

export interface Globals {
  readonly configDir: string;
  /** Explicit -n / NODE_NAME, or undefined to let the config loader use uname -n. */
  readonly node: string | undefined;
  /** The node name to show when no config is loaded: -n, else uname -n lower-cased as Heartbeat does. */
  readonly nodeName: string;
  readonly stateDir: string;
  /** The daemon's control socket (cl_status, hb_standby, hb_takeover, status); default STATE_DIR/ctl.sock. */
  readonly ctlSocket: string;
  readonly pidfile: string;
  readonly initDir: string;
  readonly debug: number;
  /** The -d count from the command line alone (the defaults file's DEBUG is added in `debug`). */
  readonly cliDebug: number;
  readonly defaultsFile: string;
  readonly stopTimeoutSec: number;
  /** Problems reading the defaults file, printed as warnings. */
  readonly defaultsProblems: readonly string[];
}

export function resolveGlobals(raw: RawGlobals, env: NodeJS.ProcessEnv = process.env): Globals {
  const defaultsFile = raw.defaultsFile ?? env.HEARTBEAT_DEFAULTS_FILE ?? DEFAULTS_FILE;
  const d = readDefaultsFile(defaultsFile);
  const node = raw.node ?? d.values.node;
  return {
    configDir: resolve(raw.configDir ?? d.values.configDir ?? BUILTIN.configDir),
    node,
    nodeName: (node ?? hostname()).toLowerCase(),
    stateDir: resolve(raw.stateDir ?? d.values.stateDir ?? BUILTIN.stateDir),
    ctlSocket: resolve(raw.ctlSocket ?? join(raw.stateDir ?? d.values.stateDir ?? BUILTIN.stateDir, 'ctl.sock')),
    pidfile: resolve(raw.pidfile ?? d.values.pidfile ?? BUILTIN.pidfile),
    initDir: resolve(raw.initDir ?? d.values.initDir ?? BUILTIN.initDir),
    debug: (raw.debug ?? 0) + (d.values.debug ?? 0),
    cliDebug: raw.debug ?? 0,
    defaultsFile: resolve(defaultsFile),
    stopTimeoutSec: d.values.stopTimeoutSec ?? BUILTIN.stopTimeoutSec,
    defaultsProblems: d.problems,
  };
}

/** The same globals as command-line words, for the detached child and for pkexec re-launch. */
export function globalsToArgv(g: Globals): string[] {
  const argv = ['--config-dir', g.configDir, '--state-dir', g.stateDir, '--pidfile', g.pidfile, '--init-dir', g.initDir];
  argv.push('--ctl-socket', g.ctlSocket);
  argv.push('--defaults-file', g.defaultsFile);
  if (g.node !== undefined) argv.push('--node', g.node);
  // The child re-reads the defaults file (and its DEBUG=), so pass only our own -d count.
  for (let i = 0; i < g.cliDebug; i++) argv.push('-d');
  return argv;
}

/** The configuration the globals name; `host`: checked against this machine too (host-checks.ts). */
export function loadFor(g: Globals, host = true): LoadResult {
  const ownDaemonRuns = host && pidfileState(g.pidfile).kind === 'running';
  return loadConfig({ dir: g.configDir, ...(g.node !== undefined ? { nodeName: g.node } : {}), initDir: g.initDir, host, ownDaemonRuns });
}
