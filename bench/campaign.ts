// The real-lab randomised fault campaign (issue 14 deliverable 6, issue 23 acceptance 1):
//   npm run campaign -- --contender ours|heartbeat3 --timers 200ms|1s [--auto-failback on|off]
//                       --faults N --seed S [--kinds a,b] [--sabotage all|kind,...] [--json FILE]
// Root only. The same harness (bench/campaign-run.ts) runs our daemon or the real Heartbeat 3.0.6
// through the bench's Contender interface; prints faults and violations by kind with the replay
// command, and writes bench/results/campaign-<contender>-<timers>-s<seed>-<stamp>.json (+ logs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { isRoot, shQuiet } from '../test/lab/netns.js';
import { BOTH_OWN_RE, expectedForFault, normalise, Timeline, type ViolationKind } from './campaign-audit.js';
import { FAULT_KINDS, SABOTAGE_KINDS, type FaultKind, type SabotageKind } from './campaign-faults.js';
import { runCampaign, type CampaignResult } from './campaign-run.js';
import { TIMERS_1S, TIMERS_200MS, type Contender } from './contender.js';
import { Heartbeat3 } from './heartbeat3.js';
import { Ours, loadOurRunner } from './ours.js';

interface Args {
  contender: 'ours' | 'heartbeat3';
  timers: '200ms' | '1s';
  autoFailback: boolean | null;
  faults: number;
  seed: number;
  kinds: FaultKind[] | undefined;
  sabotage: SabotageKind[];
  json: string | null;
  maxMinutes: number | null;
}

const USAGE = 'usage: npm run campaign -- --contender ours|heartbeat3 --timers 200ms|1s [--auto-failback on|off] --faults N --seed S [--kinds k1,k2] [--sabotage all|k1,k2] [--json FILE] [--max-minutes M]\n  (SIGUSR2 or --max-minutes: no new faults; the run still audits and reports)';

