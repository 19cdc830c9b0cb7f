// The lab campaign's run: a fresh 2-node lab, one contender (ours or the real Heartbeat 3.0.6)
// configured as the bench configures it (VIP + labweb), a client polling http://VIP/, a sampler of
// who holds the VIP, a death monitor and a ledger of every resource-script call; then the planned
// faults, each followed by a bounded wait for recovery and the planned gap. Audits run afterwards
// (bench/campaign-audit.ts) on what this file recorded. The lab is always torn down.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { HttpProbe, type ProbeRecord } from '../test/lab/http-probe.js';
import { Lab, type LabNode } from '../test/lab/lab.js';
import {
  auditDeaths, auditDualHolders, auditNoHolder, auditNotServed, campaignBounds, errorLines, Timeline,
  type Bounds, type CampEvent, type CampEventKind, type HolderSample, type LedgerEntry, type LogLine, type Violation,
} from './campaign-audit.js';
import { planFaults, runFault, type FaultCtx, type FaultKind, type PlannedFault, type SabotageKind } from './campaign-faults.js';
import { sleep, type Contender, type Timers } from './contender.js';

const execFileP = promisify(execFile);

export const WEB = 'labweb';
/** Resource scripts of the bench's group (haresources `node1 VIP/24/eth0 labweb`: a bare address is IPaddr). */
const WRAPPED = ['IPaddr', WEB];
/** Allowance for one resource script (IPaddr's ARP set-up, busybox start) in the bounds. */
export const SCRIPT_MS = 1500;

export interface CampaignOptions {
  contender: Contender;
  timers: Timers;
  autoFailback: boolean;
  faults: number;
  seed: number;
  kinds?: readonly FaultKind[];
  sabotage?: readonly SabotageKind[];
  /** Directory for the kept logs (ha-logs, ledger, events, samples, requests), gzipped. */
  logDir?: string;
  /** Stop drawing faults after this wall-clock time (the run still audits and reports). */
  deadline?: number;
  /** Polled before each fault: true ends the run early, as the deadline does. */
  stopRequested?: () => boolean;
  say: (msg: string) => void;
}

export interface FaultRecord extends PlannedFault {
  at: number;
  what: string;
  /** From the end of the fault's actions to recovered (null: not within the bound, then reset). */
  recoveryMs: number | null;
  error?: string;
}

export interface CampaignResult {
  bounds: Bounds;
  startedAt: number;
  endedAt: number;
  faults: FaultRecord[];
  violations: Violation[];
  errors: LogLine[];
  events: CampEvent[];
  ledger: LedgerEntry[];
  samples: number;
  requests: number;
  failedRequests: number;
  /** Longest gap between two VIP samples (the sampler's resolution, if the machine was slow). */
  maxSampleGapMs: number;
  scriptMs: { script: string; op: string; max: number; n: number }[];
  aborted?: string;
}

/** The ledger wrapper: logs begin/end of every call, and plays the campaign's one-shot faults. */
function wrapperScript(node: LabNode, name: string, real: string, ledger: string, flags: string, maskStopFailure: boolean): string {
  return `#!/bin/sh
# campaign ledger wrapper for ${name} on ${node.name} (bench/campaign-run.ts)
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
L='${ledger}'; F='${flags}'
for op; do :; done
now() { date +%s.%N; }
echo "$(now) B ${node.name} ${name} $op - -" >> "$L"
if [ "$op" = start ] && [ -e "$F/fail-start-${name}" ]; then
  rm -f "$F/fail-start-${name}"
  echo "$(now) E ${node.name} ${name} start 1 injected-failure" >> "$L"
  exit 1
fi
if [ "$op" = stop ] && [ -e "$F/hang-stop-${name}" ]; then
  s=$(cat "$F/hang-stop-${name}"); rm -f "$F/hang-stop-${name}"
  echo "$(now) H ${node.name} ${name} stop - hang-$s" >> "$L"
  sleep "$s"
fi
'${real}' "$@"
rc=$?
${maskStopFailure
    ? `# A failed stop of an owned resource makes Heartbeat 3.0.6 pkill -9 every heartbeat on the host
# and reboot -nf (ResourceManager's RecoverFromFailedStop): never let one through.
if [ "$op" = stop ] && [ $rc -ne 0 ]; then echo "$(now) E ${node.name} ${name} stop $rc masked-to-0" >> "$L"; exit 0; fi`
    : ''}
echo "$(now) E ${node.name} ${name} $op $rc -" >> "$L"
exit $rc
`;
}

