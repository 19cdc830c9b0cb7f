// stop / status / reload / check / version: the init script's actions, via the pidfile and signals.
import { unlinkSync } from 'node:fs';
import { formatIssue } from '../config/load.js';
import { HEARTBEAT_COMPAT_VERSION } from '../control/daemon.js';
import { isHeartbeatProcess, pidfileState } from '../control/pidfile.js';
import { readStopOutcome } from '../control/stop-outcome.js';
import { askDaemon } from './ctl-client.js';
import { EXIT, STATUS_EXIT } from './exit-codes.js';
import type { Io } from './io.js';
import { loadFor, type Globals } from './options.js';
import { ROOT_HINT } from './privilege.js';
import { packageVersion } from './version.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function signal(pid: number, sig: NodeJS.Signals, io: Io): number | null {
  try {
    process.kill(pid, sig);
    return null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPERM') {
      io.err(`${ROOT_HINT.replace('start', sig === 'SIGTERM' ? 'stop' : 'reload')}\n`);
      return EXIT.NO_PRIVILEGE;
    }
    return null; // ESRCH: it went away by itself
  }
}

/** SIGTERM and wait until it is gone. Not running is success (LSB), as `heartbeat -k` says. */
export async function stop(g: Globals, io: Io, timeoutSec = g.stopTimeoutSec): Promise<number> {
  const st = pidfileState(g.pidfile);
  if (st.kind !== 'running') {
    if (st.kind === 'stale') {
      try {
        unlinkSync(g.pidfile);
      } catch {
        /* not ours to remove (permissions): harmless, the next start replaces it */
      }
    }
    io.err('INFO: Heartbeat already stopped.\n');
    return EXIT.OK;
  }
  const failed = signal(st.pid, 'SIGTERM', io);
  if (failed !== null) return failed;
  const deadline = Date.now() + timeoutSec * 1000;
  while (isHeartbeatProcess(st.pid)) {
    if (Date.now() >= deadline) {
      io.err(`heartbeat: still running after ${timeoutSec} s [pid ${st.pid}]; resources may still be releasing.\n`);
      return EXIT.GENERIC;
    }
    await sleep(100);
  }
  const o = readStopOutcome(g.stateDir, st.pid);
  if (o === null || o.unreleased.length === 0) return EXIT.OK;
  for (const u of o.unreleased) {
    const why = u.resource !== undefined ? ` (${u.resource}: ${u.reason ?? 'failed'})` : '';
    io.err(`heartbeat: stopped, but resource group ${u.group} failed to stop${why} and may still run here. See ha-log.\n`);
  }
  return EXIT.GENERIC;
}

export interface StatusJson {
  readonly state: 'running' | 'stale' | 'stopped';
  readonly pid: number | null;
  readonly node: string;
  readonly pidfile: string;
}

/**
 * heartbeat.c's `-s` lines; LSB status codes 0 running, 1 dead with pidfile, 3 stopped. A running
 * daemon is also asked for its cluster view (nodes, links, groups) over the control socket.
 */
export async function status(g: Globals, io: Io, json = false, links = false): Promise<number> {
  const st = pidfileState(g.pidfile);
  let cluster: { out: string; data?: unknown } | null = null;
  let denied: string | null = null;
  if (st.kind === 'running') {
    const a = await askDaemon(g.ctlSocket, { cmd: 'status', args: links ? ['--links'] : [] }, 2000);
    if (a.kind === 'reply') cluster = a.reply;
    else if (a.kind === 'denied') denied = a.message;
  }
  const view: StatusJson = {
    state: st.kind === 'absent' ? 'stopped' : st.kind,
    pid: st.kind === 'absent' ? null : st.pid,
    node: g.nodeName,
    pidfile: g.pidfile,
  };
  if (json) io.out(`${JSON.stringify(cluster?.data !== undefined ? { ...view, cluster: cluster.data } : view)}\n`);
  else if (st.kind === 'running') {
    io.out(`heartbeat OK [pid ${st.pid} et al] is running on ${g.nodeName} [${g.nodeName}]...\n`);
    if (cluster) io.out(cluster.out);
  }
  else if (st.kind === 'stale') io.out(`heartbeat is stopped. No process (stale pidfile [${g.pidfile}])\n`);
  else io.out('heartbeat is stopped. No process\n');
  if (denied !== null) {
    // Running, but its cluster view is not ours to read: say so, and do not claim a full answer.
    io.err(`heartbeat: ${denied}\n`);
    return EXIT.NO_PRIVILEGE;
  }
  return st.kind === 'running' ? STATUS_EXIT.RUNNING : st.kind === 'stale' ? STATUS_EXIT.DEAD_PIDFILE : STATUS_EXIT.STOPPED;
}