function parseArgs(argv: string[]): Args {
  const a: Args = { contender: 'ours', timers: '200ms', autoFailback: null, faults: 10, seed: 1, kinds: undefined, sabotage: [], json: null, maxMinutes: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--contender') {
      const x = v();
      if (['ours', 'heartbeat-ts'].includes(x)) a.contender = 'ours';
      else if (['heartbeat3', 'heartbeat-3.0.6'].includes(x)) a.contender = 'heartbeat3';
      else throw new Error(`unknown contender ${x} (ours, heartbeat3)`);
    } else if (k === '--timers') {
      const x = v();
      if (x === '200ms' || x === '200ms/1s') a.timers = '200ms';
      else if (x === '1s' || x === '1s/3s') a.timers = '1s';
      else throw new Error(`unknown timers ${x} (200ms, 1s)`);
    } else if (k === '--auto-failback') a.autoFailback = v() === 'on';
    else if (k === '--faults') a.faults = Number(v());
    else if (k === '--seed') a.seed = Number(v());
    else if (k === '--kinds') {
      const ks = v().split(',');
      for (const x of ks) if (!(FAULT_KINDS as readonly string[]).includes(x)) throw new Error(`unknown fault kind ${x} (have ${FAULT_KINDS.join(', ')})`);
      a.kinds = ks as FaultKind[];
    } else if (k === '--sabotage') {
      const x = v();
      const ks = x === 'all' ? [...SABOTAGE_KINDS] : x.split(',').map((s) => (s.startsWith('sabotage-') ? s : `sabotage-${s}`));
      for (const s of ks) if (!(SABOTAGE_KINDS as readonly string[]).includes(s)) throw new Error(`unknown sabotage ${s} (have ${SABOTAGE_KINDS.join(', ')})`);
      a.sabotage = ks as SabotageKind[];
    } else if (k === '--json') a.json = v();
    else if (k === '--max-minutes') a.maxMinutes = Number(v());
    else if (k === '-h' || k === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${k}\n${USAGE}`);
  }
  if (!Number.isInteger(a.faults) || a.faults < 0) throw new Error('--faults must be a whole number');
  if (!Number.isInteger(a.seed)) throw new Error('--seed must be a whole number');
  return a;
}

function say(msg: string): void {
  console.error(`[campaign ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

/** The command that draws the same faults again (n: how many were run, when a time box cut the plan). */
export function replayCommand(a: Args, autoFailback: boolean, n = a.faults): string {
  return `npm run campaign -- --contender ${a.contender} --timers ${a.timers} --auto-failback ${autoFailback ? 'on' : 'off'} --faults ${n} --seed ${a.seed}` +
    (a.kinds ? ` --kinds ${a.kinds.join(',')}` : '') + (a.sabotage.length ? ` --sabotage ${a.sabotage.map((s) => s.replace('sabotage-', '')).join(',')}` : '');
}

/** ERROR/CRIT lines split into: caused by an injected failure, Heartbeat's "Both machines own", other. */
export function classifyErrors(r: CampaignResult): { expected: number; bothOwn: number; routine: Array<{ text: string; n: number; nodes: string[]; faults: string[] }> } {
  const tl = new Timeline(r.events, ['node1', 'node2']);
  const kindOf = new Map(r.faults.map((f) => [f.n, f.kind as string]));
  let expected = 0;
  let bothOwn = 0;
  const routine = new Map<string, { text: string; n: number; nodes: string[]; faults: string[] }>();
  for (const l of r.errors) {
    const fault = l.t === null ? null : tl.faultAt(l.t + 999);
    const kind = fault === null ? undefined : fault === 0 ? 'cold start' : kindOf.get(fault);
    if (BOTH_OWN_RE.test(l.text)) bothOwn++;
    else if (expectedForFault(kind, l.text)) expected++;
    else {
      const key = `${l.level}: ${normalise(l.text)}`;
      const e = routine.get(key) ?? { text: `${l.level}: ${l.text.slice(0, 140)}`, n: 0, nodes: [], faults: [] };
      e.n++;
      if (!e.nodes.includes(l.node)) e.nodes.push(l.node);
      const fk = `#${fault ?? '?'} ${kind ?? '?'}`;
      if (e.faults.length < 6 && !e.faults.includes(fk)) e.faults.push(fk);
      routine.set(key, e);
    }
  }
  return { expected, bothOwn, routine: [...routine.values()].sort((a, b) => b.n - a.n) };
}

function pad(s: string | number, n: number): string {
  return String(s).padEnd(n);
}

function summary(a: Args, c: Contender, af: boolean, r: CampaignResult, load: number[], json: string): string {
  const secs = (r.endedAt - r.startedAt) / 1000;
  const done = r.faults.length;
  const head = shQuiet('git', ['rev-parse', '--short', 'HEAD']).trim() || '?';
  const dirty = shQuiet('git', ['status', '--porcelain', '--', 'src']).trim() ? ' + uncommitted src changes' : '';
  const L: string[] = [];
  L.push(`campaign ${c.name} ${a.timers === '1s' ? TIMERS_1S.label : TIMERS_200MS.label} auto_failback ${af ? 'on' : 'off'} at ${head}${dirty}: seed ${a.seed}, ${done} faults in ${secs.toFixed(0)} s (${(done / (secs / 60)).toFixed(1)} faults/min)`);
  L.push(`load average (1 min) during the run: min ${Math.min(...load).toFixed(2)}, max ${Math.max(...load).toFixed(2)}; ${r.samples} VIP samples (longest gap ${r.maxSampleGapMs} ms), ${r.requests} requests (${r.failedRequests} failed)`);
  if (r.aborted) L.push(`ABORTED: ${r.aborted}`);
  L.push('', `${pad('fault kind', 22)}${pad('n', 5)}${pad('not recovered', 15)}recovery ms (median / max)`);
  const kinds = [...new Set(r.faults.map((f) => f.kind))].sort();
  for (const k of kinds) {
    const fs = r.faults.filter((f) => f.kind === k);
    const rec = fs.map((f) => f.recoveryMs).filter((x): x is number => x !== null).sort((x, y) => x - y);
    const med = rec.length ? rec[Math.floor(rec.length / 2)] : '-';
    L.push(`${pad(k, 22)}${pad(fs.length, 5)}${pad(fs.length - rec.length, 15)}${med} / ${rec.at(-1) ?? '-'}`);
  }
  const vk: ViolationKind[] = ['dual-holder', 'no-holder', 'not-served', 'daemon-died'];
  const label: Record<ViolationKind, string> = {
    'dual-holder': `(a) two holders > ${r.bounds.dualMs} ms, links up`,
    'no-holder': `(b) no holder > ${r.bounds.takeoverMs} ms (settle ${r.bounds.settleMs})`,
    'not-served': `(c) one holder, client not served > ${r.bounds.servedMs} ms`,
    'daemon-died': '(d) daemon died unexpectedly',
  };
  const errs = classifyErrors(r);
  L.push('', 'violations by kind');
  for (const k of vk) L.push(`  ${pad(label[k], 52)}${r.violations.filter((v) => v.kind === k).length}`);
  L.push(`  ${pad('(e) ERROR/CRIT lines (beyond injected failures)', 52)}${errs.routine.reduce((s, e) => s + e.n, 0)} (plus ${errs.bothOwn} "Both machines own", ${errs.expected} from injected failures)`);
  const kindOf = new Map(r.faults.map((f) => [f.n, f.kind as string]));
  if (r.violations.length) L.push('');
  for (const v of r.violations) L.push(`  ${v.kind} #${v.fault ?? '?'} ${v.fault === 0 ? 'cold start' : (kindOf.get(v.fault ?? -1) ?? '?')}: ${v.text}`);
  if (errs.routine.length) L.push('', 'ERROR/CRIT lines (normalised; count, nodes, faults):');
  for (const e of errs.routine) L.push(`  ${e.n} x ${e.text} [${e.nodes.join(',')}; ${e.faults.join(', ')}]`);
  L.push('', `script run times (max ms): ${r.scriptMs.map((s) => `${s.script} ${s.op} ${s.max} (${s.n})`).join(', ')}`);
  L.push(`replay: ${replayCommand(a, af, Math.max(0, done - a.sabotage.length))}`, `JSON: ${json}`);
  return L.join('\n');
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  if (!isRoot()) {
    console.error('campaign: needs root (network namespaces)');
    return 4;
  }
  const timers = a.timers === '1s' ? TIMERS_1S : TIMERS_200MS;
  // auto_failback off at 200ms/1s and on at 1s/3s unless told (the simulator's two campaigns).
  const af = a.autoFailback ?? a.timers === '1s';
  if (a.contender === 'ours') await loadOurRunner();
  const c: Contender = a.contender === 'ours' ? new Ours() : new Heartbeat3();
  const why = c.unavailable();
  if (why) {
    console.error(`campaign: ${c.name} unavailable: ${why}`);
    return 5;
  }
  const iso = new Date().toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}`;
  const base = `campaign-${a.contender}-${a.timers}-af${af ? 'on' : 'off'}-s${a.seed}-n${a.faults}-${stamp}`;
  const json = a.json ?? join('bench', 'results', `${base}.json`);
  const load = [loadavg()[0]!];
  const loadTimer = setInterval(() => load.push(loadavg()[0]!), 15_000);
  let stop = false;
  process.on('SIGUSR2', () => {
    stop = true;
  });
  const r = await runCampaign({
    deadline: a.maxMinutes === null ? undefined : Date.now() + a.maxMinutes * 60_000, stopRequested: () => stop,
    contender: c, timers, autoFailback: af, faults: a.faults, seed: a.seed, kinds: a.kinds, sabotage: a.sabotage,
    logDir: json.replace(/\.json$/, '') + '-logs', say,
  });
  clearInterval(loadTimer);
  load.push(loadavg()[0]!);
  const text = summary(a, c, af, r, load, json);
  console.log(`\n${text}`);
  mkdirSync(join(json, '..'), { recursive: true });
  const errs = classifyErrors(r);
  writeFileSync(json, `${JSON.stringify({
    contender: c.name, timers: timers.label, autoFailback: af, seed: a.seed, faultsPlanned: a.faults,
    kinds: a.kinds ?? null, sabotage: a.sabotage, replay: replayCommand(a, af, Math.max(0, r.faults.length - a.sabotage.length)),
    commit: shQuiet('git', ['rev-parse', 'HEAD']).trim(), startedAt: new Date(r.startedAt).toISOString(),
    durationS: (r.endedAt - r.startedAt) / 1000, load, bounds: r.bounds, aborted: r.aborted ?? null,
    samples: r.samples, maxSampleGapMs: r.maxSampleGapMs, requests: r.requests, failedRequests: r.failedRequests,
    scriptMs: r.scriptMs, faults: r.faults, violations: r.violations,
    errorLines: { expected: errs.expected, bothMachinesOwn: errs.bothOwn, routine: errs.routine },
    summary: text.split('\n'),
  }, null, 1)}\n`);
  return r.aborted ? 3 : r.violations.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`campaign: ${(e as Error).stack ?? String(e)}`);
    process.exit(2);
  },
);
