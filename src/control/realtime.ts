// ha.cf `realtime` (on unless turned off, as in Heartbeat 3.0.6) and `rtprio`: run the daemon at
// SCHED_RR, so that a busy machine (a start-up storm, a runaway job) cannot hold back our heartbeats
// past warntime while the kernel runs ordinary processes. Heartbeat's cl_make_realtime() does the
// same at the lowest SCHED_RR priority unless rtprio says otherwise; like Heartbeat we do it at
// start, before the media open (daemon.ts).
//
// Node has no sched_setscheduler(), so chrt(1) sets it for every thread of this process. With
// reset-on-fork, what we start (resource scripts, ping, respawn clients) runs at normal priority,
// as Heartbeat runs them after cl_make_normaltime(). Heartbeat also locks itself into memory with
// mlockall(); a Node process cannot, and its heap is small enough to stay resident anyway.
import { execFile } from 'node:child_process';
import type { Log } from '../log/types.js';

/** Heartbeat's default: sched_get_priority_min(SCHED_RR). */
export const DEFAULT_RTPRIO = 1;

export function chrtArgs(pid: number, prio: number): string[] {
  return ['--all-tasks', '--reset-on-fork', '--rr', '--pid', String(prio), String(pid)];
}

export interface RunResult {
  readonly status: number | null;
  readonly stderr: string;
  readonly error?: Error;
}
export type Run = (cmd: string, args: string[]) => Promise<RunResult>;

// Not spawnSync: on a loaded machine (a dozen nodes starting) waiting for chrt held our event loop,
// and so our heartbeats, for most of a second.
const runChrt: Run = (cmd, args) =>
  new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 5000 }, (err, _stdout, stderr) => {
      if (!err) return resolve({ status: 0, stderr });
      const code = (err as NodeJS.ErrnoException).code;
      resolve(typeof code === 'number' ? { status: code, stderr } : { status: null, stderr, error: err });
    });
  });

/**
 * Switches this process to SCHED_RR. On failure logs Heartbeat's words and carries on: a node at
 * normal priority still works, it only tolerates load less well.
 */
export async function makeRealtime(log: Log, pid: number, prio: number = DEFAULT_RTPRIO, run: Run = runChrt): Promise<boolean> {
  const r = await run('chrt', chrtArgs(pid, prio));
  if (r.status === 0) {
    log.log('debug', `pid ${pid} runs SCHED_RR at priority ${prio}`);
    return true;
  }
  // chrt says "chrt: failed to set pid 123's policy: Operation not permitted": keep the reason.
  const reason = r.error?.message ?? (r.stderr.trim().split(': ').pop() || `chrt exited ${r.status}`);
  log.log('error', `Unable to set scheduler parameters.: ${reason}`);
  return false;
}
