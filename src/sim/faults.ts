// Faults for the simulator: the kinds of the lab campaign (kill -9, SIGSTOP, cuts, split brain,
// loss, graceful stops, failing starts, hanging stops, standby), drawn at random from a seed or read
// from an operator's what-if script ("node1 dies at 10s; eth1 cut at 20s for 3s").
import type { SimCluster } from './cluster.js';
import type { Rng } from './rng.js';
import { peerMayRun } from '../resources/plan-core.js';

export type FaultKind =
  | 'crash-holder'
  | 'crash-peer'
  | 'pause-short'
  | 'pause-long'
  | 'isolate'
  | 'split-brain'
  | 'one-way'
  | 'loss'
  | 'graceful-stop'
  | 'fail-start'
  | 'hang-stop'
  | 'fail-stop'
  | 'standby'
  | 'young-crash'
  | 'young-cut'
  | 'young-pause'
  | 'clock-step';

export const FAULT_KINDS: readonly FaultKind[] = [
  'crash-holder',
  'crash-peer',
  'pause-short',
  'pause-long',
  'isolate',
  'split-brain',
  'one-way',
  'loss',
  'graceful-stop',
  'fail-start',
  'hang-stop',
  'standby',
  'young-crash',
  'young-cut',
  'young-pause',
  'clock-step',
];

/**
 * Drawn only when asked for (RunOptions.kinds): adding a kind to FAULT_KINDS would change every
 * seed's plan, and the regression cases replay plans by seed. 'fail-stop': the holder's stops of
 * a group fail (it keeps running), hb_standby there; 5-20 s later the operator mends the stop,
 * stops the group by hand and runs `heartbeat cleanup`.
 */
export const WITH_OPERATOR_KINDS: readonly FaultKind[] = [...FAULT_KINDS, 'fail-stop'];

/** Routine acts: no ERROR or CRIT line may follow them. */
export const ROUTINE: ReadonlySet<FaultKind> = new Set(['graceful-stop', 'standby']);

export interface Fault {
  readonly kind: FaultKind;
  readonly at: number;
  /** Node index the fault is aimed at (resolved at `at` for holder/peer kinds). */
  readonly node: number;
  /** How long the fault lasts (pause, cut, loss) or until the restart (crash, stop). */
  readonly forMs: number;
  /** Kind-specific: loss ratio, delay before the second fault of a young-* pair, clock step. */
  readonly x: number;
  /** Group for script faults. */
  readonly group: number;
}

export interface Timing {
  readonly keepaliveMs: number;
  readonly deadtimeMs: number;
}

/** How long one fault needs to play out and settle before the next, at the latest. */
export function faultSpan(f: Fault, settleMs: number): number {
  // x is a delay only for the young-* pairs (a clock step's x is its size, and may be negative).
  const delay = f.kind.startsWith('young-') ? f.x : 0;
  return f.forMs + delay + settleMs;
}

