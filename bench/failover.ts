// Benches 1-3: one trial is a full life cycle on a fresh pair (auto_failback on / preempt), with the
// client polling http://VIP/ every 20 ms from its own namespace:
//   cold start   both daemons launched together -> first request served (by anyone)
//   switchover   graceful stop of the active node1 -> first request served by node2
//   failback     node1 launched again -> first request served by node1 (from launch and from "up")
//   hard fail    node1's eth0 + eth1 set down -> first request served by node2; minus detection time
//   heal         node1's links set up again (it kept running) -> first request served by node1
// then both are killed, links restored, and the next trial starts from scratch on the same lab.
import { HttpProbe, type ProbeRecord } from '../test/lab/http-probe.js';
import { Lab } from '../test/lab/lab.js';
import { holderOf, sleep, type Contender, type Timers } from './contender.js';
import { LastHeard } from './last-heard.js';
import type { Results } from './stats.js';

/** Per-request timeout of the probe: the poll resolution while the VIP does not answer. */
export const PROBE_TIMEOUT_MS = 60;

type Say = (msg: string) => void;

async function servedByAny(probe: HttpProbe, nodes: string[], timeoutMs: number, since: number): Promise<ProbeRecord> {
  return Promise.any(nodes.map((n) => probe.waitServedBy(n, timeoutMs, since)));
}

function failures(probe: HttpProbe, from: number, to: number): number {
  return probe.between(from, to).filter((r) => !r.ok).length;
}

const STARTUP_DT_WINDOW_MS = 8000;

/** Lets the pair settle: the standby must have seen the active one for a while. */
function settleMs(t: Timers): number {
  return Math.max(2000, 3 * t.keepaliveMs);
}

/**
 * Every step of a trial follows the last one's outcome, so without this the cut and the heal land at
 * the same point of the pair's heartbeat cycle in every trial (and of the probe's 80 ms retry cycle):
 * five trials would measure one phase five times. Waits a uniform random part of a keepalive.
 */
async function randomPhase(t: Timers): Promise<number> {
  const ms = Math.floor(Math.random() * t.keepaliveMs);
  await sleep(ms);
  return ms;
}

export async function failoverBench(c: Contender, timers: Timers, trials: number, res: Results, say: Say): Promise<void> {
  const B = 'failover';
  const add = (metric: string, unit: string, v: number | null, note?: string): void => res.add(B, c.name, timers.label, metric, unit, v, note);
  const lab = await Lab.create({ nodes: 2 });
  try {
    c.configure(lab, timers, { autoFailback: true });
    const det = c.detectionMs(timers);
    for (let trial = 1; trial <= trials; trial++) {
      const probe = HttpProbe.start(lab, { intervalMs: 20, timeoutMs: PROBE_TIMEOUT_MS, maxDurationMs: 600_000 });
      let phase = 'cold start';
      try {
        // 3. cold start
        const t0 = Date.now();
        await Promise.all([c.start('node1'), c.start('node2')]);
        const first = await servedByAny(probe, ['node1', 'node2'], 90_000, t0);
        add('cold_start', 'ms', first.t - t0);
        await probe.waitServedBy('node1', 60_000, t0);
        await sleep(settleMs(timers));

        // 2a. graceful switchover
        phase = 'switchover';
        const t1 = Date.now();
        const stopping = c.stop('node1');
        const sw = await probe.waitServedBy('node2', 60_000, t1);
        add('switchover', 'ms', sw.t - t1);
        add('switchover_failed_requests', 'req', failures(probe, t1, sw.t));
        await stopping;
        await sleep(settleMs(timers));

        // 2b. failback (auto_failback on / preempt)
        phase = 'failback';
        const t2 = Date.now();
        await c.start('node1');
        const up = Date.now();
        const fb = await probe.waitServedBy('node1', 120_000, t2);
        add('failback_from_launch', 'ms', fb.t - t2);
        add('failback_from_up', 'ms', Math.max(0, fb.t - up));
        add('failback_failed_requests', 'req', failures(probe, t2, fb.t));
        // A node announces deadtime + 2 s for its first ~5 s (Heartbeat's dt field, BEHAVIOUR.md),
        // so the peer's detection is only steady-state after that: wait it out.
        await sleep(Math.max(settleMs(timers), STARTUP_DT_WINDOW_MS));

        // 1. hard failover: cut every link of the active node
        phase = 'hard failover';
        const holder = holderOf(lab);
        if (holder !== 'node1') throw new Error(`VIP on ${holder ?? 'nobody'} before the hard failover`);
        const heard = await LastHeard.start(lab, 'node2', 'node1');
        await sleep(timers.keepaliveMs + 300); // at least one heartbeat captured before the cut
        const cutOffset = await randomPhase(timers);
        lab.cutLink('node1', 'eth0');
        lab.cutLink('node1', 'eth1');
        const t3 = Date.now();
        const fo = await probe.waitServedBy('node2', det + 60_000, t3);
        heard.stop();
        add('hard_failover', 'ms', fo.t - t3);
        const last = heard.lastBefore(t3);
        add('hard_failover_beyond_deadtime', 'ms', last === null ? null : fo.t - last - det,
          last === null ? 'no heartbeat captured' : `from last heartbeat heard + ${det} ms`);
        await sleep(settleMs(timers));

        // 2c. failback after the network heals (node1 kept running, cut off, with its VIP)
        phase = 'heal failback';
        const healOffset = await randomPhase(timers);
        lab.restoreLink('node1', 'eth0');
        lab.restoreLink('node1', 'eth1');
        const t4 = Date.now();
        const hf = await probe.waitServedBy('node1', 120_000, t4);
        add('heal_failback', 'ms', hf.t - t4);
        add('heal_failback_failed_requests', 'req', failures(probe, t4, hf.t));
        say(`${c.name} ${timers.label} trial ${trial}: cold ${first.t - t0} switch ${sw.t - t1} failback ${fb.t - t2} failover ${fo.t - t3} heal ${hf.t - t4} ms (cut and heal ${cutOffset} and ${healOffset} ms into a keepalive)`);
      } catch (e) {
        add(phase.replace(' ', '_'), 'ms', null, `trial ${trial} failed: ${(e as Error).message.slice(0, 160)}`);
        say(`${c.name} ${timers.label} trial ${trial}: ${phase} failed: ${(e as Error).message}`);
      } finally {
        probe.stop();
        for (const n of ['node1', 'node2']) c.kill(n);
        lab.restoreLink('node1', 'eth0');
        lab.restoreLink('node1', 'eth1');
        await sleep(500);
      }
    }
  } finally {
    await lab.teardown();
  }
}
