// One simulator run: a pair (or more) from a seed, a list of random faults or a what-if script,
// the invariants after every step, and a timeline. A violating run can be shrunk to the fewest
// faults that still show the same rule broken, and replayed with the printed command.
import type { ClusterConfig } from '../config/types.js';
import { SimCluster, type SimLogLine } from './cluster.js';
import { ROUTINE, applyFault, faultSpan, randomFault, type Fault, type FaultKind, type ScriptStep } from './faults.js';
import { boundsFor, Invariants, type Violation } from './invariants.js';
import { Rng } from './rng.js';

export interface RunOptions {
  readonly configs: readonly ClusterConfig[];
  readonly seed: number;
  /** Random faults to draw (ignored with `script`). */
  readonly faults?: number;
  /** Only these fault indexes of the drawn list (shrinking, replay). */
  readonly keep?: readonly number[];
  readonly script?: readonly ScriptStep[];
  /** Simulated time to run a script for (default: the last step + the settle bound). */
  readonly forMs?: number;
  readonly keepTrace?: boolean;
  /** Stop at the first violation (campaigns). */
  readonly stopAtFirst?: boolean;
  /** Fault kinds to draw from (default FAULT_KINDS; WITH_OPERATOR_KINDS adds failed stops and cleanup). */
  readonly kinds?: readonly FaultKind[];
}

export interface TraceLine {
  readonly at: number;
  readonly node: string;
  readonly kind: 'fault' | 'log' | 'holder' | 'violation';
  readonly text: string;
}

export interface RunResult {
  readonly seed: number;
  readonly faults: readonly Fault[];
  readonly applied: number;
  readonly violations: readonly Violation[];
  readonly simulatedMs: number;
  readonly steps: number;
  readonly messages: number;
  readonly trace: readonly TraceLine[];
}

const SCRIPT_MS = 600;