/** A random fault at `at`: durations as in the lab campaign, in multiples of deadtime. */
export function randomFault(rng: Rng, at: number, t: Timing, nodes: number, groups: number, kinds: readonly FaultKind[] = FAULT_KINDS): Fault {
  const kind = rng.pick(kinds);
  const D = t.deadtimeMs;
  const node = rng.int(nodes);
  const group = rng.int(Math.max(1, groups));
  const base = { kind, at, node, group, x: 0 };
  switch (kind) {
    case 'crash-holder':
    case 'crash-peer':
      return { ...base, forMs: rng.range(0.5, 3) * D + rng.range(0, 2000) };
    case 'pause-short':
      return { ...base, forMs: rng.range(0.3, 0.7) * D };
    case 'pause-long':
      return { ...base, forMs: rng.range(1.5, 3) * D };
    case 'isolate':
    case 'split-brain':
    case 'one-way':
      return { ...base, forMs: rng.range(1.5, 3) * D };
    case 'loss':
      return { ...base, forMs: rng.range(3, 8) * D, x: rng.next() < 0.5 ? 0.2 : 0.5 };
    case 'graceful-stop':
      return { ...base, forMs: rng.range(1, 4) * D + rng.range(0, 2000) };
    case 'fail-start':
      return { ...base, forMs: rng.range(1, 4) * D };
    case 'hang-stop':
      return { ...base, forMs: rng.range(15_000, 25_000) };
    case 'fail-stop':
      return { ...base, forMs: rng.range(5_000, 20_000) };
    case 'standby':
      return { ...base, forMs: 0 };
    case 'young-crash':
    case 'young-cut':
    case 'young-pause':
      // A restart, then a second fault in the node's first seconds.
      return { ...base, forMs: rng.range(1.5, 3) * D, x: rng.range(0, 5000) };
    case 'clock-step':
      return { ...base, forMs: 0, x: (rng.next() < 0.5 ? -1 : 1) * rng.range(1000, 3_600_000) };
  }
}

function holderOf(sim: SimCluster, group: number): number | null {
  const i = sim.nodes.findIndex((n) => n.truth[group] === 'started' && n.core !== null);
  return i < 0 ? null : i;
}

function cut(sim: SimCluster, a: number, b: number, loss: number, oneWay = false): void {
  sim.setLink(a, b, 'all', { loss });
  if (!oneWay) sim.setLink(b, a, 'all', { loss });
}

function isolate(sim: SimCluster, i: number, loss: number): void {
  for (let j = 0; j < sim.nodes.length; j++) if (j !== i) cut(sim, i, j, loss);
}

/**
 * The operator after a failed stop on node i: mends the stop, stops by hand what it left running,
 * and runs `heartbeat cleanup` wherever status names the failure (there, and on a peer that would
 * not take the group over), for 30 s. A frozen node answers no command: the operator waits for it.
 */
function operatorCleanup(sim: SimCluster, i: number, g: number, onAct: (text: string, routine: boolean) => void, routine: boolean): void {
  // `heartbeat cleanup` refuses while the group's scripts run (a hanging stop): the operator waits.
  if (sim.paused(i) || (sim.nodes[i]?.busy[g] ?? 0) > 0) return sim.at(sim.now + 500, () => operatorCleanup(sim, i, g, onAct, routine));
  const name = (j: number): string => sim.nodes[j]?.name ?? `#${j}`;
  onAct(`the operator mends group ${g}'s stop on ${name(i)} and stops it by hand`, routine);
  sim.stopByHand(i, g);
  if (sim.nodes[i]?.core?.plan.groups[g] === 'failed') {
    onAct(`heartbeat cleanup on ${name(i)}`, routine);
    sim.cleanup(i, [g]);
  }
  // Then watches heartbeat status on the other nodes for a while: a peer may name this failure
  // only later (it declares the node dead after deadtime, and then does not take the group over).
  const until = sim.now + 30_000;
  const watch = (): void => {
    sim.nodes.forEach((n, j) => {
      if (j === i || !n.core || sim.paused(j) || !peerMayRun(n.core.plan, g)) return;
      onAct(`heartbeat cleanup on ${name(j)}`, routine);
      sim.cleanup(j, [g]);
    });
    if (sim.now < until) sim.at(sim.now + 500, watch);
  };
  watch();
}

