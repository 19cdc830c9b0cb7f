// The bench entry: node --import tsx bench/run.ts [--quick] [--only failover,idle,...] [--trials N]
//   [--contenders heartbeat-ts,heartbeat-3.0.6,keepalived] [--timers 1s/3s,200ms/1s] [--csv FILE]
// Root only (network namespaces). Prints one table and writes bench/results/<full|quick>-<date>.csv.
import { join } from 'node:path';
import { isRoot, shQuiet } from '../test/lab/netns.js';
import { TIMERS_1S, TIMERS_200MS, type Contender } from './contender.js';
import { failoverBench } from './failover.js';
import { Heartbeat3 } from './heartbeat3.js';
import { idleBench, idleSteadyBench, metricsBench, recorderBench } from './idle.js';
import { ipfailBench } from './ipfail.js';
import { Keepalived } from './keepalived.js';
import { loopbackBench } from './loopback.js';
import { Ours, loadOurRunner } from './ours.js';
import { scaleBench } from './scale.js';
import { Results, table, writeCsv } from './stats.js';

const BENCHES = ['failover', 'idle', 'idle-steady', 'idle-recorder', 'idle-metrics', 'scale', 'ipfail', 'loopback'] as const;
type BenchName = (typeof BENCHES)[number];

interface Args {
  quick: boolean;
  only: BenchName[];
  trials: number;
  contenders: string[] | null;
  csv: string | null;
  timers: string[] | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: [...BENCHES], trials: 0, contenders: null, csv: null, timers: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--only') {
      const names = v().split(',').map((s) => s.trim()).filter(Boolean);
      for (const n of names) if (!(BENCHES as readonly string[]).includes(n)) throw new Error(`unknown bench ${n} (have ${BENCHES.join(', ')})`);
      a.only = names as BenchName[];
    } else if (k === '--trials') a.trials = Number(v());
    else if (k === '--contenders') a.contenders = v().split(',');
    else if (k === '--csv') a.csv = v();
    else if (k === '--timers') a.timers = v().split(',');
    else if (k === '-h' || k === '--help') {
      console.log('usage: node --import tsx bench/run.ts [--quick] [--only failover,idle,idle-steady,idle-recorder,idle-metrics,scale,ipfail,loopback] [--trials N] [--contenders a,b] [--timers 1s/3s,200ms/1s] [--csv FILE]');
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  if (!a.trials) a.trials = a.quick ? 1 : 5;
  return a;
}

function say(msg: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!isRoot()) {
    console.error('bench: needs root (network namespaces)');
    return 4;
  }
  await loadOurRunner();
  const all: Contender[] = [new Ours(), new Heartbeat3(), new Keepalived()];
  const contenders: Contender[] = [];
  for (const c of all) {
    if (args.contenders && !args.contenders.includes(c.name)) continue;
    const why = c.unavailable();
    if (why) say(`skipping ${c.name}: ${why}`);
    else contenders.push(c);
  }
  const res = new Results();
  const started = Date.now();
  const q = args.quick;
  const iso = new Date().toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}`;
  const csv = args.csv ?? join('bench', 'results', `${q ? 'quick' : 'full'}-${stamp}.csv`);
  const timerSets = [TIMERS_1S, TIMERS_200MS].filter((t) => !args.timers || args.timers.includes(t.label));
  for (const bench of args.only) {
    say(`== ${bench}`);
    try {
      if (bench === 'failover') {
        for (const t of timerSets) for (const c of contenders) await failoverBench(c, t, args.trials, res, say);
      } else if (bench === 'idle') {
        for (const t of timerSets) for (const c of contenders) await idleBench(c, t, q ? 20_000 : 60_000, q ? 1 : 3, res, say);
      } else if (bench === 'idle-steady') {
        await idleSteadyBench(contenders, TIMERS_1S, q ? 180_000 : 600_000, q ? 30_000 : 120_000, res, say);
      } else if (bench === 'idle-recorder') {
        if (contenders.some((x) => x.name === 'heartbeat-ts')) await recorderBench(() => new Ours(), TIMERS_200MS, q ? 20_000 : 60_000, q ? 2 : 5, res, say);
        else say('idle-recorder: heartbeat-ts not available, skipped');
      } else if (bench === 'idle-metrics') {
        if (contenders.some((x) => x.name === 'heartbeat-ts')) await metricsBench(() => new Ours(), TIMERS_200MS, q ? 20_000 : 60_000, q ? 2 : 5, res, say);
        else say('idle-metrics: heartbeat-ts not available, skipped');
      } else if (bench === 'scale') {
        const sizes = q ? [16] : [8, 16, 32];
        for (const n of sizes) for (const c of contenders.filter((x) => x.name !== 'keepalived')) {
          if (c.scaleLimit && n > c.scaleLimit.nodes) {
            say(`scale N=${n}: ${c.name} not run (${c.scaleLimit.why})`);
            res.add('scale', c.name, `${TIMERS_200MS.label} N=${n}`, 'false_deaths', 'lines', null, `not run: ${c.scaleLimit.why}`);
            continue;
          }
          await scaleBench(c, TIMERS_200MS, n, q ? 30_000 : 300_000, res, say);
        }
      } else if (bench === 'ipfail') {
        for (const c of contenders) await ipfailBench(c, TIMERS_1S, args.trials, q ? 10_000 : 60_000, res, say);
      } else if (bench === 'loopback') {
        const ours = contenders.find((x) => x.name === 'heartbeat-ts');
        if (ours) await loopbackBench(ours, q ? 30_000 : 300_000, res, say);
        else say('loopback: heartbeat-ts not available, skipped');
      }
    } catch (e) {
      say(`${bench} aborted: ${(e as Error).stack ?? String(e)}`);
      res.add(bench, '-', '-', 'aborted', '-', null, (e as Error).message.slice(0, 200));
    }
    // After every bench, so that a run killed later (it happened: the OOM killer) keeps what it measured.
    writeCsv(res, csv);
  }
  const head = shQuiet('git', ['rev-parse', '--short', 'HEAD']).trim() || '?';
  const dirty = shQuiet('git', ['status', '--porcelain', '--', 'src']).trim() ? ' + uncommitted src changes' : '';
  console.log(`\nheartbeat-ts bench at ${head}${dirty} (${q ? `QUICK: ${args.trials} trial(s), short windows` : `${args.trials} trials`}), ${Math.round((Date.now() - started) / 1000)} s\n`);
  console.log(table(res));
  console.log(`\nCSV: ${csv}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exit(2);
  },
);
