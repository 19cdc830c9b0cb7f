// Bench 5: membership of N nodes on one multicast group (233.252.0.1 on the bridged heartbeat link)
// at keepalive 200 ms / deadtime 1 s, no resources. After every node is up and initdead has passed,
// count over the window: false deaths ("is dead" lines: nobody really died), late-heartbeat warnings
// ("Late heartbeat" lines), and each node's CPU. Start-up is counted apart: late heartbeats, false
// deaths (of a node heard before), and deaths of nodes not launched yet when initdead ran out.
import { Lab } from '../test/lab/lab.js';
import { sleep, type Contender, type Timers } from './contender.js';
import { measureCost } from './idle.js';
import type { Results } from './stats.js';

const DEAD_RE = /: is dead/;
const LATE_RE = /Late heartbeat/;

function count(text: string, re: RegExp): number {
  return text.split('\n').filter((l) => re.test(l)).length;
}

const DEAD_NODE_RE = /node (\S+): is dead/;
const HEARD_RE = /Status update for node (\S+): status|Link (\S+?):\S+ up\./;

/**
 * Start-up lines of one log. A node declared dead before this node ever heard it was not running
 * yet when initdead ran out (the bench launches nodes in batches): a true death, not a false one.
 */
export function classifyStartup(text: string): { falseDeaths: number; deadNeverHeard: number; late: number } {
  const heard = new Set<string>();
  const r = { falseDeaths: 0, deadNeverHeard: 0, late: 0 };
  for (const line of text.split('\n')) {
    const h = HEARD_RE.exec(line);
    if (h) heard.add((h[1] ?? h[2])!);
    const d = DEAD_NODE_RE.exec(line);
    if (d) {
      if (heard.has(d[1]!)) r.falseDeaths++;
      else r.deadNeverHeard++;
    }
    if (LATE_RE.test(line)) r.late++;
  }
  return r;
}

export interface MembershipRun {
  bench: string;
  media: 'pair' | 'mcast';
  resources: boolean;
}

export async function scaleBench(c: Contender, timers: Timers, n: number, windowMs: number, res: Results, say: (m: string) => void,
  run: MembershipRun = { bench: 'scale', media: 'mcast', resources: false }): Promise<void> {
  const label = `${timers.label} N=${n}`;
  const add = (metric: string, unit: string, v: number | null, note?: string): void => res.add(run.bench, c.name, label, metric, unit, v, note);
  const lab = await Lab.create({ nodes: n });
  const nodes = lab.nodes.map((x) => x.name);
  try {
    c.configure(lab, timers, { autoFailback: true, resources: run.resources, media: run.media });
    const t0 = Date.now();
    // In batches of 4, as an operator's automation might, not all 16 in the same instant.
    for (let i = 0; i < nodes.length; i += 4) await Promise.all(nodes.slice(i, i + 4).map((x) => c.start(x)));
    const startS = (Date.now() - t0) / 1000;
    // Past initdead, and past the CPU storm of the last start-ups.
    await sleep(timers.initdeadMs + 8000);
    const from = new Map(nodes.map((x) => [x, c.log(x).length]));
    const startup = { falseDeaths: 0, deadNeverHeard: 0, late: 0 };
    for (const x of nodes) {
      const text = c.log(x).slice(0, from.get(x));
      const k = classifyStartup(text);
      startup.falseDeaths += k.falseDeaths;
      startup.deadNeverHeard += k.deadNeverHeard;
      startup.late += k.late;
      for (const l of text.split('\n').filter((y) => LATE_RE.test(y)).slice(0, 2)) say(`  start-up: ${x}: ${l}`);
    }
    const costs = await measureCost(lab, c, nodes, windowMs);
    let dead = 0;
    let late = 0;
    for (const x of nodes) {
      const text = c.log(x).slice(from.get(x) ?? 0);
      dead += count(text, DEAD_RE);
      late += count(text, LATE_RE);
    }
    const alive = nodes.filter((x) => c.processes(x).length > 0).length;
    add('false_deaths', 'lines', dead, `window ${Math.round(windowMs / 1000)} s`);
    add('late_heartbeats', 'lines', late);
    const during = `start-up: launches took ${startS.toFixed(1)} s, then initdead + 8 s`;
    add('startup_false_deaths', 'lines', startup.falseDeaths, during);
    add('startup_late_heartbeats', 'lines', startup.late);
    add('startup_dead_not_yet_started', 'lines', startup.deadNeverHeard, 'nodes declared dead at initdead before they were ever heard');
    add('nodes_alive_at_end', 'nodes', alive);
    for (const cost of costs.values()) {
      res.add(run.bench, c.name, label, 'cpu_s_per_min', 'cpu-s/min', cost.cpuSPerMin);
      res.add(run.bench, c.name, label, 'rss', 'MB', cost.rssMb);
    }
    const cpu = [...costs.values()].map((x) => x.cpuSPerMin);
    say(`${c.name} ${run.bench} N=${n}: ${dead} dead, ${late} late in ${windowMs / 1000} s; cpu/node max ${Math.max(...cpu).toFixed(2)} s/min; ${alive}/${n} alive`);
  } catch (e) {
    add('false_deaths', 'lines', null, `failed: ${(e as Error).message.slice(0, 160)}`);
    say(`${c.name} ${run.bench} N=${n} failed: ${(e as Error).message}`);
  } finally {
    for (const x of nodes) {
      try {
        c.kill(x);
      } catch {
        /* torn down anyway */
      }
    }
    await lab.teardown();
  }
}