/** Schedule one fault on the simulator; returns a short description for the timeline. */
export function applyFault(sim: SimCluster, f: Fault, onAct: (text: string, routine: boolean) => void): void {
  const name = (i: number): string => sim.nodes[i]?.name ?? `#${i}`;
  const routine = ROUTINE.has(f.kind);
  sim.at(f.at, () => {
    const others = (i: number): number => (i + 1) % sim.nodes.length;
    const holder = holderOf(sim, f.group);
    const ms = (v: number): string => `${Math.round(v)} ms`;
    switch (f.kind) {
      case 'crash-holder':
      case 'crash-peer': {
        const i = f.kind === 'crash-holder' ? (holder ?? f.node) : holder === null ? f.node : others(holder);
        onAct(`kill -9 ${name(i)}; restart in ${ms(f.forMs)}`, routine);
        sim.crash(i);
        sim.at(sim.now + f.forMs, () => {
          onAct(`start ${name(i)}`, routine);
          sim.start(i);
        });
        return;
      }
      case 'pause-short':
      case 'pause-long': {
        const i = holder ?? f.node;
        onAct(`SIGSTOP ${name(i)} for ${ms(f.forMs)}`, routine);
        sim.pause(i, f.forMs);
        return;
      }
      case 'isolate':
        onAct(`all links of ${name(f.node)} cut for ${ms(f.forMs)}`, routine);
        isolate(sim, f.node, 1);
        sim.at(sim.now + f.forMs, () => {
          onAct(`links of ${name(f.node)} back`, routine);
          isolate(sim, f.node, 0);
        });
        return;
      case 'split-brain':
      case 'one-way': {
        const j = others(f.node);
        const one = f.kind === 'one-way';
        onAct(`heartbeat links ${name(f.node)}${one ? ' ->' : ' <->'} ${name(j)} cut for ${ms(f.forMs)}`, routine);
        cut(sim, f.node, j, 1, one);
        sim.at(sim.now + f.forMs, () => {
          onAct(`heartbeat links ${name(f.node)} - ${name(j)} back`, routine);
          cut(sim, f.node, j, 0);
        });
        return;
      }
      case 'loss':
        onAct(`${Math.round(f.x * 100)} % heartbeat loss at ${name(f.node)} for ${ms(f.forMs)}`, routine);
        isolate(sim, f.node, f.x);
        sim.at(sim.now + f.forMs, () => {
          onAct(`loss at ${name(f.node)} over`, routine);
          isolate(sim, f.node, 0);
        });
        return;
      case 'graceful-stop': {
        const i = holder ?? f.node;
        onAct(`heartbeat stop on ${name(i)}; start again in ${ms(f.forMs)}`, routine);
        sim.command(i, 'shutdown');
        restartWhenDown(sim, i, f.forMs, onAct, routine);
        return;
      }
      case 'fail-start': {
        // The next start of the group fails once on the node that does not hold it, then the holder stops.
        const i = holder === null ? f.node : others(holder);
        onAct(`next start of group ${f.group} fails once on ${name(i)}`, routine);
        sim.failNextStart(i, f.group);
        if (holder !== null) {
          onAct(`heartbeat stop on ${name(holder)}; start again in ${ms(f.forMs)}`, routine);
          sim.command(holder, 'shutdown');
          restartWhenDown(sim, holder, f.forMs, onAct, routine);
        }
        return;
      }
      case 'hang-stop': {
        const i = holder ?? f.node;
        onAct(`next stop of group ${f.group} on ${name(i)} hangs ${ms(f.forMs)}; heartbeat stop on it`, routine);
        sim.hangNextStop(i, f.group, f.forMs);
        sim.command(i, 'shutdown');
        restartWhenDown(sim, i, 1000, onAct, routine);
        return;
      }
      case 'fail-stop': {
        const i = holder ?? f.node;
        onAct(`next stop of group ${f.group} on ${name(i)} fails; hb_standby on it; cleanup in ${ms(f.forMs)}`, routine);
        sim.failNextStop(i, f.group, Infinity);
        sim.command(i, 'standby', 'all');
        sim.at(sim.now + f.forMs, () => operatorCleanup(sim, i, f.group, onAct, routine));
        return;
      }
      case 'standby': {
        const i = holder ?? f.node;
        onAct(`hb_standby on ${name(i)}`, routine);
        sim.command(i, 'standby', 'all');
        return;
      }
      case 'young-crash':
      case 'young-cut':
      case 'young-pause': {
        const i = f.node;
        onAct(`kill -9 ${name(i)} and start it again; ${f.kind.slice(6)} ${ms(f.x)} after`, routine);
        sim.crash(i);
        sim.start(i);
        sim.at(sim.now + f.x, () => {
          if (f.kind === 'young-crash') {
            onAct(`kill -9 ${name(i)} (${ms(f.x)} after its start); restart in ${ms(f.forMs)}`, routine);
            sim.crash(i);
            sim.at(sim.now + f.forMs, () => sim.start(i));
          } else if (f.kind === 'young-cut') {
            onAct(`all links of ${name(i)} cut ${ms(f.x)} after its start, for ${ms(f.forMs)}`, routine);
            isolate(sim, i, 1);
            sim.at(sim.now + f.forMs, () => {
              onAct(`links of ${name(i)} back`, routine);
              isolate(sim, i, 0);
            });
          } else {
            onAct(`SIGSTOP ${name(i)} ${ms(f.x)} after its start, for ${ms(f.forMs)}`, routine);
            sim.pause(i, f.forMs);
          }
        });
        return;
      }
      case 'clock-step':
        onAct(`wall clock of ${name(f.node)} steps ${f.x > 0 ? '+' : ''}${Math.round(f.x / 1000)} s`, routine);
        sim.clockStep(f.node, f.x);
        return;
    }
  });
}

