// What an operator cares about, checked after every step of the simulator. Each rule has a stated
// bound (Bounds); a condition that lasts longer than its bound is a violation.
import type { SimCluster, SimLogLine } from './cluster.js';

export interface Bounds {
  /** A holder's failure to the survivor serving: deadtime + 2 keepalives + script time. */
  readonly takeoverMs: number;
  /** Two holders while the nodes can talk (after a heal): resolved within this. */
  readonly dualMs: number;
  /** A node in its first seconds (initdead, the 10 s RQSTDELAY, the both-starting exchange). */
  readonly settleMs: number;
}

export function boundsFor(keepaliveMs: number, deadtimeMs: number, initdeadMs: number, scriptMs: number): Bounds {
  const takeoverMs = deadtimeMs + 2 * keepaliveMs + scriptMs;
  return {
    takeoverMs,
    dualMs: 4 * keepaliveMs + 2 * scriptMs + 500,
    settleMs: Math.max(initdeadMs, 10_000) + deadtimeMs + 2 * keepaliveMs + 2 * scriptMs,
  };
}

export interface Violation {
  readonly at: number;
  readonly rule: 'dual-holder' | 'unheld' | 'stale-arp' | 'stopped-holds' | 'flapping' | 'failback' | 'moved' | 'error-line';
  readonly group?: number;
  readonly text: string;
}

interface GroupTrack {
  dualSince: number | null;
  unheldSince: number | null;
  /** Who serves now (one 'started' holder), and since when there has been no other holder. */
  sole: number | null;
  staleSince: number | null;
  /** When a node other than the sole one last stopped holding (its VIP may still be in ARP caches). */
  lastOtherRelease: number;
  releasedBy: number | null;
  movesSinceQuiet: number;
}

export class Invariants {
  readonly violations: Violation[] = [];
  private readonly g: GroupTrack[];
  private lastCapable = '';
  private capableChangedAt = 0;
  /** Last time the fault plan touched the cluster; routine = every fault since was a routine act. */
  lastFaultAt = 0;
  routineOnly = true;
  private prevHolders: number[][];
  private reported = new Set<string>();

  constructor(
    private readonly sim: SimCluster,
    readonly bounds: Bounds,
    private readonly autoFailback: 'on' | 'off' | 'legacy',
  ) {
    const groups = sim.nodes[0]?.cfg.groups ?? [];
    this.g = groups.map(() => ({ dualSince: null, unheldSince: null, sole: null, staleSince: null, lastOtherRelease: -Infinity, releasedBy: null, movesSinceQuiet: 0 }));
    this.prevHolders = groups.map(() => []);
  }

  /** The fault plan acted (routine: a graceful stop, start, standby or takeover), for forMs. */
  fault(routine: boolean, forMs = 0): void {
    this.lastFaultAt = Math.max(this.lastFaultAt, this.sim.now + forMs);
    if (!routine) this.routineOnly = false;
    for (const t of this.g) t.movesSinceQuiet = 0;
  }

  /** Quiet long enough that every fault has settled: routine-only tracking starts again. */
  settled(): void {
    // A script fault armed long before may have fired since the plan scheduled this (a stop
    // hanging 20 s): quiet means settleMs after the last fault has ended.
    const quietAt = this.lastFaultAt + this.bounds.settleMs;
    if (this.sim.now < quietAt) {
      this.sim.at(quietAt, () => this.settled());
      return;
    }
    this.routineOnly = true;
  }

