// ha.cf `realtime` (on unless turned off, as in Heartbeat 3.0.6) and `rtprio`: run the daemon at
// SCHED_RR, so that a busy machine (a start-up storm, a runaway job) cannot hold back our heartbeats
// past warntime while the kernel runs ordinary processes. Heartbeat's cl_make_realtime() does the
// same at the lowest SCHED_RR priority unless rtprio says otherwise. Heartbeat does it at start;
// we do it once communication is up (daemon.ts), so that our start-up work does not compete at
// realtime priority with the nodes already running.
//
// Node has no sched_setscheduler(), so chrt(1) sets it for every thread of this process. With
// reset-on-fork, what we start (resource scripts, ping, respawn clients) runs at normal priority,
// as Heartbeat runs them after cl_make_normaltime(). Heartbeat also locks itself into memory with
// mlockall(); a Node process cannot, and its heap is small enough to stay resident anyway.
import { spawnSync } from 'node:child_process';
import type { Log } from '../log/types.js';

/** Heartbeat's default: sched_get_priority_min(SCHED_RR). */
export const DEFAULT_RTPRIO = 1;

export function chrtArgs(pid: number, prio: number): string[] {
  return ['--all-tasks', '--reset-on-fork', '--rr', '--pid', String(prio), String(pid)];
}

export type RunSync = (cmd: string, args: string[]) => { status: number | null; stderr: string; error?: Error };

const runChrt: RunSync = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });

/**
 * Switches this process to SCHED_RR. On failure logs Heartbeat's words and carries on: a node at
 * normal priority still works, it only tolerates load less well.
 */
export function makeRealtime(log: Log, pid: number, prio: number = DEFAULT_RTPRIO, run: RunSync = runChrt): boolean {
  const r = run('chrt', chrtArgs(pid, prio));
  if (r.status === 0) {
    log.log('debug', `pid ${pid} runs SCHED_RR at priority ${prio}`);
    return true;
  }
  // chrt says "chrt: failed to set pid 123's policy: Operation not permitted": keep the reason.
  const reason = r.error?.message ?? (r.stderr.trim().split(': ').pop() || `chrt exited ${r.status}`);
  log.log('error', `Unable to set scheduler parameters.: ${reason}`);
  return false;
}
