// The lab campaign's faults: a plan drawn from a seed before the run (so a seed replays the same
// kinds, targets and durations; the real-time moments differ), and one function per fault kind that
// carries it out on a running pair through the Contender interface and the Lab's fault tools.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../test/lab/lab.js';
import type { CampEventKind } from './campaign-audit.js';
import { sleep, type Contender, type Timers } from './contender.js';
import { Rng } from '../src/sim/rng.js';

export const FAULT_KINDS = [
  'kill-holder', 'kill-peer', 'freeze-short', 'freeze-long', 'isolate-holder', 'isolate-peer', 'split',
  'loss20', 'loss50', 'stop-holder', 'stop-peer', 'failstart', 'failstart-restart', 'hangstop',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Deliberate breakage to prove the audits fire (never part of a normal campaign). */
export const SABOTAGE_KINDS = ['sabotage-drop-vip', 'sabotage-fake-heal', 'sabotage-static-arp', 'sabotage-silent-kill'] as const;
export type SabotageKind = (typeof SABOTAGE_KINDS)[number];

const WEIGHTS: Record<FaultKind, number> = {
  'kill-holder': 3, 'kill-peer': 2, 'freeze-short': 2, 'freeze-long': 2, 'isolate-holder': 2, 'isolate-peer': 1,
  split: 3, loss20: 1, loss50: 1, 'stop-holder': 2, 'stop-peer': 1, failstart: 2, 'failstart-restart': 2, hangstop: 1,
};

export interface PlannedFault {
  n: number;
  kind: FaultKind | SabotageKind;
  /** Waited before the fault, uniform in one keepalive: no fixed phase against the heartbeats. */
  phaseMs: number;
  /** How long the fault lasts (freeze, cut, partition, loss), or the down time before a restart. */
  durationMs: number;
  /** failstart-restart: the peer's restart finishes this long before the holder's stop. */
  leadMs: number;
  /** hangstop: how long the web resource's stop hangs. */
  hangMs: number;
  /** After recovery, before the next fault; sometimes short, to land in a node's start-up. */
  gapMs: number;
}


export function planFaults(seed: number, count: number, t: Timers, kinds: readonly FaultKind[] = FAULT_KINDS, sabotage: readonly SabotageKind[] = []): PlannedFault[] {
  const rng = new Rng(seed);
  const total = kinds.reduce((s, k) => s + WEIGHTS[k], 0);
  const dt = t.deadtimeMs;
  const out: PlannedFault[] = [];
  for (let n = 1; n <= count + sabotage.length; n++) {
    // Every draw happens for every fault, whatever its kind, so a fault's parameters depend only on
    // the seed and its number (and --kinds).
    let x = rng.next() * total;
    let kind: FaultKind = kinds[0]!;
    for (const k of kinds) {
      if ((x -= WEIGHTS[k]) < 0) {
        kind = k;
        break;
      }
    }
    const u = rng.next();
    const phaseMs = Math.floor(rng.next() * t.keepaliveMs);
    const leadMs = Math.round(rng.range(1000, 5000));
    const hangMs = Math.round(rng.range(15_000, 25_000));
    const gapMs = Math.round(rng.next() < 0.35 ? rng.range(0, 1000) : rng.range(1000, 5000));
    const durationMs = Math.round(
      kind === 'freeze-short' ? (0.3 + 0.4 * u) * dt
        : kind === 'freeze-long' || kind.startsWith('isolate') ? (1.5 + 1.5 * u) * dt
          : kind === 'split' ? (0.5 + 3.5 * u) * dt
            : kind.startsWith('loss') ? (2 + 4 * u) * dt
              : 500 + 7500 * u, // kill / stop / failstart / hangstop: down time before the restart
    );
    out.push({ n, kind, phaseMs, durationMs, leadMs, hangMs, gapMs });
  }
  // Sabotage (self-test) takes the first slots, so a short run shows every audit firing.
  sabotage.forEach((k, i) => {
    out[i] = { ...out[i]!, kind: k, durationMs: 0 };
  });
  return out;
}

export interface FaultCtx {
  lab: Lab;
  c: Contender;
  timers: Timers;
  /** Bounds the audits use, so a sabotage outlasts them. */
  dualMs: number;
  takeoverMs: number;
  ev(kind: CampEventKind, node?: string, detail?: string): void;
  /** Current VIP holder (first of the last sample), or node1 when nobody holds. */
  holder(): string;
  other(node: string): string;
  startNode(node: string): Promise<void>;
  stopNode(node: string): Promise<void>;
  killNode(node: string): void;
  flagsDir(node: string): string;
}

/** Drops `percent` of heartbeat datagrams (udp 694) arriving at every node; 0 removes the rule. */
function heartbeatLoss(x: FaultCtx, on: boolean, percent: number): void {
  const rule = ['INPUT', '-p', 'udp', '--dport', '694', '-m', 'statistic', '--mode', 'random', '--probability', (percent / 100).toFixed(2), '-j', 'DROP'];
  for (const n of x.lab.nodes) x.lab.exec(n.name, 'iptables', ['-w', on ? '-I' : '-D', ...rule]);
}

export async function runFault(x: FaultCtx, f: PlannedFault): Promise<string> {
  const { lab, c } = x;
  await sleep(f.phaseMs);
  const h = x.holder();
  const p = x.other(h);
  const d = f.durationMs;
  switch (f.kind) {
    case 'kill-holder':
    case 'kill-peer': {
      const n = f.kind === 'kill-holder' ? h : p;
      x.killNode(n);
      await sleep(d);
      await x.startNode(n);
      return `${n} killed, restarted after ${d} ms`;
    }
    case 'freeze-short':
    case 'freeze-long': {
      const pids = c.processes(h);
      for (const pid of pids) lab.freeze(pid);
      x.ev('freeze', h, `pids ${pids.join(' ')}`);
      try {
        await sleep(d);
      } finally {
        for (const pid of pids) lab.thaw(pid);
        x.ev('thaw', h);
      }
      return `${h} SIGSTOPped for ${d} ms`;
    }
    case 'isolate-holder':
    case 'isolate-peer': {
      const n = f.kind === 'isolate-holder' ? h : p;
      lab.cutLink(n, 'eth0');
      lab.cutLink(n, 'eth1');
      x.ev('cut', n);
      await sleep(d);
      lab.restoreLink(n, 'eth0');
      lab.restoreLink(n, 'eth1');
      x.ev('restore', n);
      return `${n}'s eth0 and eth1 down for ${d} ms`;
    }
    case 'split': {
      lab.partition([h], [p]);
      x.ev('partition');
      await sleep(d);
      lab.clearFaults();
      x.ev('heal');
      return `heartbeat links between the nodes cut for ${d} ms`;
    }
    case 'loss20':
    case 'loss50': {
      const pc = f.kind === 'loss20' ? 20 : 50;
      heartbeatLoss(x, true, pc);
      x.ev('loss-on', undefined, `${pc}%`);
      await sleep(d);
      heartbeatLoss(x, false, pc);
      x.ev('loss-off');
      return `${pc} % heartbeat loss for ${d} ms`;
    }
    case 'stop-holder':
    case 'stop-peer': {
      const n = f.kind === 'stop-holder' ? h : p;
      await x.stopNode(n);
      await sleep(d);
      await x.startNode(n);
      return `${n} stopped gracefully, started after ${d} ms`;
    }
    case 'failstart':
    case 'failstart-restart': {
      // Issue 23: the peer's next start of the web resource fails once, then the holder leaves.
      if (f.kind === 'failstart-restart') {
        await x.stopNode(p);
        await x.startNode(p);
        await sleep(f.leadMs);
      }
      const flag = join(x.flagsDir(p), 'fail-start-labweb');
      writeFileSync(flag, '1\n');
      x.ev('arm-fail-start', p);
      await x.stopNode(h);
      await sleep(d);
      await x.startNode(h);
      return `${p}'s labweb start fails once${f.kind === 'failstart-restart' ? ` (${p} restarted ${f.leadMs} ms before)` : ''}, ${h} stopped, started after ${d} ms`;
    }
    case 'hangstop': {
      const flag = join(x.flagsDir(h), 'hang-stop-labweb');
      writeFileSync(flag, `${(f.hangMs / 1000).toFixed(1)}\n`);
      x.ev('arm-hang-stop', h, `${f.hangMs} ms`);
      await x.stopNode(h);
      rmSync(flag, { force: true });
      await sleep(d);
      await x.startNode(h);
      return `${h}'s labweb stop hangs ${f.hangMs} ms during its graceful stop, started after ${d} ms`;
    }
    default:
      return sabotage(x, f.kind, h, p);
  }
}

/** Faults the daemons cannot recover from, or that the campaign's own record hides: each must trip one audit. */
async function sabotage(x: FaultCtx, kind: SabotageKind, h: string, p: string): Promise<string> {
  const { lab } = x;
  x.ev('sabotage', h, kind);
  switch (kind) {
    case 'sabotage-drop-vip': {
      // The VIP removed behind the daemon's back: v1 does not monitor resources, nobody holds.
      lab.exec(h, 'ip', ['addr', 'del', `${lab.vip}/24`, 'dev', 'eth0']);
      await sleep(x.takeoverMs + 3000);
      await x.stopNode(h);
      await x.startNode(h);
      return `${h}'s VIP deleted behind its back, ${h} restarted after ${x.takeoverMs + 3000} ms`;
    }
    case 'sabotage-fake-heal': {
      // A split brain whose heal is recorded long before it happens: dual holders "with links up".
      lab.partition([h], [p]);
      x.ev('partition');
      await sleep(2 * x.takeoverMs);
      x.ev('heal');
      await sleep(x.dualMs + 2000);
      lab.clearFaults();
      return `split brain, heal recorded ${x.dualMs + 2000} ms before it was done`;
    }
    case 'sabotage-static-arp': {
      // The client's ARP entry for the VIP nailed to the node that does not hold it: stale ARP.
      const mac = /link\/ether (\S+)/.exec(lab.exec(p, 'ip', ['link', 'show', 'eth0']))?.[1] ?? '';
      lab.exec('client', 'ip', ['neigh', 'replace', lab.vip, 'lladdr', mac, 'nud', 'permanent', 'dev', 'eth0']);
      await sleep(4000);
      lab.exec('client', 'ip', ['neigh', 'del', lab.vip, 'dev', 'eth0']);
      return `client's ARP entry for the VIP pinned to ${p} for 4000 ms`;
    }
    case 'sabotage-silent-kill': {
      // kill -9 of the peer's daemon that the event log does not record: an unexplained death.
      for (const pid of x.c.processes(p)) lab.kill9(pid);
      await sleep(2000);
      return `${p}'s daemon killed without a record`;
    }
  }
}