  private flag(v: Violation): void {
    // One report per rule and group per condition: the first moment it is over its bound.
    const key = `${v.rule}:${v.group ?? ''}:${v.rule === 'error-line' ? v.text : ''}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.violations.push(v);
  }

  onLog(l: SimLogLine): void {
    if ((l.level === 'error' || l.level === 'crit') && this.routineOnly) {
      this.flag({ at: l.at, rule: 'error-line', text: `${l.node}: ${l.level.toUpperCase()}: ${l.text} (routine events only)` });
    }
  }

  private capable(i: number): boolean {
    return this.sim.running(i) && !this.sim.paused(i);
  }

  check(): void {
    const sim = this.sim;
    const now = sim.now;
    const n = sim.nodes.length;
    const capable: number[] = [];
    for (let i = 0; i < n; i++) if (this.capable(i)) capable.push(i);
    const key = capable.join(',');
    if (key !== this.lastCapable) {
      this.lastCapable = key;
      this.capableChangedAt = now;
    }
    const young = capable.some((i) => now - (sim.nodes[i]?.startedAt ?? 0) < this.bounds.settleMs);
    this.g.forEach((t, gi) => {
      const holders: number[] = [];
      const serving: number[] = [];
      let moving = false;
      for (let i = 0; i < n; i++) {
        const tr = sim.nodes[i]?.truth[gi];
        if (tr !== 'stopped') holders.push(i);
        if (tr === 'started' && this.capable(i)) serving.push(i);
        // A start or stop under way on a live daemon: nobody else may start the group until it ends.
        if ((tr === 'starting' || tr === 'stopping') && sim.nodes[i]?.core) moving = true;
      }
      const prev = this.prevHolders[gi] as number[];
      for (const p of prev) {
        if (!holders.includes(p)) {
          t.lastOtherRelease = now;
          t.releasedBy = p;
        }
      }
      this.prevHolders[gi] = holders;

      // A daemon that exited cleanly must leave nothing running.
      for (const i of holders) {
        const nd = sim.nodes[i];
        if (nd && nd.core === null && nd.ended === 0 && nd.truth[gi] !== 'stopped') {
          this.flag({ at: now, rule: 'stopped-holds', group: gi, text: `${nd.name} exited (code 0) with group ${gi} still running` });
        }
      }

      // Exclusivity while the two can talk. A node whose stop of the group is under way is letting
      // go (a hanging stop script is bounded by the stop timeout, not by this rule).
      // A copy whose stop failed while it was letting go of a double holding cannot be resolved
      // without STONITH (Heartbeat reboots there): the operator's. A start beside a copy already
      // known stuck is not excused.
      const stuckAt = Math.max(...holders.map((i) => (sim.nodes[i]?.truth[gi] === 'stop-failed' ? (sim.nodes[i]?.stopFailedAt[gi] ?? -Infinity) : -Infinity)));
      const keeping = holders.filter((i) => {
        const nd = sim.nodes[i];
        if (nd?.truth[gi] === 'stopping' && nd.core) return false;
        return !(nd?.truth[gi] !== 'stop-failed' && (nd?.startBeganAt[gi] ?? -Infinity) < stuckAt);
      });
      // On lossy media (20 %, 50 % loss) a node may rightly declare the other dead: the pair
      // counts as talking there once each has the other alive again; on clean media, always.
      let talking = false;
      for (const a of keeping) {
        for (const b of keeping) {
          if (a < b && sim.canTalk(a, b) && (sim.cleanLink(a, b) || (sim.seesUp(a, b) && sim.seesUp(b, a)))) talking = true;
        }
      }
      if (keeping.length >= 2 && talking) {
        t.dualSince ??= now;
        if (now - t.dualSince > this.bounds.dualMs) {
          this.flag({ at: now, rule: 'dual-holder', group: gi, text: `${holders.map((i) => sim.nodes[i]?.name).join(' and ')} both hold group ${gi} while they can talk, for ${Math.round(now - t.dualSince)} ms` });
        }
      } else t.dualSince = null;

      // Availability: someone serves, if anyone could. A stop that failed leaves the group to the
      // operator (nobody may start it beside what still runs) until `heartbeat cleanup`.
      const blocked = capable.every((i) => sim.nodes[i]?.core?.groupBlocked(gi) ?? false);
      const stuck = holders.some((i) => sim.nodes[i]?.truth[gi] === 'stop-failed');
      if (serving.length === 0 && !moving && capable.length > 0 && !blocked && !stuck) {
        t.unheldSince ??= now;
        const since = Math.max(t.unheldSince, this.capableChangedAt);
        let bound = young ? this.bounds.settleMs : this.bounds.takeoverMs;
        // A failed start is retried after the policy's back-off (README: failed starts), not at once.
        const retry = Math.max(0, ...capable.map((i) => sim.nodes[i]?.core?.groupRetryAt(gi) ?? 0));
        if (retry > 0) bound = Math.max(bound, retry + this.bounds.takeoverMs - since);
        if (now - since > bound) {
          this.flag({ at: now, rule: 'unheld', group: gi, text: `nobody serves group ${gi} for ${Math.round(now - since)} ms (bound ${bound} ms) although ${capable.map((i) => sim.nodes[i]?.name).join(', ')} could` });
        }
      } else t.unheldSince = null;

      // The sole server has told the LAN where the address is since any other holder let go.
      const sole = holders.length === 1 && serving.length === 1 ? (serving[0] as number) : null;
      if (sole !== t.sole) {
        if (sole !== null && t.sole !== null && sole !== t.sole) {
          t.movesSinceQuiet++;
          const old = t.sole;
          if (this.autoFailback === 'off' && this.capable(old) && now - this.lastFaultAt > this.bounds.settleMs) {
            this.flag({ at: now, rule: 'moved', group: gi, text: `group ${gi} moved from ${sim.nodes[old]?.name} to ${sim.nodes[sole]?.name} with auto_failback off and no fault` });
          }
          if (t.movesSinceQuiet > 3) this.flag({ at: now, rule: 'flapping', group: gi, text: `group ${gi} moved ${t.movesSinceQuiet} times since the last fault` });
        }
        t.sole = sole;
      }
      // The sole server can only learn of that release once it hears the node that let go, and
      // only from a daemon that has joined (a start-up release of leftovers by a node that then
      // stopped before joining reaches nobody; its refresh schedule is all the server has).
      const rel = t.releasedBy === null ? null : sim.nodes[t.releasedBy];
      const joined = rel?.core?.phase === 'running' || rel?.core?.phase === 'stopping';
      const couldKnow = sole !== null && (t.releasedBy === null || t.releasedBy === sole || (joined && sim.canTalk(sole, t.releasedBy)) || (!rel?.core && rel?.ended === 'crash'));
      if (sole !== null && couldKnow && (sim.nodes[sole]?.announcedAt[gi] ?? -Infinity) < t.lastOtherRelease) {
        t.staleSince ??= now;
        if (now - t.staleSince > this.bounds.dualMs) {
          this.flag({ at: now, rule: 'stale-arp', group: gi, text: `${sim.nodes[sole]?.name} serves group ${gi} but has not announced it since another node let go of it` });
        }
      } else t.staleSince = null;
    });
  }

  /** auto_failback on: at the end of a long quiet window, each group is on its preferred node. */
  checkFailback(): void {
    if (this.autoFailback !== 'on') return;
    const sim = this.sim;
    const groups = sim.nodes[0]?.cfg.groups ?? [];
    groups.forEach((g, gi) => {
      const pref = sim.nodes.findIndex((x) => x.name === g.node);
      if (pref < 0 || !this.capable(pref) || sim.nodes[pref]?.core?.groupFailed(gi)) return;
      if (sim.now - Math.max(this.lastFaultAt, sim.nodes[pref]?.startedAt ?? 0) < this.bounds.settleMs + 3000) return;
      const t = this.g[gi];
      if (t && t.sole !== null && t.sole !== pref) {
        this.flag({ at: sim.now, rule: 'failback', group: gi, text: `group ${gi} is on ${sim.nodes[t.sole]?.name}, not its preferred ${g.node}, with auto_failback on` });
      }
    });
  }
}
