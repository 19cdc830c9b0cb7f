// Long simulator campaigns outside CI: `npm run simulate -- --faults 250000` spreads seeds over
// every core (one child process per core), at 200ms/1s (auto_failback off) and 1s/3s (on) by default, and
// prints faults per CPU-second and every seed that broke a rule (replay with heartbeat simulate).
// --failed-stops also draws failed stops and the operator's cleanup (other plans for the same seeds).
import { availableParallelism } from 'node:os';
import { fork } from 'node:child_process';
import { pairTexts, simConfigs } from '../src/sim/config.js';
import { runSim } from '../src/sim/run.js';
import { WITH_OPERATOR_KINDS } from '../src/sim/faults.js';

interface Job {
  keepalive: string;
  deadtime: string;
  af: 'on' | 'off';
  seeds: number[];
  faults: number;
  /** Draw failed stops and the operator's cleanup too (WITH_OPERATOR_KINDS): other plans than the default's. */
  failedStops: boolean;
}

const workerArg = process.argv.indexOf('--job');
if (workerArg >= 0) {
  const j = JSON.parse(process.argv[workerArg + 1] ?? '{}') as Job;
  const configs = simConfigs(pairTexts({ keepalive: j.keepalive, deadtime: j.deadtime, autoFailback: j.af }));
  let faults = 0;
  let simMs = 0;
  const bad: string[] = [];
  const t0 = process.cpuUsage();
  for (const seed of j.seeds) {
    const r = runSim({ configs, seed, faults: j.faults, ...(j.failedStops ? { kinds: WITH_OPERATOR_KINDS } : {}) });
    faults += r.applied;
    simMs += r.simulatedMs;
    if (r.violations[0]) bad.push(`seed ${seed}: ${r.violations[0].rule}: ${r.violations[0].text}`);
  }
  const cpu = process.cpuUsage(t0);
  process.send?.({ faults, simMs, cpuS: (cpu.user + cpu.system) / 1e6, bad });
} else {
  const arg = (name: string, dflt: string): string => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
  };
  const total = Number(arg('faults', '20000'));
  const per = Number(arg('per-seed', '25'));
  const first = Number(arg('first-seed', '1000'));
  const threads = Number(arg('threads', String(availableParallelism())));
  // The two campaign configurations of issue 14 by default; --all adds the other auto_failback
  // setting of each.
  const failedStops = process.argv.includes('--failed-stops');
  const configsWanted: Omit<Job, 'seeds' | 'faults' | 'failedStops'>[] = [
    { keepalive: '200ms', deadtime: '1', af: 'off' },
    { keepalive: '1', deadtime: '3', af: 'on' },
    ...(process.argv.includes('--all')
      ? [{ keepalive: '200ms', deadtime: '1', af: 'on' as const }, { keepalive: '1', deadtime: '3', af: 'off' as const }]
      : []),
  ];
  const seedsPer = Math.ceil(total / per / configsWanted.length);
  const jobs: Job[] = [];
  for (const c of configsWanted) {
    for (let t = 0; t < threads; t++) {
      const seeds: number[] = [];
      for (let s = t; s < seedsPer; s += threads) seeds.push(first + s);
      jobs.push({ ...c, seeds, faults: per, failedStops });
    }
  }
  const wall0 = Date.now();
  const results = new Map<string, { faults: number; simMs: number; cpuS: number; bad: string[] }>();
  const queue = [...jobs];
  const runOne = (): Promise<void> => {
    const j = queue.shift();
    if (!j) return Promise.resolve();
    return new Promise<void>((res, rej) => {
      const w = fork(new URL(import.meta.url).pathname, ['--job', JSON.stringify(j)], { execArgv: ['--import', 'tsx'] });
      w.once('message', (msg) => {
        const m = msg as { faults: number; simMs: number; cpuS: number; bad: string[] };
        const k = `${j.keepalive}/${j.deadtime} auto_failback ${j.af}`;
        const r = results.get(k) ?? { faults: 0, simMs: 0, cpuS: 0, bad: [] };
        results.set(k, { faults: r.faults + m.faults, simMs: r.simMs + m.simMs, cpuS: r.cpuS + m.cpuS, bad: [...r.bad, ...m.bad] });
      });
      w.once('error', rej);
      w.once('exit', () => res());
    }).then(runOne);
  };
  await Promise.all(Array.from({ length: threads }, runOne));
  let broken = 0;
  for (const [k, r] of results) {
    broken += r.bad.length;
    console.log(`${k}: ${r.faults} faults, ${(r.simMs / 3.6e6).toFixed(1)} simulated hours, ${r.cpuS.toFixed(1)} CPU-s, ` +
      `${Math.round(r.faults / r.cpuS)} faults/CPU-s, ${r.bad.length} seed(s) broke a rule`);
    for (const b of r.bad) console.log(`  ${b}`);
  }
  console.log(`wall ${((Date.now() - wall0) / 1000).toFixed(0)} s, ${threads} process(es), seeds from ${first}, ${per} faults per seed${failedStops ? ', failed stops drawn too' : ''}`);
  process.exitCode = broken > 0 ? 1 : 0;
}
