// The membership core: who is alive, on which links, with which generation and sequence numbers.
// Pure and deterministic: no I/O, no timers, no Date. Time is the `at` of each event (monotonic ms);
// randomness comes from cfg.rng. The daemon feeds events to handle() and carries out the effects.
import type { ClusterConfig } from '../config/types.js';
import type { Effect, MembershipConfig, MembershipEvent, MembershipStatus, NodeHealth, NodeView } from './types.js';
import { linkHealthView } from './link-health.js';
import { type CoreState, Out, deadInterval, newNode, newState } from './state.js';
import { onMessage } from './receive.js';
import { checkCommUp, emitSend, nextWake, onTick, sendStatus, sendStatusIfDue } from './timers.js';

export class Membership {
  private readonly s: CoreState;

  constructor(cfg: MembershipConfig) {
    this.s = newState(cfg);
  }

  /** Apply one event; returns the effects in the order they must be carried out, ending with a wake-at. */
  handle(e: MembershipEvent): Effect[] {
    const s = this.s;
    const out = new Out();
    if (s.stopped) return [];
    switch (e.kind) {
      case 'start':
        if (!s.started) start(s, out, e.at);
        break;
      case 'send':
        emitSend(s, out, e.fields, e.dest);
        break;
      case 'message':
        if (s.started) {
          onMessage(s, out, e.msg, e.link, e.at);
          sendStatusIfDue(s, out, e.at);
        }
        break;
      case 'tick':
        if (s.started) onTick(s, out, e.at);
        break;
      case 'retime':
        s.cfg = { ...s.cfg, keepaliveMs: e.keepaliveMs, deadtimeMs: e.deadtimeMs, warntimeMs: e.warntimeMs, deadpingMs: e.deadpingMs };
        for (const n of s.nodes.values()) if (n.type === 'ping') n.dtMs = e.deadpingMs;
        // A shorter keepalive takes effect at once; the peers hear the new dt in that status.
        if (s.started) s.nextStatusAt = Math.min(s.nextStatusAt, e.at + e.keepaliveMs);
        break;
      case 'dropped':
        for (const l of s.drops.drop(e.reason, e.from, 'warn', e.detail ?? `Dropped packet from [${e.from}]: ${e.reason}`, e.at)) {
          out.log(l.level, l.text);
        }
        break;
      case 'stop':
        s.stopped = true;
        return out.effects;
    }
    const wake = nextWake(s);
    if (wake !== undefined) out.push({ kind: 'wake-at', at: wake });
    return out.effects;
  }

  /** How many entries each of the core's tables holds (`heartbeat status --json`, the soak, the guard test). */
  tableSizes(): { nodes: number; resentAt: number; dropWindows: number; peers: { name: string; links: number; missing: number }[] } {
    const s = this.s;
    const peers = [...s.nodes.values()].map((n) => ({ name: n.name, links: n.links.size, missing: n.track.missing.size }));
    return { nodes: s.nodes.size, resentAt: s.resentAt.size, dropWindows: s.drops.size, peers };
  }

  /** Per other node and link, how it has been doing (link-health.ts), as of core time `at`. */
  health(at: number): NodeHealth[] {
    return [...this.s.nodes.values()].map((n) => ({
      name: n.name,
      type: n.type,
      status: n.status,
      lastHeardAt: n.lastHeardAt,
      late: n.health.late,
      lateOverDeadtime: n.health.lateOverDeadtime,
      lost: n.health.lost,
      resentFor: n.health.resentFor,
      intervals: { counts: [...n.health.intervals.counts], sumMs: n.health.intervals.sum, count: n.health.intervals.count },
      links: [...n.links.values()].map((l) => ({ name: l.name, status: l.status, lastAt: l.lastAt, ...linkHealthView(l.health, n.health, at) })),
    }));
  }

  /** A read-only snapshot for `heartbeat status`, cl_status and the control socket. */
  status(): MembershipStatus {
    const s = this.s;
    const nodes: NodeView[] = [];
    for (const name of [...s.cfg.pingNodes, ...s.cfg.nodes.filter((n) => n !== s.cfg.thisNode)]) {
      const n = s.nodes.get(name);
      if (!n) continue;
      nodes.push({
        name,
        type: n.type,
        status: n.status,
        links: [...n.links.values()].map((l) => ({ name: l.name, status: l.status })),
        generation: n.track.generation,
        deadIntervalMs: deadInterval(s, n),
      });
    }
    for (const n of s.nodes.values()) {
      if (nodes.some((v) => v.name === n.name)) continue; // autojoined nodes come after the configured ones
      const links = [...n.links.values()].map((l) => ({ name: l.name, status: l.status }));
      nodes.push({ name: n.name, type: n.type, status: n.status, links, generation: n.track.generation, deadIntervalMs: deadInterval(s, n) });
    }
    nodes.push({
      name: s.cfg.thisNode,
      type: 'normal',
      status: s.localStatus,
      links: s.cfg.links.map((l) => ({ name: l, status: s.ownLinks.get(l) ?? 'up' })),
      generation: s.cfg.generation,
      deadIntervalMs: s.cfg.deadtimeMs,
    });
    return {
      localStatus: s.localStatus,
      commUp: s.commUp,
      generation: s.cfg.generation,
      hiseq: s.seq,
      flowControl: s.flowControl,
      nodes,
      counters: { ...s.counters, dropped: { ...s.drops.counts } },
    };
  }
}

/** Status init then up go out at once (captures: seq 1 st=init, seq 2 st=up), then keepalive ticks. */
function start(s: CoreState, out: Out, at: number): void {
  s.started = true;
  s.startAt = at;
  // ha.cf order (node lines, then ping), which is the order of Heartbeat's "is dead" lines in s8.
  for (const name of s.cfg.nodes) if (name !== s.cfg.thisNode) s.nodes.set(name, newNode(s, name, 'normal', at));
  for (const name of s.cfg.pingNodes) if (!s.nodes.has(name)) s.nodes.set(name, newNode(s, name, 'ping', at));
  sendStatus(s, out, at);
  s.localStatus = 'up';
  sendStatus(s, out, at);
  out.log('info', "Local status now set to: 'up'");
  s.nextStatusAt = at + s.cfg.keepaliveMs;
  checkCommUp(s, out, at);
}

/** Membership settings from a loaded configuration. Link names are the media's local interfaces. */
export function membershipConfigFrom(
  c: ClusterConfig,
  generation: number,
  rng: () => number,
  uuid?: Buffer,
): MembershipConfig {
  const h = c.haCf;
  const links: string[] = [];
  for (const m of h.media) {
    const name = m.kind === 'serial' ? m.device : m.iface;
    if (!links.includes(name)) links.push(name);
  }
  return {
    thisNode: c.thisNode,
    ...(uuid ? { uuid } : {}),
    nodes: h.nodes,
    pingNodes: h.pingNodes,
    links,
    keepaliveMs: h.keepaliveMs,
    deadtimeMs: h.deadtimeMs,
    warntimeMs: h.warntimeMs,
    initdeadMs: h.initdeadMs,
    deadpingMs: h.deadpingMs,
    autojoin: h.autojoin,
    // Heartbeat announces deadtime + 2 s for its first 5 s. The peer then waits longer to declare a
    // young node dead than the young node waits for it: a cut in those seconds was seen by one side
    // only (simulator seed 1, 200ms/1s), both kept the VIP, and a young holder's death took 2 s more
    // to fail over. We announce deadtime from the start.
    startupExtraDeadtimeMs: 0,
    generation,
    rng,
  };
}