export function runSim(o: RunOptions): RunResult {
  const first = o.configs[0] as ClusterConfig;
  const h = first.haCf;
  const bounds = boundsFor(h.keepaliveMs, h.deadtimeMs, h.initdeadMs, SCRIPT_MS);
  const sim = new SimCluster({ configs: o.configs, seed: o.seed });
  const inv = new Invariants(sim, bounds, h.autoFailback);
  const trace: TraceLine[] = [];
  const keepTrace = o.keepTrace ?? false;
  let stop = false;
  const holders: string[] = first.groups.map(() => '');
  const act = (text: string, routine: boolean, forMs = 0): void => {
    inv.fault(routine, forMs);
    if (keepTrace) trace.push({ at: sim.now, node: '', kind: 'fault', text });
  };
  sim.observer = {
    afterStep: (s) => {
      const before = inv.violations.length;
      inv.check();
      if (keepTrace) {
        first.groups.forEach((_, g) => {
          const who =
            s.nodes
              .filter((n) => n.truth[g] === 'started' || n.truth[g] === 'stop-failed')
              .map((n) => (n.truth[g] === 'stop-failed' ? `${n.name} (its stop failed: may still run)` : n.core === null ? `${n.name} (daemon gone, addresses left up)` : n.name))
              .join(' + ') || 'nobody';
          if (who !== holders[g]) {
            holders[g] = who;
            trace.push({ at: s.now, node: '', kind: 'holder', text: `group ${g} (${first.groups[g]?.resources[0]?.spec}) held by ${who}` });
          }
        });
      }
      for (const v of inv.violations.slice(before)) {
        if (keepTrace) trace.push({ at: v.at, node: '', kind: 'violation', text: `${v.rule}: ${v.text}` });
        if (o.stopAtFirst) stop = true;
      }
    },
    onInjected: (text, forMs) => act(text, false, forMs),
    onLog: (l: SimLogLine) => {
      inv.onLog(l);
      if (keepTrace) trace.push({ at: l.at, node: l.node, kind: 'log', text: `${l.level}: ${l.text}` });
    },
  };
  // The plan is drawn from its own stream, so that dropping faults (shrinking) leaves the others as they were.
  const planRng = new Rng(o.seed ^ 0x5bd1e995);
  const startSkew = planRng.range(0, 3000);
  sim.at(0, () => sim.start(0));
  sim.at(startSkew, () => sim.start(1 % sim.nodes.length));
  for (let i = 2; i < sim.nodes.length; i++) sim.at(planRng.range(0, 3000), () => sim.start(i));

  const faults: Fault[] = [];
  let t = startSkew + bounds.settleMs;
  let endAt: number;
  if (o.script) {
    for (const st of o.script) {
      sim.at(st.at, () => {
        act(st.text, false);
        st.run(sim);
      });
    }
    const last = o.script.reduce((m, st) => Math.max(m, st.at), 0);
    endAt = o.forMs ?? last + bounds.settleMs + 5000;
  } else {
    const n = o.faults ?? 10;
    for (let k = 0; k < n; k++) {
      const f = randomFault(planRng, t, { keepaliveMs: h.keepaliveMs, deadtimeMs: h.deadtimeMs }, sim.nodes.length, first.groups.length, o.kinds);
      faults.push(f);
      // Mostly one fault at a time, settled; sometimes the next one lands while this one plays out.
      const span = faultSpan(f, bounds.settleMs);
      t += planRng.next() < 0.75 ? span + planRng.range(0, 3000) : planRng.range(0, span);
    }
    const chosen = o.keep ? faults.filter((_, k) => o.keep?.includes(k)) : faults;
    chosen.forEach((f, k) => {
      const next = chosen[k + 1];
      applyFault(sim, f, act);
      // The fault lasts its whole span (a cut, a loss, a pause): not quiet before it is over.
      sim.at(f.at, () => inv.fault(ROUTINE.has(f.kind), faultSpan(f, 0)));
      // Quiet until the next fault: the failback rule and routine-only tracking apply again.
      const quietAt = f.at + faultSpan(f, bounds.settleMs);
      if (next === undefined || next.at > quietAt) {
        sim.at(quietAt, () => {
          inv.checkFailback();
          inv.settled();
        });
      }
    });
    endAt = t + bounds.settleMs;
  }
  // Run in slices so that a first violation can end a campaign early.
  for (let now = 0; now < endAt && !stop; now += 1000) sim.runUntil(Math.min(endAt, now + 1000));
  return {
    seed: o.seed,
    faults,
    applied: o.keep ? o.keep.length : o.script ? o.script.length : faults.length,
    violations: inv.violations,
    simulatedMs: sim.now,
    steps: sim.steps,
    messages: sim.messages,
    trace,
  };
}

/** The fewest faults of a violating run that still break the same rule (greedy, one at a time). */
export function shrink(o: RunOptions, rule: Violation['rule']): number[] {
  const all = runSim({ ...o, stopAtFirst: true });
  let keep = all.faults.map((_, k) => k);
  const firstBad = all.violations.find((v) => v.rule === rule);
  if (firstBad) keep = keep.filter((k) => (all.faults[k]?.at ?? 0) <= firstBad.at);
  for (let k = keep.length - 1; k >= 0; k--) {
    const trial = keep.filter((_, j) => j !== k);
    const r = runSim({ ...o, keep: trial, stopAtFirst: true });
    if (r.violations.some((v) => v.rule === rule)) keep = trial;
  }
  return keep;
}

export function formatTrace(lines: readonly TraceLine[]): string {
  const sorted = [...lines].sort((a, b) => a.at - b.at);
  return sorted
    .map((l) => {
      const t = (l.at / 1000).toFixed(3).padStart(9);
      const tag = l.kind === 'fault' ? '** fault' : l.kind === 'holder' ? '== holder' : l.kind === 'violation' ? '!! VIOLATION' : l.node;
      return `${t}s  ${tag.padEnd(8)}  ${l.text}`;
    })
    .join('\n');
}
