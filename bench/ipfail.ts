// Bench 6: ipfail. Both nodes ping the lab router (ha.cf `ping 192.0.2.254` + `respawn hacluster
// .../ipfail`; keepalived: a track_script pinging it every advert, fall 3). Probing cost = idle cost
// with ipfail minus the same pair without it (measured back to back). Reaction = from node1
// losing the router (iptables DROP of the router's address on node1 only; the peer link stays up)
// to the client being served by node2.
import { HttpProbe } from '../test/lab/http-probe.js';
import { Lab, ROUTER_ADDR } from '../test/lab/lab.js';
import { sleep, type Contender, type Timers } from './contender.js';
import { PROBE_TIMEOUT_MS } from './failover.js';
import { settledPairCost, type Cost } from './idle.js';
import type { Results } from './stats.js';

async function pairCost(c: Contender, timers: Timers, ipfail: boolean, windowMs: number): Promise<Cost[]> {
  return [...(await settledPairCost(c, timers, windowMs, ipfail))[0]!.values()];
}

export async function ipfailBench(c: Contender, timers: Timers, trials: number, windowMs: number, res: Results, say: (m: string) => void): Promise<void> {
  const add = (metric: string, unit: string, v: number | null, note?: string): void => res.add('ipfail', c.name, timers.label, metric, unit, v, note);
  try {
    const base = await pairCost(c, timers, false, windowMs);
    const withIpfail = await pairCost(c, timers, true, windowMs);
    for (let i = 0; i < base.length; i++) {
      const a = base[i]!;
      const b = withIpfail[i];
      if (!b) continue;
      add('probing_cpu_s_per_min', 'cpu-s/min', b.cpuSPerMin - a.cpuSPerMin);
      add('probing_tx_pps', 'pkt/s', b.txPps - a.txPps);
      add('probing_extra_procs', 'procs', b.procs - a.procs);
      add('probing_extra_rss', 'MB', b.rssMb - a.rssMb);
    }
  } catch (e) {
    add('probing_cpu_s_per_min', 'cpu-s/min', null, `failed: ${(e as Error).message.slice(0, 160)}`);
  }

  const lab = await Lab.create({ nodes: 2 });
  try {
    c.configure(lab, timers, { autoFailback: true, ipfail: true });
    for (let trial = 1; trial <= trials; trial++) {
      const probe = HttpProbe.start(lab, { intervalMs: 20, timeoutMs: PROBE_TIMEOUT_MS, maxDurationMs: 600_000 });
      try {
        const t0 = Date.now();
        await Promise.all([c.start('node1'), c.start('node2')]);
        await probe.waitServedBy('node1', 90_000, t0);
        // ipfail first learns both sides' ping counts; give it a few deadtimes.
        await sleep(Math.max(5000, 3 * timers.deadtimeMs));
        lab.exec('node1', 'iptables', ['-w', '-I', 'INPUT', '-s', ROUTER_ADDR, '-j', 'DROP']);
        const t1 = Date.now();
        const r = await probe.waitServedBy('node2', 120_000, t1);
        add('reaction', 'ms', r.t - t1);
        add('reaction_minus_deadtime', 'ms', r.t - t1 - timers.deadtimeMs);
        add('reaction_failed_requests', 'req', probe.between(t1, r.t).filter((x) => !x.ok).length);
        say(`${c.name} ipfail trial ${trial}: node2 serving ${r.t - t1} ms after node1 lost the router`);
      } catch (e) {
        add('reaction', 'ms', null, `trial ${trial} failed: ${(e as Error).message.slice(0, 160)}`);
        say(`${c.name} ipfail trial ${trial} failed: ${(e as Error).message}`);
      } finally {
        probe.stop();
        for (const n of ['node1', 'node2']) c.kill(n);
        try {
          lab.exec('node1', 'iptables', ['-w', '-D', 'INPUT', '-s', ROUTER_ADDR, '-j', 'DROP']);
        } catch {
          /* not inserted */
        }
        await sleep(500);
      }
    }
  } finally {
    await lab.teardown();
  }
}
