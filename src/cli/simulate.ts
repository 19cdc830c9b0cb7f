// `heartbeat simulate`: the operator's own /etc/ha.d in virtual time, with random faults from a
// seed or a what-if script, printed as a timeline of who holds what and why (as crm_simulate does
// for Pacemaker), with the invariants checked after every step.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';
import { simConfigs, SimConfigError } from '../sim/config.js';
import { parseWhatIf } from '../sim/faults.js';
import { formatTrace, runSim, shrink } from '../sim/run.js';

const HELP = `
Runs every node of ha.cf as heartbeat-ts would, in virtual time (thousands of times faster than
real time), on simulated media and resource scripts. Nothing is started on this machine.

Random faults (kill -9, SIGSTOP, cut links, split brain, loss, graceful stops, failing starts,
hanging stops, standby, faults in a node's first seconds, clock steps):
  heartbeat simulate --seed 7 --faults 20

A what-if script (steps separated by ';' or new lines):
  heartbeat simulate --script 'node1 dies at 30s for 10s; eth1 cut at 60s for 3s'
  WHO dies|crashes|stops|starts|freezes|standby|takeover|isolated|fails start|fails stop|cleanup
      at TIME [for TIME]
      dies: the machine goes down; crashes: kill -9 of heartbeat, its resources stay up;
      fails stop: every stop there fails (what ran keeps running) until WHO cleanup, where the
      operator stops it by hand and runs heartbeat cleanup wherever status names the failure
  MEDIUM cut|loss N% at TIME [for TIME]          (TIME: 10s, 1.5s, 500ms, 2m)

The timeline shows the faults (**), who holds each group (==) and the nodes' ha-log lines.
After each step the simulator checks: at most one holder while the nodes can talk, a holder's
failure taken over within deadtime + 2 keepalives + script time, re-announced addresses after
every heal, nothing left running on a stopped node, no flapping, the auto_failback rule, and no
ERROR line after routine acts. A broken rule is printed with a shorter fault list that still
breaks it and the command that replays it. Exit 0: no rule broken; 1: a rule broken; 6: bad config.`;

interface SimOpts {
  seed?: string;
  faults?: string;
  for?: string;
  script?: string;
  scriptFile?: string;
  keep?: string;
  json?: boolean;
  quiet?: boolean;
}

function parseFor(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new Error(`--for: cannot read [${v}] (use 90s, 10m, 2h)`);
  const k = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : 1000;
  return Number(m[1]) * k;
}

export function simulateCommand(program: Command, io: Io, configDir: (cmd: Command) => string, setCode: (c: number) => void): void {
  program
    .command('simulate')
    .description('run this ha.d in virtual time with random faults or a what-if script; print a timeline')
    .option('--seed <n>', 'random seed (the same seed prints the same run)', '1')
    .option('--faults <n>', 'random faults to inject', '10')
    .option('--for <time>', 'simulated time for a script (default: last step + settle time)')
    .option('--script <steps>', "what-if steps, e.g. 'node1 dies at 10s; eth1 cut at 20s for 3s'")
    .option('--script-file <file>', 'what-if steps from a file, one per line')
    .option('--keep <list>', 'replay only these fault numbers of the seed (printed after a broken rule)')
    .option('--json', 'the whole run as JSON')
    .option('--quiet', 'no timeline, only the summary')
    .addHelpText('after', HELP)
    .action((o: SimOpts, cmd: Command) => {
      setCode(run(o, configDir(cmd), io));
    });
}

function run(o: SimOpts, dir: string, io: Io): number {
  let configs;
  try {
    const read = (f: string): string => readFileSync(`${dir}/${f}`, 'utf8');
    configs = simConfigs({ dir, haCf: read('ha.cf'), haresources: read('haresources'), authkeys: read('authkeys') });
  } catch (e) {
    io.err(`simulate: ${e instanceof SimConfigError ? e.message : (e as Error).message}\n`);
    return EXIT.NOT_CONFIGURED;
  }
  const seed = Number(o.seed ?? 1);
  const faults = Number(o.faults ?? 10);
  if (!Number.isInteger(seed) || !Number.isInteger(faults) || faults < 0) {
    io.err('simulate: --seed and --faults take whole numbers\n');
    return EXIT.BAD_ARGS;
  }
  const first = configs[0];
  if (!first) return EXIT.NOT_CONFIGURED;
  let script;
  let forMs;
  try {
    const text = o.scriptFile !== undefined ? readFileSync(o.scriptFile, 'utf8') : o.script;
    const links = [...new Set(first.haCf.media.map((m) => (m.kind === 'serial' ? m.device : m.iface)))];
    script = text !== undefined ? parseWhatIf(text, first.haCf.nodes, links) : undefined;
    forMs = parseFor(o.for);
  } catch (e) {
    io.err(`simulate: ${(e as Error).message}\n`);
    return EXIT.BAD_ARGS;
  }
  const keep = o.keep !== undefined ? o.keep.split(',').map(Number) : undefined;
  const base = { configs, seed, faults, ...(script ? { script } : {}), ...(forMs !== undefined ? { forMs } : {}) };
  const t0 = process.hrtime.bigint();
  const r = runSim({ ...base, ...(keep ? { keep } : {}), keepTrace: true });
  const cpuMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const bad = r.violations[0];
  let replay: string | undefined;
  if (bad && !script) {
    const k = shrink(base, bad.rule);
    replay = `heartbeat -c ${dir} simulate --seed ${seed} --faults ${faults} --keep ${k.join(',')}`;
  }
  if (o.json) {
    io.out(`${JSON.stringify({ seed, faults: r.applied, simulatedMs: Math.round(r.simulatedMs), cpuMs: Math.round(cpuMs), violations: r.violations, replay, trace: r.trace }, null, 1)}\n`);
    return bad ? EXIT.GENERIC : EXIT.OK;
  }
  const h = first.haCf;
  io.out(`Simulating ${h.nodes.join(', ')}: keepalive ${h.keepaliveMs} ms, deadtime ${h.deadtimeMs} ms, auto_failback ${h.autoFailback}; ` +
    `${script ? `${script.length} what-if step(s)` : `seed ${seed}, ${r.applied} random fault(s)`}\n\n`);
  if (!o.quiet) io.out(`${formatTrace(r.trace.filter((l) => l.kind !== 'log' || !l.text.startsWith('debug:')))}\n\n`);
  const secs = r.simulatedMs / 1000;
  io.out(`${secs.toFixed(1)} s simulated in ${(cpuMs / 1000).toFixed(2)} s (${Math.round(r.simulatedMs / Math.max(1, cpuMs))}x real time).\n`);
  if (!bad) {
    io.out('No rule broken.\n');
    return EXIT.OK;
  }
  for (const v of r.violations) io.out(`BROKEN at ${(v.at / 1000).toFixed(3)} s: ${v.rule}: ${v.text}\n`);
  if (replay) io.out(`Replay the shortest fault list that still breaks it:\n  ${replay}\n`);
  return EXIT.GENERIC;
}
