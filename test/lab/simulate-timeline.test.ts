// `heartbeat simulate --script 'node1 dies at …'` against the lab: the same ha.d (200ms/1s,
// auto_failback off, `node1 192.0.2.10/24/eth0 labweb`) run by our daemons and by the real
// Heartbeat 3.0.6 in namespaces, node1 killed as a machine dies (kill -9 of everything, its address
// gone). The simulator's timeline must say what the survivor logs, in the same order, and put the
// takeover within a keepalive plus script time of where the lab sees it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { Heartbeat3 } from '../../bench/heartbeat3.js';
import { Ours, loadOurRunner } from '../../bench/ours.js';
import { TIMERS_200MS, holderOf, sleep, waitFor, type Contender } from '../../bench/contender.js';
import { Lab } from './lab.js';
import { isRoot } from './netns.js';
import { realHeartbeatInstalled } from './real-heartbeat.js';
import type { TraceLine } from '../../src/sim/run.js';

/** What a survivor logs when its peer dies, in this order (Heartbeat's own words). */
const STEPS: readonly RegExp[] = [
  /node node1: is dead/,
  /Resources being acquired from node1\./,
  /Taking over resource group /,
  /mach_down takeover complete for node node1\./,
];

/** Which of STEPS occur in `lines`, in the order of their first occurrence. */
function steps(lines: readonly string[]): number[] {
  const first = STEPS.map((re) => lines.findIndex((l) => re.test(l)));
  return STEPS.map((_, k) => k).filter((k) => (first[k] as number) >= 0).sort((a, b) => (first[a] as number) - (first[b] as number));
}

interface Seen {
  takeoverMs: number;
  lines: string[];
}

function simulated(etcHaD: string, dieAtS: number): Seen {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/heartbeat.ts', '-c', etcHaD, 'simulate', '--script', `node1 dies at ${dieAtS}s`, '--for', `${dieAtS + 15}s`, '--json'], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  const trace = (JSON.parse(r.stdout) as { trace: TraceLine[] }).trace;
  const at = dieAtS * 1000;
  const held = trace.find((l) => l.kind === 'holder' && l.at >= at && /held by node2$/.test(l.text));
  expect(held, 'the simulated node2 never held the group alone').to.not.equal(undefined);
  return { takeoverMs: (held as TraceLine).at - at, lines: trace.filter((l) => l.kind === 'log' && l.node === 'node2' && l.at >= at).map((l) => l.text) };
}

async function inLab(c: Contender): Promise<Seen & { etcHaD: string; lab: Lab }> {
  const lab = await Lab.create({ nodes: 2 });
  try {
    c.configure(lab, TIMERS_200MS, { autoFailback: false });
    await c.start('node1');
    expect(await waitFor(() => holderOf(lab) === 'node1', 30_000), 'node1 never took the VIP').to.equal(true);
    await c.start('node2');
    expect(await waitFor(() => /Status update for node node1: status active|node1 .*active/.test(c.log('node2')), 30_000)).to.equal(true);
    await sleep(3000);
    const before = c.log('node2').length;
    const t0 = Date.now();
    c.kill('node1');
    lab.dropExtraAddresses('node1', 'eth0');
    expect(await waitFor(() => holderOf(lab) === 'node2', 15_000, 10), 'node2 never took the VIP').to.equal(true);
    const takeoverMs = Date.now() - t0;
    await waitFor(() => /mach_down takeover complete/.test(c.log('node2').slice(before)), 10_000);
    await sleep(500);
    const lines = c.log('node2').slice(before).split('\n').filter(Boolean);
    return { takeoverMs, lines, etcHaD: lab.node('node1').etcHaD, lab };
  } catch (e) {
    await lab.teardown();
    throw e;
  }
}

describe('@lab heartbeat simulate: its "node1 dies" timeline against the real daemons', function () {
  this.timeout(180_000);
  before(async function () {
    if (!isRoot()) this.skip();
    await loadOurRunner();
  });

  const cases: { name: string; make: () => Contender; skip?: () => boolean }[] = [
    { name: 'heartbeat-ts', make: () => new Ours() },
    { name: 'Heartbeat 3.0.6', make: () => new Heartbeat3(), skip: () => !realHeartbeatInstalled() },
  ];
  for (const k of cases) {
    it(`${k.name}: the survivor logs the simulated steps in order, the takeover lands where simulated`, async function () {
      if (k.skip?.()) this.skip();
      const c = k.make();
      const why = c.unavailable();
      if (why) throw new Error(why);
      const lab = await inLab(c);
      try {
        const sim = simulated(lab.etcHaD, 30);
        const slack = TIMERS_200MS.keepaliveMs + 1000;
        const where = `lab ${lab.takeoverMs} ms, simulated ${sim.takeoverMs} ms\nlab:\n${lab.lines.join('\n')}\nsimulated:\n${sim.lines.join('\n')}`;
        expect(steps(sim.lines), `the simulator leaves steps out\n${where}`).to.deep.equal([0, 1, 2, 3]);
        expect(steps(lab.lines), where).to.deep.equal(steps(sim.lines));
        expect(Math.abs(lab.takeoverMs - sim.takeoverMs), where).to.be.at.most(slack);
      } finally {
        await lab.lab.teardown();
      }
    });
  }
});