/**
 * One control command whose reply is printed as it comes. `idle` says why nothing is done when it
 * is not running; `unanswered`, when given, acts instead when the socket gives no answer.
 */
async function command(
  g: Globals, io: Io, cmd: string, args: readonly string[], idle: (why: string) => string, unanswered?: (why: string) => number,
): Promise<number> {
  const a = await askDaemon(g.ctlSocket, { cmd, args });
  switch (a.kind) {
    case 'reply':
      io.out(a.reply.out);
      io.err(a.reply.err);
      return a.reply.code;
    case 'denied':
      io.err(`heartbeat: ${a.message}\n`);
      return EXIT.NO_PRIVILEGE;
    case 'not-running':
      if (unanswered) return unanswered(a.message);
      io.err(`heartbeat: ${idle(a.message)}\n`);
      return EXIT.NOT_RUNNING;
    case 'no-answer':
      if (unanswered) return unanswered(a.message);
      io.err(`heartbeat: no answer from the daemon: ${a.message}\n`);
      return EXIT.GENERIC;
  }
}

/**
 * `heartbeat dump`: the daemon writes its flight recorder (the last log lines, debug included) to
 * STATE_DIR/flight-recorder.txt; we print the path. 7 when it is not running, 4 when we may not ask.
 */
export function dump(g: Globals, io: Io): Promise<number> {
  return command(g, io, 'dump', [], (why) => `not running, nothing to dump (${why}).`);
}

/** `heartbeat cleanup [GROUP]`: asks the daemon to forget failed starts and stops; prints what it did. */
export function cleanup(g: Globals, io: Io, group: string | undefined): Promise<number> {
  return command(g, io, 'cleanup', group === undefined ? [] : [group], (why) => `not running, nothing to clean up (${why}); failure marks do not outlive the daemon.`);
}

/**
 * `heartbeat reload`: validate here first (FILE:LINE, exit 6, nothing sent); then the daemon
 * re-reads, applies what may change live and answers: 0 applied, 1 refused (why). A daemon
 * without a control socket to answer gets SIGHUP, as Heartbeat's did, and ha-log tells.
 */
export async function reload(g: Globals, io: Io): Promise<number> {
  const st = pidfileState(g.pidfile);
  if (st.kind !== 'running') {
    io.err('ERROR: heartbeat is not running.\n');
    return EXIT.NOT_RUNNING;
  }
  const r = loadFor(g);
  const errors = r.issues.filter((i) => i.severity === 'error');
  if (!r.config) {
    for (const i of errors) io.err(`${formatIssue(i)}\n`);
    io.err(`${NOT_VALID} [${g.configDir}]: ${errors.length} error(s); not reloaded, nothing sent to the daemon.\n`);
    return EXIT.NOT_CONFIGURED;
  }
  return command(g, io, 'reload', [], () => '', (why) => {
    const failed = signal(st.pid, 'SIGHUP', io);
    if (failed !== null) return failed;
    io.err(`heartbeat: no answer on the control socket (${why}); sent SIGHUP instead: see ha-log for the outcome.\n`);
    return EXIT.OK;
  });
}

/** Validate ha.cf, haresources and authkeys; print every issue as FILE:LINE: message. */
export function check(g: Globals, io: Io, portable = false): number {
  const r = loadFor(g, !portable);
  for (const i of r.issues) (i.severity === 'error' ? io.err : io.out)(`${formatIssue(i)}\n`);
  const errors = r.issues.filter((i) => i.severity === 'error').length;
  if (!r.config) {
    io.err(`${NOT_VALID} [${g.configDir}]: ${errors} error(s). heartbeat would not start.\n`);
    return EXIT.NOT_CONFIGURED;
  }
  io.out(`Configuration validated [${g.configDir}] for node ${r.config.thisNode}.\n`);
  return EXIT.OK;
}
const NOT_VALID = 'Configuration error';

/** `heartbeat -V` prints the version first, as Heartbeat's does; ours follows in brackets. */
export function versionLine(): string {
  return `${HEARTBEAT_COMPAT_VERSION} (heartbeat-ts ${packageVersion()})`;
}