export function parseLedger(text: string): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    const [t, phase, node, script, op, exit, note] = line.trim().split(/\s+/);
    if (!t || (phase !== 'B' && phase !== 'E') || !node || !script || !op) continue;
    out.push({ t: Math.round(Number(t) * 1000), phase, node, script, op, exit: exit === undefined || exit === '-' ? null : Number(exit), note: note ?? '-' });
  }
  return out.sort((a, b) => a.t - b.t);
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const { contender: c, timers } = o;
  const bounds = campaignBounds(timers.keepaliveMs, timers.deadtimeMs, timers.initdeadMs, SCRIPT_MS);
  const recoveryMs = Math.max(60_000, 2 * bounds.settleMs);
  const plan = planFaults(o.seed, o.faults, timers, o.kinds, o.sabotage);
  const events: CampEvent[] = [];
  const samples: HolderSample[] = [];
  const faults: FaultRecord[] = [];
  let current: number | undefined;
  const ev = (kind: CampEventKind, node?: string, detail?: string): void => {
    events.push({ t: Date.now(), kind, node, fault: current, detail });
  };
  const lab = await Lab.create({ nodes: 2 });
  const names = lab.nodes.map((n) => n.name);
  const ledgerFile = join(lab.dir, 'ledger');
  let probe: HttpProbe | null = null;
  let stopped = false;
  let aborted: string | undefined;
  const startedAt = Date.now();
  /** 'up' between start-done and stop-begin/kill: a process-less 'up' node died. */
  const up = new Map<string, boolean>();
  const gone = new Map<string, number>();
  let monitor: NodeJS.Timeout | null = null;
  let sampler: Promise<void> = Promise.resolve();
  try {
    c.configure(lab, timers, { autoFailback: o.autoFailback });
    writeFileSync(ledgerFile, '');
    for (const n of lab.nodes) {
      const realDir = join(n.resourceD, '.campaign-real');
      mkdirSync(realDir, { recursive: true });
      mkdirSync(join(n.dir, 'campaign-flags'), { recursive: true });
      for (const s of WRAPPED) {
        const path = join(n.resourceD, s);
        if (!existsSync(path)) throw new Error(`campaign: ${c.name} has no resource.d/${s} on ${n.name}`);
        renameSync(path, join(realDir, s));
        writeFileSync(path, wrapperScript(n, s, join(realDir, s), ledgerFile, join(n.dir, 'campaign-flags'), c.name === 'heartbeat-3.0.6'), { mode: 0o755 });
      }
    }
    probe = HttpProbe.start(lab, { intervalMs: 50, timeoutMs: 200, maxDurationMs: 24 * 3600_000 });
    sampler = (async () => {
      while (!stopped) {
        const t = Date.now();
        try {
          const outs = await Promise.all(lab.nodes.map((n) => execFileP('ip', ['-n', n.ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'])));
          samples.push({ t, holders: names.filter((_, i) => outs[i]!.stdout.includes(` ${lab.vip}/`)) });
        } catch {
          /* namespace going away */
        }
        await sleep(Math.max(10, t + 60 - Date.now()));
      }
    })();
    monitor = setInterval(() => {
      for (const n of names) {
        if (!up.get(n)) continue;
        if (c.processes(n).length > 0) gone.delete(n);
        else if ((gone.get(n) ?? 0) >= 1) {
          up.set(n, false);
          const tail = readTail(join(lab.node(n).dir, 'heartbeat.stderr'));
          ev('died', n, tail);
          o.say(`  ${n}: daemon died (${tail})`);
        } else gone.set(n, 1);
      }
    }, 300);

    const holder = (): string => samples.at(-1)?.holders[0] ?? 'node1';
    const startNode = async (n: string): Promise<void> => {
      ev('start-begin', n);
      try {
        await c.start(n);
        up.set(n, true);
        gone.delete(n);
        ev('start-done', n);
      } catch (e) {
        ev('start-failed', n, (e as Error).message.slice(0, 200));
        o.say(`  ${n}: start failed: ${(e as Error).message.slice(0, 200)}`);
      }
    };
    const stopNode = async (n: string): Promise<void> => {
      up.set(n, false);
      ev('stop-begin', n);
      const t0 = Date.now();
      await c.stop(n);
      ev('stop-done', n, `${Date.now() - t0} ms`);
    };
    const killNode = (n: string): void => {
      up.set(n, false);
      c.kill(n);
      ev('kill', n);
    };
    const ctx: FaultCtx = {
      lab, c, timers, dualMs: bounds.dualMs, takeoverMs: bounds.takeoverMs, ev, holder,
      other: (n) => (n === 'node1' ? 'node2' : 'node1'),
      startNode, stopNode, killNode,
      flagsDir: (n) => join(lab.node(n).dir, 'campaign-flags'),
    };

    /** Both daemons up, one holder in the last samples, and the client served by it just now. */
    const recovered = (): boolean => {
      const last = samples.slice(-2);
      const h = last[0]?.holders;
      const r = probe!.records.at(-1);
      return names.every((n) => up.get(n)) && last.length === 2 && h?.length === 1 && last[1]!.holders.length === 1 &&
        last[1]!.holders[0] === h[0] && r !== undefined && r.ok && r.node === h[0] && r.t > Date.now() - 1000;
    };
    const waitRecovered = async (limitMs: number): Promise<number | null> => {
      const t0 = Date.now();
      let lastStartTry = 0;
      while (Date.now() - t0 < limitMs) {
        if (recovered()) return Date.now() - t0;
        // A node that died, or whose start failed, is started again (at most every 5 s).
        const down = names.filter((n) => !up.get(n));
        if (down.length > 0 && Date.now() - lastStartTry > 5000) {
          lastStartTry = Date.now();
          for (const n of down) {
            if (c.processes(n).length > 0) c.kill(n);
            await startNode(n);
          }
        }
        await sleep(50);
      }
      return null;
    };
    const reset = async (): Promise<boolean> => {
      for (const n of names) killNode(n);
      lab.clearFaults();
      for (const n of lab.nodes) {
        for (const i of ['eth0', 'eth1']) lab.restoreLink(n.name, i);
        for (const f of ['fail-start-labweb', 'hang-stop-labweb']) rmSync(join(ctx.flagsDir(n.name), f), { force: true });
        // Only our heartbeat-loss rules: the Lab's HBLAB jump in INPUT must stay.
        for (const rule of lab.exec(n.name, 'iptables', ['-w', '-S', 'INPUT']).split('\n')) {
          if (rule.includes('--dport 694')) lab.exec(n.name, 'iptables', ['-w', ...rule.replace(/^-A /, '-D ').split(' ')]);
        }
      }
      shQuietClient(lab);
      ev('reset');
      await Promise.all(names.map(startNode));
      return (await waitRecovered(recoveryMs)) !== null;
    };

    o.say(`${c.name} ${timers.label} auto_failback ${o.autoFailback ? 'on' : 'off'}: seed ${o.seed}, ${plan.length} faults; lab ${lab.prefix}`);
    current = 0;
    ev('fault-begin', undefined, 'cold start');
    await Promise.all(names.map(startNode));
    const cold = await waitRecovered(recoveryMs);
    ev('fault-end');
    if (cold === null) throw new Error('the pair did not come up and serve within the recovery bound');
    o.say(`  cold start: recovered in ${cold} ms`);
    for (const f of plan) {
      if ((o.deadline !== undefined && Date.now() > o.deadline) || o.stopRequested?.()) {
        o.say(`  stopping after ${faults.length} faults (time box or SIGUSR2)`);
        break;
      }
      current = f.n;
      const at = Date.now();
      ev('fault-begin', undefined, f.kind);
      let what = '';
      let error: string | undefined;
      try {
        what = await runFault(ctx, f);
      } catch (e) {
        error = (e as Error).message.slice(0, 300);
      }
      ev('fault-end');
      const rec0 = await waitRecovered(recoveryMs);
      if (rec0 === null) {
        ev('recovery-timeout');
        o.say(`  #${f.n} ${f.kind}: not recovered within ${recoveryMs} ms; resetting the pair`);
        if (!(await reset())) {
          aborted = `pair did not recover after a reset following fault #${f.n}`;
          faults.push({ ...f, at, what, recoveryMs: null, error });
          break;
        }
      }
      faults.push({ ...f, at, what, recoveryMs: rec0, error });
      o.say(`  #${f.n} ${f.kind}: ${what || error} -> ${rec0 === null ? 'NOT recovered (reset)' : `recovered in ${rec0} ms`}; gap ${f.gapMs} ms`);
      await sleep(f.gapMs);
    }
  } catch (e) {
    aborted = (e as Error).message;
    o.say(`campaign aborted: ${(e as Error).stack ?? aborted}`);
  } finally {
    stopped = true;
    if (monitor) clearInterval(monitor);
    probe?.stop();
    await sampler;
  }
  const endedAt = Date.now();
  const ledgerText = existsSync(ledgerFile) ? readFileSync(ledgerFile, 'utf8') : '';
  const logs = names.map((n) => ({ n, text: safe(() => c.log(n)), stderr: readTail(join(lab.node(n).dir, 'heartbeat.stderr'), 1e6) }));
  await lab.teardown();

  const ledger = parseLedger(ledgerText);
  const records: ProbeRecord[] = probe?.records ?? [];
  const tl = new Timeline(events, names);
  const violations = [
    ...auditDualHolders(samples, tl, bounds),
    ...auditNoHolder(samples, tl, ledger, bounds),
    ...auditNotServed(records, samples, tl, ledger, WEB, bounds),
    ...auditDeaths(tl),
  ].sort((a, b) => a.at - b.at);
  const errors = logs.flatMap((l) => errorLines(l.n, l.text));
  if (o.logDir) {
    mkdirSync(o.logDir, { recursive: true });
    const put = (f: string, s: string): void => writeFileSync(join(o.logDir!, `${f}.gz`), gzipSync(s));
    for (const l of logs) {
      put(`ha-log-${l.n}`, l.text);
      put(`stderr-${l.n}`, l.stderr);
    }
    put('ledger', ledgerText);
    put('events.jsonl', events.map((e) => JSON.stringify(e)).join('\n'));
    put('samples.jsonl', samples.map((s) => JSON.stringify(s)).join('\n'));
    put('requests.jsonl', records.map((r) => JSON.stringify(r)).join('\n'));
  }
  let maxGap = 0;
  for (let i = 1; i < samples.length; i++) maxGap = Math.max(maxGap, samples[i]!.t - samples[i - 1]!.t);
  return {
    bounds, startedAt, endedAt, faults, violations, errors, events, ledger,
    samples: samples.length, requests: records.length, failedRequests: records.filter((r) => !r.ok).length,
    maxSampleGapMs: maxGap, scriptMs: scriptDurations(ledger), aborted,
  };
}

/** Longest run time of each script op, from the ledger's B/E pairs. */
function scriptDurations(ledger: readonly LedgerEntry[]): CampaignResult['scriptMs'] {
  const open = new Map<string, number>();
  const agg = new Map<string, { script: string; op: string; max: number; n: number }>();
  for (const l of ledger) {
    const k = `${l.node} ${l.script} ${l.op}`;
    if (l.phase === 'B') open.set(k, l.t);
    else if (open.has(k)) {
      const ms = l.t - open.get(k)!;
      open.delete(k);
      const a = agg.get(`${l.script} ${l.op}`) ?? { script: l.script, op: l.op, max: 0, n: 0 };
      a.max = Math.max(a.max, ms);
      a.n++;
      agg.set(`${l.script} ${l.op}`, a);
    }
  }
  return [...agg.values()];
}

function readTail(file: string, bytes = 300): string {
  const s = safe(() => readFileSync(file, 'utf8'));
  return s.slice(-bytes).trim().replace(/\s*\n\s*/g, bytes > 1000 ? '\n' : ' | ');
}

function safe(fn: () => string): string {
  try {
    return fn();
  } catch {
    return '';
  }
}

/** Forgets any ARP entry the client has for the VIP (a sabotage may have pinned one). */
function shQuietClient(lab: Lab): void {
  try {
    lab.exec('client', 'ip', ['neigh', 'flush', 'to', lab.vip]);
  } catch {
    /* none */
  }
}
