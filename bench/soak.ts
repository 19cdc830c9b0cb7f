// The soak (issue 24): our daemon and the real Heartbeat 3.0.6, the same pair on the same lab
// (ucast eth1 + bcast eth0, the VIP and its web page on node1, a client loading it), through
// phases: warm-up, steady, 20 % loss on one medium, churn (hb_standby / hb_takeover on node1, and
// kill -9 + restart of node2, every 20 s), CPU starvation (busy loops in a sibling cgroup), a
// packet flood at the media. Per phase and node: false
// deaths, late-heartbeat lines, heartbeat send interval p50/p99/max from a capture (and how many
// intervals passed warntime there), RSS slope by least squares, RSS at the end, heapUsed after a
// forced full GC (ours), CPU, fds, zombies, log growth (and 30 days of it), bytes/s on the heartbeat
// link.
//
//   npm run soak -- [--short] [--timers 50ms|1s] [--contenders heartbeat-ts,heartbeat-3.0.6]
//                   [--minutes warm-up=8,steady=30,loss=10,churn=10,starve=5,flood=5] [--gc-every MIN]
// Ours is asked for heapUsed after a forced full GC (control command `memory gc`) at the end of each
// phase, after the phase's last RSS sample; --gc-every MIN adds some within phases (they lower RSS).
//                   [--sequential] [--csv FILE] [--node-options 'V8/NODE OPTIONS for ours']
// --short: 5.5 minutes in all (warm-up 1, steady 1.5, loss 1, churn 1, starve 0.5, flood 0.5). Root only. Both
// contenders run side by side (two labs at once) unless --sequential. Outside CI.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { HttpProbe } from '../test/lab/http-probe.js';
import { Lab } from '../test/lab/lab.js';
import { isRoot, shQuiet } from '../test/lab/netns.js';
import { TIMERS_1S, commOf, holderOf, sleep, type Contender, type Timers } from './contender.js';
import { Heartbeat3 } from './heartbeat3.js';
import { cpuSeconds } from './idle.js';
import { Ours, loadOurRunner } from './ours.js';
import { isStatus, readPcap } from './pcap.js';
import { Results, table, writeCsv } from './stats.js';
import { leastSquaresSlope, percentile, soakVerdicts } from './soak-stats.js';

export const TIMERS_50MS: Timers = { label: '50ms/1s', keepaliveMs: 50, deadtimeMs: 1000, warntimeMs: 300, initdeadMs: 5000 };

const PHASES = ['warm-up', 'steady', 'loss', 'churn', 'starve', 'flood'] as const;
export type PhaseName = (typeof PHASES)[number];
const SHORT: Record<PhaseName, number> = { 'warm-up': 1, steady: 1.5, loss: 1, churn: 1, starve: 0.5, flood: 0.5 };
const LONG: Record<PhaseName, number> = { 'warm-up': 8, steady: 30, loss: 10, churn: 10, starve: 5, flood: 5 };
const NODES = ['node1', 'node2'] as const;
const CHURN_PERIOD_MS = 20_000;
const FLOOD_PPS = 500;

