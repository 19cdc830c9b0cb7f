// Bench 4: idle cost per node of a settled pair (node1 active, node2 standby), summed over the
// contender's own processes in the node (not the web server): CPU seconds per minute, memory from
// /proc/PID/smaps_rollup (Pss, Rss), and packets per second sent on the node's eth0 + eth1.
// CPU is each thread's sum_exec_runtime from /proc/PID/task/TID/schedstat (nanoseconds) plus the
// reaped children's cutime+cstime: an idle daemon runs for a few milliseconds a second, and the
// 10 ms ticks of utime/stime made a 60 s window only a handful of ticks (one tick = 0.01 cpu-s/min).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { HttpProbe } from '../test/lab/http-probe.js';
import { Lab } from '../test/lab/lab.js';
import { sh } from '../test/lab/netns.js';
import { sleep, type Contender, type Timers } from './contender.js';
import type { Results } from './stats.js';

export const IDLE_SETTLE_MS = 20_000;
const CLK_TCK = Number(sh('getconf', ['CLK_TCK']).trim()) || 100;

/** CPU seconds of a pid: every thread's run time plus its reaped children's; null when gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" of comm: state is field 3, cutime 16, cstime 17.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ns / 1e9 + (Number(f[13]) + Number(f[14])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Pss and Rss of a pid in kB (0 when gone or a kernel thread). */
export function memKb(pid: number): { pss: number; rss: number } {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const get = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
    return { pss: get('Pss'), rss: get('Rss') };
  } catch {
    return { pss: 0, rss: 0 };
  }
}

export function txPackets(lab: Lab, node: string): number {
  let sum = 0;
  for (const ifc of ['eth0', 'eth1']) {
    try {
      sum += Number(lab.exec(node, 'cat', [`/sys/class/net/${ifc}/statistics/tx_packets`]).trim());
    } catch {
      /* no such interface */
    }
  }
  return sum;
}

export interface Cost {
  cpuSPerMin: number;
  pssMb: number;
  rssMb: number;
  txPps: number;
  procs: number;
}

/** Measures one node's cost over windowMs (the caller keeps the cluster idle meanwhile). */
export async function measureCost(lab: Lab, c: Contender, nodes: string[], windowMs: number): Promise<Map<string, Cost>> {
  const start = new Map<string, { cpu: Map<number, number>; tx: number }>();
  for (const n of nodes) {
    const cpu = new Map<number, number>();
    for (const p of c.processes(n)) {
      const v = cpuSeconds(p);
      if (v !== null) cpu.set(p, v);
    }
    start.set(n, { cpu, tx: txPackets(lab, n) });
  }
  const t0 = Date.now();
  await sleep(windowMs);
  const secs = (Date.now() - t0) / 1000;
  const out = new Map<string, Cost>();
  for (const n of nodes) {
    const s = start.get(n)!;
    let cpu = 0;
    let pss = 0;
    let rss = 0;
    const pids = c.processes(n);
    for (const p of pids) {
      const v = cpuSeconds(p);
      if (v === null) continue;
      cpu += v - (s.cpu.get(p) ?? 0);
      const m = memKb(p);
      pss += m.pss;
      rss += m.rss;
    }
    out.set(n, {
      cpuSPerMin: cpu * (60 / secs),
      pssMb: pss / 1024,
      rssMb: rss / 1024,
      txPps: (txPackets(lab, n) - s.tx) / secs,
      procs: pids.length,
    });
  }
  return out;
}

export function addCost(res: Results, bench: string, contender: string, timers: string, cost: Cost, prefix = ''): void {
  res.add(bench, contender, timers, `${prefix}cpu_s_per_min`, 'cpu-s/min', cost.cpuSPerMin);
  res.add(bench, contender, timers, `${prefix}pss`, 'MB', cost.pssMb);
  res.add(bench, contender, timers, `${prefix}rss`, 'MB', cost.rssMb);
  res.add(bench, contender, timers, `${prefix}tx_pps`, 'pkt/s', cost.txPps);
  res.add(bench, contender, timers, `${prefix}processes`, 'procs', cost.procs);
}

