// The runtime's resource-group operations (split from runtime.ts for size): the default runner,
// the start-up reconcile, one start/stop run reported back as a group-done event, and the
// gratuitous-ARP re-announce of a kept group's addresses.
import { spawn, type ChildProcess } from 'node:child_process';
import type { ClusterConfig, ResourceGroup } from '../config/types.js';
import type { Log } from '../log/types.js';
import { GroupRunner, type GroupOutcome } from '../resources/group-runner.js';
import { scriptEnv } from '../resources/resource-d.js';
import type { RuntimeDeps, RuntimeEvent } from './runtime-types.js';

/** A GroupRunner over DIR/resource.d and the init dir with Heartbeat's environment. */
export function defaultRunner(cfg: ClusterConfig, deps: RuntimeDeps, log: Log): GroupRunner {
  return new GroupRunner({
    log,
    dirs: { haDir: cfg.dir, ...(deps.initDir ? { initDir: deps.initDir } : {}) },
    env: scriptEnv({
      haDir: cfg.dir,
      nodeName: cfg.thisNode,
      haCf: cfg.haCf,
      ...(deps.initDir ? { initDir: deps.initDir } : {}),
      ...(deps.scriptEnvExtra ? { extra: deps.scriptEnvExtra } : {}),
    }),
    ...(deps.startTimeoutMs !== undefined ? { startTimeoutMs: deps.startTimeoutMs } : {}),
    ...(deps.stopTimeoutMs !== undefined ? { stopTimeoutMs: deps.stopTimeoutMs } : {}),
  });
}

/**
 * Reconcile on start (Heartbeat 3.0.6 never does this: after kill -9 and a restart the VIP stays up
 * on both nodes). Minimal safe rule: nothing may run here before negotiation, so every group found
 * fully or partly running is released first. The planner then hands it to whoever should hold it.
 */
export async function reconcileGroups(groups: readonly ResourceGroup[], runner: GroupRunner, log: Log): Promise<void> {
  for (const g of groups) {
    const key = g.resources[0]?.spec ?? '';
    const stat = await runner.status(g);
    if (stat === 'NONE') continue;
    log.log(
      'warn',
      `Resource group ${key} found ${stat === 'ALL' ? 'running' : 'partly running'} at start-up (left over from an earlier run); ` +
        'releasing it before joining the cluster so that it never runs on two nodes',
    );
    const out = await runner.stop(g);
    if (!out.ok) log.log('crit', `Could not release left-over resource group ${key}: ${out.failure?.reason ?? 'stop failed'}`);
  }
}

/** One group-done for every start/stop-group, whatever happens. */
export function runGroup(
  groups: readonly ResourceGroup[],
  runner: GroupRunner,
  log: Log,
  push: (e: RuntimeEvent) => void,
  index: number,
  op: 'start' | 'stop',
  /** Told every outcome first (the runtime keeps the last failed start's reason for `heartbeat status`). */
  onOutcome?: (o: GroupOutcome) => void,
): void {
  const g = groups[index];
  if (!g) {
    push({ kind: 'group-done', group: index, op, ok: false, rolledBack: true, failed: `group ${index}` });
    return;
  }
  const p = op === 'start' ? runner.start(g) : runner.stop(g);
  p.then(
    (o) => {
      onOutcome?.(o);
      const failed = o.failure?.resource;
      const done = op === 'start' ? { ok: o.ok, ...(o.ok ? {} : { rolledBack: !o.stopFailed }) } : { ok: o.ok };
      push({ kind: 'group-done', group: index, op, ...done, ...(failed !== undefined ? { failed } : {}) });
    },
    (err: unknown) => {
      log.log('error', `Resource group ${g.resources[0]?.spec ?? index} ${op}: ${String(err)}`);
      push({ kind: 'group-done', group: index, op, ok: false, rolledBack: false });
    },
  );
}

/** A kept group after a split-brain heal: tell the LAN again where its addresses are. */
export function reannounceGroup(g: ResourceGroup | undefined, log: Log, garp: ((iface: string, ip: string) => void) | undefined): void {
  for (const r of g?.resources ?? []) {
    if (r.name !== 'IPaddr' && r.name !== 'IPaddr2') continue;
    const [ip, , iface] = (r.args[0] ?? '').split('/');
    if (!ip || !iface) {
      log.log('warn', `Cannot re-announce ${r.spec}: no interface named in it`);
      continue;
    }
    log.log('info', `Re-announcing ${ip} on ${iface} (gratuitous ARP)`);
    (garp ?? arpingGarp)(iface, ip);
  }
}

/** arpings still announcing, by address: a stop must end them (see cancelReannounce). */
const announcing = new Map<string, Set<ChildProcess>>();

/** iputils arping, unsolicited (-U), in the background: never wait for it. */
function arpingGarp(iface: string, ip: string): void {
  try {
    const c = spawn('arping', ['-q', '-U', '-c', '3', '-I', iface, ip], { stdio: 'ignore', detached: false });
    const set = announcing.get(ip) ?? new Set<ChildProcess>();
    announcing.set(ip, set);
    set.add(c);
    const done = (): void => {
      set.delete(c);
      if (set.size === 0 && announcing.get(ip) === set) announcing.delete(ip);
    };
    c.on('error', done);
    c.on('exit', done);
  } catch {
    /* no arping: peers learn it when their ARP cache expires */
  }
}

/**
 * Before a group's stop: an arping of ours still running (-c 3 lasts 2 s) would go on pointing the
 * LAN at this node after the address has gone and the peer has announced it (seen in the lab
 * campaign at 1s/3s: 2-3 s client outages after a release).
 */
export function cancelReannounce(g: ResourceGroup | undefined): void {
  for (const r of g?.resources ?? []) {
    const ip = (r.args[0] ?? '').split('/')[0];
    for (const c of (ip ? announcing.get(ip) : undefined) ?? []) c.kill('SIGTERM');
  }
}