interface Args {
  minutes: Record<PhaseName, number>;
  timers: Timers;
  contenders: string[] | null;
  gcEveryMs: number;
  sequential: boolean;
  csv: string | null;
  short: boolean;
  /** NODE_OPTIONS for our daemons (V8 heap options to try: --max-semi-space-size=1, --v8-pool-size=1). */
  nodeOptions: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { minutes: { ...LONG }, timers: TIMERS_50MS, contenders: null, gcEveryMs: 0, sequential: false, csv: null, short: false, nodeOptions: null };
  const over: Partial<Record<PhaseName, number>> = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => argv[++i] ?? (() => { throw new Error(`${k} needs a value`); })();
    if (k === '--short') a.short = true;
    else if (k === '--timers') {
      const t = v();
      if (t !== '50ms' && t !== '1s') throw new Error('--timers is 50ms or 1s');
      a.timers = t === '1s' ? TIMERS_1S : TIMERS_50MS;
    } else if (k === '--contenders') a.contenders = v().split(',');
    else if (k === '--minutes') {
      for (const kv of v().split(',')) {
        const [p, m] = kv.split('=');
        if (!(PHASES as readonly string[]).includes(p ?? '') || !Number.isFinite(Number(m))) throw new Error(`--minutes: bad ${kv}`);
        over[p as PhaseName] = Number(m);
      }
    } else if (k === '--gc-every') a.gcEveryMs = Number(v()) * 60_000;
    else if (k === '--sequential') a.sequential = true;
    else if (k === '--csv') a.csv = v();
    else if (k === '--node-options') a.nodeOptions = v();
    else if (k === '-h' || k === '--help') {
      console.log('usage: npm run soak -- [--short] [--timers 50ms|1s] [--contenders a,b] [--minutes warm-up=8,steady=30,...] [--gc-every MIN] [--sequential] [--csv FILE]');
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  a.minutes = { ...(a.short ? SHORT : LONG), ...over };
  return a;
}

const say = (m: string): void => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}`);

/** One sample of one node: the contender's own processes only. */
interface Sample {
  t: number;
  phase: PhaseName;
  node: string;
  /** Per pid of the contender's processes: VmRSS in kB and open fds. */
  rss: Map<number, number>;
  fds: Map<number, number>;
  zombies: number;
  logBytes: number;
  txBytes: number;
  cpuS: number;
}

interface GcSample {
  t: number;
  phase: PhaseName;
  node: string;
  heapUsedBytes: number;
  rssBytes: number;
  tables: Readonly<Record<string, number>>;
}

interface PhaseSpan {
  name: PhaseName;
  from: number;
  to: number;
  kills: number;
}

function statusField(pid: number, key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

function isZombie(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** Bytes sent on the heartbeat link (eth1 carries nothing else; eth0 also carries the VIP's web traffic). */
function txBytes(lab: Lab, node: string): number {
  const v = Number(shQuiet('ip', ['netns', 'exec', lab.node(node).ns, 'cat', '/sys/class/net/eth1/statistics/tx_bytes']).trim());
  return Number.isFinite(v) ? v : 0;
}

/** CPU seconds of a node's processes, counting each pid from when first seen (restarts included). */
class CpuMeter {
  private readonly base = new Map<number, number>();
  private total = 0;
  private readonly last = new Map<number, number>();
  read(pids: readonly number[]): number {
    for (const p of pids) {
      const v = cpuSeconds(p);
      if (v === null) continue;
      if (!this.base.has(p)) this.base.set(p, v);
      this.last.set(p, v);
    }
    this.total = 0;
    for (const [p, b] of this.base) this.total += (this.last.get(p) ?? b) - b;
    return this.total;
  }
}

/** A flood of junk datagrams at node1's media from the client namespace (the ones a rate limit is for). */
function startFlood(lab: Lab, pps: number, ms: number): ChildProcess {
  const target = lab.node('node1').eth0;
  const script = `
    const d = require('node:dgram').createSocket('udp4');
    const junk = Buffer.from('###\\n7:(0)t=xx,%%%\\n');
    const end = Date.now() + ${ms};
    const t = setInterval(() => {
      if (Date.now() > end) { clearInterval(t); d.close(); return; }
      for (let i = 0; i < ${Math.max(1, Math.round(pps / 100))}; i++) d.send(junk, 694, '${target}');
    }, 10);`;
  return lab.spawn('client', process.execPath, ['-e', script]);
}

/**
 * CPU starvation: one busy loop per core in a cgroup of its own, a sibling of the daemons' (the
 * root cgroup of the cpu controller, v1 or v2), with the default weight. The daemons run at
 * realtime priority, as Heartbeat's do; the client and the sampler do not, and feel it.
 */
export function startHog(prefix: string): { stop: () => Promise<void>; where: string } {
  const v2 = '/sys/fs/cgroup/cgroup.controllers';
  let dir: string | null = null;
  if (existsSync('/sys/fs/cgroup/cpu/cgroup.procs')) dir = `/sys/fs/cgroup/cpu/${prefix}-hog`;
  else if (existsSync(v2) && readFileSync(v2, 'utf8').split(/\s+/).includes('cpu')) dir = `/sys/fs/cgroup/${prefix}-hog`;
  if (dir) mkdirSync(dir, { recursive: true });
  const hogs = Array.from({ length: availableParallelism() }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  for (const h of hogs) if (dir && h.pid) writeFileSync(join(dir, 'cgroup.procs'), `${h.pid}\n`);
  return {
    where: dir ?? 'no cpu cgroup controller here: the busy loops share the bench\'s cgroup',
    stop: async () => {
      for (const h of hogs) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
      await Promise.all(hogs.map((h) => (h.exitCode !== null || h.signalCode !== null ? null : new Promise((r) => h.once('exit', r)))));
      // A cgroup goes with rmdir once empty; its last task may take a moment to leave.
      for (let k = 0; dir && k < 50; k++) {
        try {
          rmdirSync(dir);
          break;
        } catch {
          await sleep(100);
        }
      }
    },
  };
}

/** Runs one contender through every phase; returns its samples and the phase spans. */
async function soakOne(c: Contender, a: Args, res: Results): Promise<void> {
  const t = a.timers;
  const lab = await Lab.create({ nodes: 2 });
  const capture = join(lab.dir, 'soak-eth1.pcap');
  const samples: Sample[] = [];
  const gcs: GcSample[] = [];
  const spans: PhaseSpan[] = [];
  let phase: PhaseName = 'warm-up';
  let sampler: NodeJS.Timeout | null = null;
  let probe: HttpProbe | null = null;
  let dump: ChildProcess | null = null;
  const totalMs = PHASES.reduce((s, p) => s + a.minutes[p] * 60_000, 0);
  try {
    c.configure(lab, t, { autoFailback: true, resources: true });
    // node1's heartbeat link sees both nodes' ucast heartbeats: one capture gives both send intervals.
    dump = lab.spawn('node1', 'tcpdump', ['-i', 'eth1', '-n', '-s', '256', '-U', '-w', capture, 'udp', 'port', '694']);
    await sleep(500);
    probe = HttpProbe.start(lab, { intervalMs: 100, timeoutMs: 500, maxDurationMs: totalMs + 120_000 });
    const t0 = Date.now();
    await Promise.all(NODES.map((n) => c.start(n)));
    await probe.waitServedBy('node1', 90_000, t0);
    say(`${c.name} ${t.label}: pair up, node1 serves the VIP`);
    const cpu = new Map(NODES.map((n) => [n, new CpuMeter()]));
    const sampleOnce = (): void => {
      for (const node of NODES) {
        // Not the capture: tcpdump runs in node1's namespace, and our runner counts everything there.
        const pids = c.processes(node).filter((p) => commOf(p) !== 'tcpdump');
        const all = lab.pidsIn(node);
        let logBytes = 0;
        try {
          logBytes = statSync(lab.node(node).logFile).size;
        } catch {
          /* not yet */
        }
        samples.push({
          t: Date.now(), phase, node,
          rss: new Map(pids.map((p) => [p, statusField(p, 'VmRSS')])),
          fds: new Map(pids.map((p) => [p, fdCount(p)])),
          zombies: all.filter(isZombie).length,
          logBytes, txBytes: txBytes(lab, node), cpuS: cpu.get(node)!.read(pids),
        });
      }
    };
    sampler = setInterval(sampleOnce, 1000);
    const gcAll = async (): Promise<void> => {
      if (!c.memory) return;
      for (const node of NODES) {
        const m = await c.memory(node, true).catch(() => null);
        if (m) gcs.push({ t: Date.now(), phase, node, heapUsedBytes: m.heapUsedBytes, rssBytes: m.rssBytes, tables: m.tables });
      }
    };
    for (const p of PHASES) {
      phase = p;
      const ms = a.minutes[p] * 60_000;
      if (ms <= 0) continue;
      const span: PhaseSpan = { name: p, from: Date.now(), to: 0, kills: 0 };
      spans.push(span);
      say(`${c.name} ${t.label}: ${p} for ${a.minutes[p]} min`);
      await runPhase(lab, c, p, ms, span, a.gcEveryMs, gcAll);
      // The phase's RSS samples end before the forced collection, which frees what a later one would.
      span.to = Date.now();
      await gcAll();
    }
  } finally {
    if (sampler) clearInterval(sampler);
    probe?.stop();
    for (const n of NODES) {
      try {
        c.kill(n);
      } catch {
        /* torn down anyway */
      }
    }
    dump?.kill('SIGINT');
    await sleep(300);
    // Before the teardown, which removes the lab's directory.
    const logs = new Map(NODES.map((n) => [n, c.log(n)]));
    const dgrams = readPcap(capture);
    try {
      if (spans.length > 0) report(c, a, res, samples, gcs, spans, logs, dgrams, lab, probe);
    } finally {
      await lab.teardown();
    }
  }
}

async function runPhase(lab: Lab, c: Contender, p: PhaseName, ms: number, span: PhaseSpan, gcEveryMs: number, gcAll: () => Promise<void>): Promise<void> {
  const end = Date.now() + ms;
  let nextGc = Date.now() + gcEveryMs;
  const gcTick = async (): Promise<void> => {
    if (gcEveryMs > 0 && Date.now() >= nextGc && Date.now() < end - 30_000) {
      nextGc += gcEveryMs;
      await gcAll();
    }
  };
  if (p === 'loss') {
    // 20 % of what arrives on the heartbeat link, on both nodes: one medium lossy, the other clean.
    for (const n of NODES) lab.dropShare(n, 20, { iface: 'eth1', direction: 'in' });
  }
  let flood: ChildProcess | null = null;
  if (p === 'flood') flood = startFlood(lab, FLOOD_PPS, ms);
  const hog = p === 'starve' ? startHog(lab.prefix) : null;
  if (hog) say(`${c.name}: ${availableParallelism()} busy loop(s) in ${hog.where}`);
  try {
    if (p === 'churn') {
      while (Date.now() + CHURN_PERIOD_MS <= end) {
        const cycle = Date.now();
        c.standby?.('node1', 'all');
        await sleep(Math.max(0, cycle + 8000 - Date.now()));
        c.takeover?.('node1', 'all');
        await sleep(Math.max(0, cycle + 13_000 - Date.now()));
        // node2 does not hold the VIP now (node1 took it back): the non-holder is killed.
        if (holderOf(lab) !== 'node2') {
          c.kill('node2');
          span.kills++;
          await sleep(2000);
          await c.start('node2').catch((e: unknown) => say(`${c.name}: restart of node2 failed: ${(e as Error).message}`));
        }
        await gcTick();
        await sleep(Math.max(0, cycle + CHURN_PERIOD_MS - Date.now()));
      }
    }
    while (Date.now() < end) {
      await sleep(Math.min(5000, end - Date.now()));
      await gcTick();
    }
  } finally {
    if (p === 'loss') lab.clearFaults();
    if (flood && flood.exitCode === null) flood.kill('SIGTERM');
    await hog?.stop();
  }
}

const DEAD_RE = /node (\S+): is dead/;
const LATE_RE = /Late heartbeat/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** When a log line was written (local time, whole seconds), in either of Heartbeat's formats; null if none. */
export function lineTime(line: string, year: number): number | null {
  const a = /^([A-Z][a-z]{2}) +(\d+) (\d\d):(\d\d):(\d\d) /.exec(line);
  if (a) return new Date(year, MONTHS.indexOf(a[1]!), Number(a[2]), Number(a[3]), Number(a[4]), Number(a[5])).getTime();
  const b = /(\d{4})\/(\d\d)\/(\d\d)_(\d\d):(\d\d):(\d\d) /.exec(line);
  if (b) return new Date(Number(b[1]), Number(b[2]) - 1, Number(b[3]), Number(b[4]), Number(b[5]), Number(b[6])).getTime();
  return null;
}

/** Log lines of a phase, by their time stamp (whole seconds). */
function linesIn(text: string, from: number, to: number): string[] {
  const year = new Date(from).getFullYear();
  return text.split('\n').filter((l) => {
    const at = lineTime(l, year);
    return at !== null && at >= Math.floor(from / 1000) * 1000 && at < to;
  });
}

/**
 * The daemon's own processes through a phase: the pids present in every sample (resource scripts
 * and other short-lived children left out). Empty when the daemon was restarted in the phase.
 */
function persistentPids(ss: readonly Sample[]): number[] {
  const first = ss[0];
  if (!first) return [];
  return [...first.rss.keys()].filter((p) => ss.every((x) => (x.rss.get(p) ?? 0) > 0));
}

const sumOf = (m: Map<number, number>, pids: readonly number[]): number => pids.reduce((a, p) => a + (m.get(p) ?? 0), 0);

function report(c: Contender, a: Args, res: Results, samples: Sample[], gcs: GcSample[], spans: PhaseSpan[], logs: Map<string, string>, dgrams: ReturnType<typeof readPcap>, lab: Lab, probe: HttpProbe | null): void {
  const t = a.timers;
  const warmEnd = new Map<string, { pids: string; kb: number }>();
  for (const s of spans) {
    const label = `${t.label} ${s.name}`;
    const minutes = (s.to - s.from) / 60_000;
    for (const node of NODES) {
      const who = `${c.name} ${node}`;
      const add = (metric: string, unit: string, v: number | null, note?: string): void => res.add('soak', who, label, metric, unit, v, note);
      const other = NODES.find((n) => n !== node)!;
      const ss = samples.filter((x) => x.node === node && x.t >= s.from && x.t <= s.to);
      const lines = linesIn(logs.get(node) ?? '', s.from, s.to);
      const deaths = lines.filter((l) => DEAD_RE.exec(l)?.[1] === lab.node(other).hostname).length;
      // The churn's kill -9 of node2 is a true death, seen by node1; a restarted node2 declaring
      // node1 dead before it hears it would be false.
      const injected = node === 'node1' && s.name === 'churn' ? s.kills : 0;
      add('false_deaths', 'lines', Math.max(0, deaths - injected), injected ? `${deaths} deaths, ${injected} kills injected` : undefined);
      add('late_heartbeat', 'lines', lines.filter((l) => LATE_RE.test(l)).length);
      const src = lab.node(node).eth1;
      const sent = dgrams.filter((d) => d.src === src && isStatus(d) && d.t >= s.from && d.t <= s.to).map((d) => d.t);
      const iv = sent.slice(1).map((x, i) => x - sent[i]!);
      if (iv.length > 10) {
        add('send_p50', 'ms', percentile(iv, 50));
        add('send_p99', 'ms', percentile(iv, 99));
        add('send_max', 'ms', Math.max(...iv), node === 'node2' && s.name === 'churn' ? 'includes the restarts' : undefined);
        add('capture_late', 'intervals', iv.filter((x) => x > t.warntimeMs).length, `> warntime ${t.warntimeMs} ms`);
      }
      if (ss.length < 3) continue;
      const first = ss[0]!;
      const last = ss[ss.length - 1]!;
      const pids = persistentPids(ss);
      const daemonKb = (x: Sample): number => sumOf(x.rss, pids);
      if (pids.length === 0) add('rss_slope', 'KiB/min', null, 'restarted in the phase');
      else {
        add('rss_slope', 'KiB/min', leastSquaresSlope(ss.map((x) => [(x.t - s.from) / 60_000, daemonKb(x)])), `${pids.length} process(es)`);
        add('rss_end', 'MB', daemonKb(last) / 1024);
        const key = pids.join();
        if (s.name === 'warm-up') warmEnd.set(node, { pids: key, kb: daemonKb(last) });
        const w = warmEnd.get(node);
        if (w && s.name !== 'warm-up' && w.pids === key) add('rss_end_vs_warmup', 'x', daemonKb(last) / w.kb);
        const fds = ss.map((x) => sumOf(x.fds, pids));
        add('fds_range', 'fds', Math.max(...fds) - Math.min(...fds), `${Math.min(...fds)}..${Math.max(...fds)}`);
      }
      add('cpu', '% core', (100 * (last.cpuS - first.cpuS)) / ((last.t - first.t) / 1000));
      add('zombies', 'procs', Math.max(...ss.map((x) => x.zombies)));
      const logKiBMin = (last.logBytes - first.logBytes) / 1024 / minutes;
      add('log_growth', 'KiB/min', logKiBMin);
      add('log_30_days', 'MB', (logKiBMin * 60 * 24 * 30) / 1024);
      add('hb_link_tx', 'B/s', (last.txBytes - first.txBytes) / ((last.t - first.t) / 1000), 'eth1 (ucast)');
      const g = gcs.filter((x) => x.node === node && x.phase === s.name);
      if (g.length > 0) {
        const end = g[g.length - 1]!;
        add('heap_after_gc', 'MB', end.heapUsedBytes / 2 ** 20);
        const w = gcs.filter((x) => x.node === node && x.phase === 'warm-up').at(-1);
        if (w && s.name !== 'warm-up' && end.t > w.t) add('heap_gc_rise', 'KiB/min', (end.heapUsedBytes - w.heapUsedBytes) / 1024 / ((end.t - w.t) / 60_000), 'since the end of the warm-up');
        add('tables', 'entries', Object.values(end.tables).reduce((x, y) => x + y, 0), Object.entries(end.tables).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`).join(' '));
      }
      if (g.length > 1) add('heap_gc_slope', 'KiB/min', leastSquaresSlope(g.map((x) => [(x.t - s.from) / 60_000, x.heapUsedBytes / 1024])), `${g.length} collections`);
    }
    if (probe) {
      const rec = probe.between(s.from, s.to);
      res.add('soak', `${c.name} client`, label, 'http_failures', 'requests', rec.filter((r) => !r.ok).length, `of ${rec.length}`);
    }
  }
  say(`${c.name} ${t.label}: ${samples.length} samples, ${gcs.length} gc samples, ${dgrams.length} datagrams captured`);
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  if (!isRoot()) {
    console.error('soak: needs root (network namespaces)');
    return 4;
  }
  await loadOurRunner();
  // Our lab runner hands its environment to the daemons it starts (Heartbeat 3.0.6 ignores it).
  if (a.nodeOptions !== null) process.env['NODE_OPTIONS'] = a.nodeOptions;
  const all: Contender[] = [new Ours(), new Heartbeat3()];
  const cs = all.filter((c) => (!a.contenders || a.contenders.includes(c.name)) && (c.unavailable() === null || (say(`skipping ${c.name}: ${c.unavailable()}`), false)));
  const res = new Results();
  const started = Date.now();
  if (a.sequential) for (const c of cs) await soakOne(c, a, res).catch((e: unknown) => say(`${c.name} aborted: ${(e as Error).stack}`));
  else await Promise.all(cs.map((c) => soakOne(c, a, res).catch((e: unknown) => say(`${c.name} aborted: ${(e as Error).stack}`))));
  const iso = new Date().toISOString();
  const csv = a.csv ?? join('bench', 'results', `soak-${a.short ? 'short' : 'full'}-${a.timers.label.replace('/', '-')}-${iso.slice(0, 16).replace(/[-:T]/g, '')}.csv`);
  writeCsv(res, csv);
  const head = shQuiet('git', ['rev-parse', '--short', 'HEAD']).trim() || '?';
  console.log(`\nheartbeat-ts soak at ${head}${a.nodeOptions ? ` (NODE_OPTIONS=${a.nodeOptions})` : ''}, ${a.timers.label}, phases ${PHASES.map((p) => `${p} ${a.minutes[p]} min`).join(', ')}; ${Math.round((Date.now() - started) / 60_000)} min\n`);
  console.log(table(res));
  console.log('');
  if (a.short) console.log('(short form: a few minutes per phase cannot show a slope of 64 KiB/min; the verdicts are indicative)');
  for (const v of soakVerdicts(res, a.timers)) console.log(v);
  console.log(`\nCSV: ${csv}`);
  return 0;
}

if (process.argv[1]?.endsWith('soak.ts')) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`soak: ${(e as Error).message}`);
      process.exit(2);
    },
  );
}