/** A new lab with the contender's pair started and node1 serving the VIP. */
async function servedPair(c: Contender, timers: Timers, ipfail: boolean, extraHaCf: readonly string[] = []): Promise<Lab> {
  const lab = await Lab.create({ nodes: 2 });
  try {
    c.configure(lab, timers, { autoFailback: true, ipfail, extraHaCf });
    const probe = HttpProbe.start(lab, { intervalMs: 200, timeoutMs: 300, maxDurationMs: 300_000 });
    const t0 = Date.now();
    await Promise.all([c.start('node1'), c.start('node2')]);
    await probe.waitServedBy('node1', 90_000, t0);
    probe.stop();
    return lab;
  } catch (e) {
    await endPair(c, lab);
    throw e;
  }
}

async function endPair(c: Contender, lab: Lab): Promise<void> {
  for (const n of ['node1', 'node2']) {
    try {
      c.kill(n);
    } catch {
      /* torn down anyway */
    }
  }
  await lab.teardown();
}

/**
 * A settled pair (node1 serving the VIP), measured per node over `windows` consecutive windows.
 * Start-up work is let finish first: resource scripts, the initial negotiation, and for us V8's
 * lazy compilation. Later windows show what is left of V8's warm-up: code that runs once a second
 * is optimised only after minutes.
 */
export async function settledPairCost(c: Contender, timers: Timers, windowMs: number, ipfail = false, windows = 1): Promise<Map<string, Cost>[]> {
  const lab = await servedPair(c, timers, ipfail);
  try {
    await sleep(Math.max(IDLE_SETTLE_MS, 2 * timers.deadtimeMs));
    const out: Map<string, Cost>[] = [];
    for (let w = 0; w < windows; w++) out.push(await measureCost(lab, c, ['node1', 'node2'], windowMs));
    return out;
  } finally {
    await endPair(c, lab);
  }
}

/** Each node's cost over `windows` back-to-back windows of a settled pair; every window is one value. */
export async function idleBench(c: Contender, timers: Timers, windowMs: number, windows: number, res: Results, say: (m: string) => void): Promise<void> {
  const all = await settledPairCost(c, timers, windowMs, false, windows);
  all.forEach((costs, w) => {
    for (const [node, cost] of costs) {
      addCost(res, 'idle', c.name, timers.label, cost);
      say(`${c.name} ${timers.label} ${node} window ${w + 1}: ${describe(cost)}`);
    }
  });
}

function describe(cost: Cost): string {
  return `${cost.cpuSPerMin.toFixed(3)} cpu-s/min, PSS ${cost.pssMb.toFixed(1)} MB, RSS ${cost.rssMb.toFixed(1)} MB, ${cost.txPps.toFixed(1)} pkt/s, ${cost.procs} procs`;
}

/**
 * The cost of daemons that have run for a while: every contender's pair runs side by side (idle
 * daemons use a few milliseconds of CPU a second, so they do not disturb each other) for settleMs,
 * then one window is measured on all of them at once.
 */
export async function idleSteadyBench(cs: readonly Contender[], timers: Timers, settleMs: number, windowMs: number, res: Results, say: (m: string) => void): Promise<void> {
  const pairs: { c: Contender; lab: Lab }[] = [];
  try {
    for (const c of cs) pairs.push({ c, lab: await servedPair(c, timers, false) });
    say(`idle-steady: ${pairs.length} pairs serving; measuring after ${Math.round(settleMs / 60_000)} min`);
    await sleep(settleMs);
    const costs = await Promise.all(pairs.map(({ c, lab }) => measureCost(lab, c, ['node1', 'node2'], windowMs)));
    costs.forEach((m, i) => {
      const c = pairs[i]!.c;
      for (const [node, cost] of m) {
        addCost(res, 'idle-steady', c.name, timers.label, cost);
        say(`${c.name} ${timers.label} ${node} after ${Math.round(settleMs / 60_000)} min: ${describe(cost)}`);
      }
    });
  } finally {
    for (const { c, lab } of pairs) await endPair(c, lab);
  }
}

/**
 * Pairs that differ in one setting (`what` on or off), settled, then measured in the same windows
 * so that the machine's noise falls on both. Rows: bench idle-WHAT, contender "heartbeat-ts WHAT MODE".
 */