/** Start the node again `afterMs` after its daemon has exited (a stop may take a while). */
function restartWhenDown(sim: SimCluster, i: number, afterMs: number, onAct: (t: string, r: boolean) => void, routine: boolean): void {
  const poll = (): void => {
    const n = sim.nodes[i];
    if (n && n.core === null) {
      sim.at(sim.now + afterMs, () => {
        onAct(`start ${n.name}`, routine);
        sim.start(i);
      });
      return;
    }
    sim.at(sim.now + 100, poll);
  };
  sim.at(sim.now + 100, poll);
}

// ------------------------------------------------------------------ what-if scripts

const TIME = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;

function parseTime(s: string, where: string): number {
  const m = TIME.exec(s);
  if (!m) throw new Error(`${where}: cannot read time [${s}] (use 10s, 1.5s, 500ms, 2m)`);
  const v = Number(m[1]);
  return m[2] === 'ms' ? v : m[2] === 'm' ? v * 60_000 : v * 1000;
}

export interface ScriptStep {
  readonly at: number;
  readonly text: string;
  readonly run: (sim: SimCluster) => void;
}

/**
 * A what-if script: steps separated by `;` or new lines, each `WHO WHAT at TIME [for TIME]`:
 *   node1 dies at 10s [for 5s]        the machine goes down (back after `for`, if given)
 *   node1 crashes at 10s [for 5s]     kill -9 of the daemon; what it started stays up
 *   node1 stops at 10s [for 5s]       heartbeat stop (started again after `for`)
 *   node1 starts at 3s                start a node that is not running
 *   node1 freezes at 10s for 2s       SIGSTOP
 *   node1 standby at 30s              hb_standby
 *   node1 takeover at 30s             hb_takeover
 *   eth1 cut at 20s for 3s            that medium cut between every pair
 *   node1 isolated at 20s for 3s      every medium of node1 cut
 *   eth0 loss 20% at 20s for 10s      random loss on a medium
 *   node2 fails start at 5s           the next start of every group on node2 fails once
 *   node2 fails stop at 5s            every stop on node2 fails (what ran keeps running)
 *   node2 cleanup at 40s              the operator mends node2's stops, stops by hand what they
 *                                     left running, and runs `heartbeat cleanup` wherever status
 *                                     names a failure
 */
