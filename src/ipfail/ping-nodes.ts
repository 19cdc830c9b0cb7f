// Pure reachability counts for ipfail: which ping nodes and ping groups are up at time `at`.
// A `ping` host is one node; a `ping_group` counts as one node that is up while any member answers
// (Heartbeat's ping_group plugin). A target is dead after deadping without a reply.
// Pure: no I/O, no timers.
import type { HaCf } from '../config/types.js';

export interface PingTarget {
  /** Node name as Heartbeat shows it: the address for `ping`, the group name for `ping_group`. */
  readonly name: string;
  readonly hosts: readonly string[];
}

export interface PingState {
  readonly targets: readonly PingTarget[];
  readonly deadpingMs: number;
  /** Last reply per host; absent = never answered or reported down. */
  readonly lastReply: ReadonlyMap<string, number>;
}

export interface PingCount {
  readonly up: number;
  readonly total: number;
  readonly upNames: readonly string[];
}

export function pingTargetsFrom(haCf: HaCf): PingTarget[] {
  return [
    ...haCf.pingNodes.map((h) => ({ name: h, hosts: [h] })),
    ...haCf.pingGroups.map((g) => ({ name: g.name, hosts: [...g.hosts] })),
  ];
}

export function initPing(targets: readonly PingTarget[], deadpingMs: number): PingState {
  return { targets, deadpingMs, lastReply: new Map() };
}

/**
 * A probe result: `up` = an echo reply came back at `at`. A miss changes nothing: as in Heartbeat, a
 * ping node is dead only after deadping without a reply, so one lost echo never counts.
 */
export function pingResult(s: PingState, host: string, up: boolean, at: number): PingState {
  if (!up) return s;
  const m = new Map(s.lastReply);
  m.set(host, at);
  return { ...s, lastReply: m };
}

export function hostUp(s: PingState, host: string, at: number): boolean {
  const t = s.lastReply.get(host);
  return t !== undefined && at - t < s.deadpingMs;
}

export function pingCount(s: PingState, at: number): PingCount {
  const upNames = s.targets.filter((t) => t.hosts.some((h) => hostUp(s, h, at))).map((t) => t.name);
  return { up: upNames.length, total: s.targets.length, upNames };
}

/** When the count may next drop by itself (a reply ages past deadping); null if never. */
export function nextPingExpiry(s: PingState, at: number): number | null {
  let best: number | null = null;
  for (const t of s.lastReply.values()) {
    const exp = t + s.deadpingMs;
    if (exp > at && (best === null || exp < best)) best = exp;
  }
  return best;
}