async function measureModes(what: string, pairs: readonly { mode: string; c: Contender; lab: Lab }[], timers: Timers, windowMs: number, windows: number, res: Results, say: (m: string) => void): Promise<void> {
  await sleep(Math.max(IDLE_SETTLE_MS, 2 * timers.deadtimeMs));
  for (let w = 0; w < windows; w++) {
    const costs = await Promise.all(pairs.map(({ c, lab }) => measureCost(lab, c, ['node1', 'node2'], windowMs)));
    costs.forEach((m, i) => {
      const mode = pairs[i]!.mode;
      for (const [node, cost] of m) {
        addCost(res, `idle-${what}`, `heartbeat-ts ${what} ${mode}`, timers.label, cost);
        say(`${what} ${mode} ${timers.label} ${node} window ${w + 1}: ${describe(cost)}`);
      }
    });
  }
}

/**
 * What the flight recorder costs: two of our pairs side by side at the same timers, one with the
 * recorder (the default), one started with HA_RECORDER=off, measured in the same windows so that the
 * machine's noise falls on both. Rows: contender "heartbeat-ts recorder on" / "... off".
 */
export async function recorderBench(make: () => Contender, timers: Timers, windowMs: number, windows: number, res: Results, say: (m: string) => void): Promise<void> {
  const pairs: { mode: 'on' | 'off'; c: Contender; lab: Lab }[] = [];
  const saved = process.env['HA_RECORDER'];
  try {
    for (const mode of ['on', 'off'] as const) {
      // Our lab runner hands its environment to the daemon it starts.
      process.env['HA_RECORDER'] = mode;
      const c = make();
      pairs.push({ mode, c, lab: await servedPair(c, timers, false) });
    }
    if (saved === undefined) delete process.env['HA_RECORDER'];
    else process.env['HA_RECORDER'] = saved;
    for (const { mode, lab } of pairs) {
      const off = readFileSync(lab.node('node1').logFile, 'utf8').includes('Flight recorder off');
      if (off !== (mode === 'off')) throw new Error(`idle-recorder: the pair meant to run with the recorder ${mode} did not`);
    }
    await measureModes('recorder', pairs, timers, windowMs, windows, res, say);
  } finally {
    if (saved === undefined) delete process.env['HA_RECORDER'];
    else process.env['HA_RECORDER'] = saved;
    for (const { c, lab } of pairs) await endPair(c, lab);
  }
}

export const METRICS_SCRAPE_MS = 15_000;

/**
 * What `metrics` costs (issue 18: at most 5 % idle CPU and 5 MB RSS): two of our pairs side by side,
 * one with `metrics 9694` scraped every 15 s (a common Prometheus scrape_interval) by curl inside each
 * node, one without. Measured in the same windows; only the daemons' processes count, not curl's.
 */
export async function metricsBench(make: () => Contender, timers: Timers, windowMs: number, windows: number, res: Results, say: (m: string) => void): Promise<void> {
  const pairs: { mode: 'on' | 'off'; c: Contender; lab: Lab }[] = [];
  let scraper: NodeJS.Timeout | null = null;
  try {
    for (const mode of ['on', 'off'] as const) {
      const c = make();
      pairs.push({ mode, c, lab: await servedPair(c, timers, false, mode === 'on' ? ['metrics 9694'] : []) });
    }
    const on = pairs[0]!.lab;
    let failed = 0;
    const scrape = (): void => {
      for (const n of ['node1', 'node2']) {
        const p = spawn('ip', ['netns', 'exec', on.node(n).ns, 'curl', '-sf', '-o', '/dev/null', '--max-time', '2', 'http://127.0.0.1:9694/metrics'], { stdio: 'ignore' });
        p.on('exit', (code) => void (code !== 0 && failed++));
      }
    };
    scrape();
    scraper = setInterval(scrape, METRICS_SCRAPE_MS);
    await measureModes('metrics', pairs, timers, windowMs, windows, res, say);
    if (failed > 0) throw new Error(`idle-metrics: ${failed} scrapes failed`);
  } finally {
    if (scraper) clearInterval(scraper);
    for (const { c, lab } of pairs) await endPair(c, lab);
  }
}