export function parseWhatIf(text: string, nodes: readonly string[], links: readonly string[]): ScriptStep[] {
  const steps: ScriptStep[] = [];
  const parts = text.split(/[;\n]/).map((x) => x.trim()).filter((x) => x !== '' && !x.startsWith('#'));
  parts.forEach((p, k) => {
    const where = `what-if step ${k + 1} [${p}]`;
    const w = p.split(/\s+/);
    const who = w[0] ?? '';
    const atIdx = w.indexOf('at');
    if (atIdx < 0 || w[atIdx + 1] === undefined) throw new Error(`${where}: says no time (… at 10s)`);
    const at = parseTime(w[atIdx + 1] as string, where);
    const forIdx = w.indexOf('for');
    const dur = forIdx >= 0 && w[forIdx + 1] !== undefined ? parseTime(w[forIdx + 1] as string, where) : undefined;
    const verb = w.slice(1, atIdx).join(' ');
    const isNode = nodes.includes(who);
    const isLink = links.includes(who);
    if (!isNode && !isLink) throw new Error(`${where}: [${who}] is neither a node (${nodes.join(', ')}) nor a medium (${links.join(', ')})`);
    const push = (run: (sim: SimCluster) => void): void => {
      steps.push({ at, text: p, run });
    };
    if (isNode) {
      const i = (sim: SimCluster): number => sim.index(who);
      switch (verb) {
        case 'dies':
        case 'crashes':
          return push((sim) => {
            if (verb === 'dies') sim.powerOff(i(sim));
            else sim.crash(i(sim));
            if (dur !== undefined) sim.at(sim.now + dur, () => sim.start(i(sim)));
          });
        case 'stops':
          return push((sim) => {
            sim.command(i(sim), 'shutdown');
            if (dur !== undefined) restartWhenDown(sim, i(sim), dur, () => undefined, true);
          });
        case 'starts':
          return push((sim) => sim.start(i(sim)));
        case 'freezes':
          return push((sim) => sim.pause(i(sim), dur ?? 1000));
        case 'standby':
          return push((sim) => sim.command(i(sim), 'standby', 'all'));
        case 'takeover':
          return push((sim) => sim.command(i(sim), 'takeover', 'all'));
        case 'isolated':
          return push((sim) => {
            isolate(sim, i(sim), 1);
            if (dur !== undefined) sim.at(sim.now + dur, () => isolate(sim, i(sim), 0));
          });
        case 'fails start':
          return push((sim) => sim.nodes[i(sim)]?.cfg.groups.forEach((_, g) => sim.failNextStart(i(sim), g)));
        case 'fails stop':
          return push((sim) => sim.nodes[i(sim)]?.cfg.groups.forEach((_, g) => sim.failNextStop(i(sim), g, Infinity)));
        case 'cleanup':
          return push((sim) => sim.nodes[i(sim)]?.cfg.groups.forEach((_, g) => operatorCleanup(sim, i(sim), g, () => undefined, true)));
        default:
          throw new Error(`${where}: unknown action [${verb}] for a node (dies, crashes, stops, starts, freezes, standby, takeover, isolated, fails start, fails stop, cleanup)`);
      }
    }
    const li = links.indexOf(who);
    const all = (sim: SimCluster, loss: number): void => {
      for (let a = 0; a < sim.nodes.length; a++) for (let b = 0; b < sim.nodes.length; b++) if (a !== b) sim.setLink(a, b, li, { loss });
    };
    if (verb === 'cut') {
      return push((sim) => {
        all(sim, 1);
        if (dur !== undefined) sim.at(sim.now + dur, () => all(sim, 0));
      });
    }
    const lm = /^loss (\d+(?:\.\d+)?)%$/.exec(verb);
    if (lm) {
      const loss = Number(lm[1]) / 100;
      return push((sim) => {
        all(sim, loss);
        if (dur !== undefined) sim.at(sim.now + dur, () => all(sim, 0));
      });
    }
    throw new Error(`${where}: unknown action [${verb}] for a medium (cut, loss N%)`);
  });
  return steps;
}
