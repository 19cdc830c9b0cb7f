// What every failover daemon in the bench must offer, so one scenario code path measures ours, the
// real Heartbeat 3.0.6 and keepalived alike. A contender owns the daemons it starts inside a Lab;
// the scenario owns the lab, the HTTP probe and the faults.
import { readFileSync } from 'node:fs';
import type { Lab } from '../test/lab/lab.js';
import { shQuiet } from '../test/lab/netns.js';

/** Timers in ms. keepalived has no deadtime: its master-down interval is 3 x advert + skew. */
export interface Timers {
  label: string;
  keepaliveMs: number;
  deadtimeMs: number;
  warntimeMs: number;
  initdeadMs: number;
}

export const TIMERS_1S: Timers = { label: '1s/3s', keepaliveMs: 1000, deadtimeMs: 3000, warntimeMs: 2000, initdeadMs: 6000 };
export const TIMERS_200MS: Timers = { label: '200ms/1s', keepaliveMs: 200, deadtimeMs: 1000, warntimeMs: 500, initdeadMs: 2000 };

export interface ConfigureOptions {
  /** auto_failback on (keepalived: preempt) or off (nopreempt). */
  autoFailback: boolean;
  /** Nodes that run the daemon; default all lab nodes. The first one is the preferred owner. */
  nodes?: string[];
  /** Serve the VIP + web page (false: membership only, for the scale bench). */
  resources?: boolean;
  /** Heartbeat media: 'pair' = ucast eth1 + bcast eth0 (default), 'mcast' = mcast eth1 233.252.0.1. */
  media?: 'pair' | 'mcast';
  /** Ping node (the lab router) + ipfail (or keepalived's ping track script). */
  ipfail?: boolean;
  /** More ha.cf lines (ours only: `metrics 9694`). */
  extraHaCf?: readonly string[];
}

export interface Contender {
  readonly name: string;
  /** null when it can run here, else why not. */
  unavailable(): string | null;
  /** The largest membership the scale bench may run, and why, when there is a limit. */
  readonly scaleLimit?: { nodes: number; why: string };
  /** Writes every node's configuration; called once per lab before any start. */
  configure(lab: Lab, timers: Timers, opts: ConfigureOptions): void;
  /** Launches the daemon on a node; resolves once the process is up (not when it serves). */
  start(node: string): Promise<void>;
  /** Graceful stop (`heartbeat stop`, SIGTERM for keepalived); resolves when its processes are gone. */
  stop(node: string): Promise<void>;
  /** kill -9 of the daemon and everything it started on the node; leftover VIP removed. */
  kill(node: string): void;
  /** Pids of the daemon's own processes on a node (not the web server it started). */
  processes(node: string): number[];
  /** Log text of a node (for counting "is dead" / "Late heartbeat"); '' when it has none. */
  log(node: string): string;
  /** The failure detection time the contender is configured with (for "overhead beyond deadtime"). */
  detectionMs(timers: Timers): number;
  /** hb_standby / hb_takeover on a node (the soak's churn); absent where the contender has none. */
  standby?(node: string, which: 'all' | 'failback'): void;
  takeover?(node: string, which: 'all' | 'failback'): void;
  /** The daemon's own account of its memory, after a forced full GC when asked (ours: `memory gc`). */
  memory?(node: string, gc: boolean): Promise<DaemonMemory | null>;
}

export interface DaemonMemory {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  readonly afterGc: boolean;
  /** Table sizes by name (per-peer ones summed). */
  readonly tables: Readonly<Record<string, number>>;
}

/** Node whose eth0 carries the VIP, or null. Two holders (split brain) reports the first. */
export function holderOf(lab: Lab): string | null {
  for (const n of lab.nodes) {
    const out = shQuiet('ip', ['-n', n.ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    if (out.includes(` ${lab.vip}/`)) return n.name;
  }
  return null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Process name (comm) of a pid, '' when gone. */
export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Pids in a node's namespace, minus the web server (busybox httpd) that the resource started. */
export function daemonPidsIn(lab: Lab, node: string): number[] {
  return lab.pidsIn(node).filter((p) => {
    const c = commOf(p);
    return c !== '' && c !== 'busybox' && c !== 'httpd' && c !== 'sleep';
  });
}

/** Waits until fn() is true; false on timeout. */
export async function waitFor(fn: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (fn()) return true;
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
}
