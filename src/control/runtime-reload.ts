// SIGHUP / `heartbeat reload` on a running node: what may change without a restart. Pure.
// Applied live: the debug level, authkeys (key rotation, README), keepalive, deadtime, warntime and
// deadping. Everything else the running cores were built from (nodes, media, groups,
// failback policy, log destinations) is compared, and any difference is refused with the list of
// what changed: the node keeps running on its old configuration, keys included, until restarted.
import type { ClusterConfig, HaCf } from '../config/types.js';
import type { Level } from '../log/types.js';
import { METHOD_STRENGTH } from '../wire/auth.js';

export interface ReloadVerdict {
  readonly apply: boolean;
  readonly changed: readonly string[];
  /** authkeys changed and is applied with the rest. */
  readonly keys: boolean;
  /** keepalive, deadtime or warntime changed and is applied with the rest. */
  readonly timers: boolean;
  readonly logs: readonly { readonly level: Level; readonly text: string }[];
}

const j = (v: unknown): string => JSON.stringify(v, (k, x) => (k === 'where' ? undefined : x instanceof Map ? [...x.entries()] : x));

const CHECKS: readonly [string, (c: ClusterConfig) => unknown][] = [
  ['node list', (c) => c.haCf.nodes],
  ['heartbeat media', (c) => c.haCf.media],
  ['udpport', (c) => c.haCf.udpport],
  ['resource groups (haresources)', (c) => c.groups.map((g) => [g.node, g.resources.map((r) => r.spec)])],
  ['auto_failback', (c) => c.haCf.autoFailback],
  ['ping nodes', (c) => [c.haCf.pingNodes, c.haCf.pingGroups]],
  ['msgfmt/hopfudge/autojoin', (c) => [c.haCf.msgfmt, c.haCf.hopfudge, c.haCf.autojoin]],
  ['log destinations', (c) => [c.haCf.logfile, c.haCf.debugfile, c.haCf.logfacility, c.haCf.useLogd ?? false]],
  ['respawn', (c) => c.haCf.respawn],
  ['metrics', (c) => c.haCf.metrics ?? null],
];

// initdead only counts at start-up: a change of it is taken and has no effect.
function timers(h: HaCf): number[] {
  return [h.keepaliveMs, h.deadtimeMs, h.warntimeMs, h.deadpingMs];
}

export function reloadVerdict(running: ClusterConfig, next: ClusterConfig, via = 'SIGHUP'): ReloadVerdict {
  const changed = CHECKS.filter(([, f]) => j(f(running)) !== j(f(next))).map(([name]) => name);
  if (changed.length > 0) {
    return {
      apply: false,
      changed,
      keys: false,
      timers: false,
      logs: [
        { level: 'error', text: `Configuration change needs a restart: ${changed.join(', ')} changed; still running with the old configuration.` },
      ],
    };
  }
  const logs: { level: Level; text: string }[] = [{ level: 'info', text: `Configuration re-read (${via}).` }];
  if (running.haCf.debug !== next.haCf.debug) logs.push({ level: 'info', text: `debug now set to ${next.haCf.debug}` });
  const keys = j([running.authkeys.activeIndex, running.authkeys.keys]) !== j([next.authkeys.activeIndex, next.authkeys.keys]);
  if (keys) {
    const a = next.authkeys;
    const active = a.keys.get(a.activeIndex);
    const accepted = [...a.keys].filter(([, e]) => active !== undefined && METHOD_STRENGTH[e.method] >= METHOD_STRENGTH[active.method]).map(([n]) => n);
    logs.push({ level: 'info', text: `authkeys re-read: sending with auth ${a.activeIndex} (${active?.method ?? '?'}); accepting auth ${accepted.join(', ')}.` });
  }
  const retimed = j(timers(running.haCf)) !== j(timers(next.haCf));
  if (retimed) {
    const s = (ms: number): string => `${ms / 1000} s`;
    const h = next.haCf;
    const ping = h.pingNodes.length + h.pingGroups.length > 0 ? `, deadping ${s(h.deadpingMs)}` : '';
    logs.push({ level: 'info', text: `Timers applied live: keepalive ${s(h.keepaliveMs)}, deadtime ${s(h.deadtimeMs)}, warntime ${s(h.warntimeMs)}${ping} (the peers follow the deadtime we announce).` });
  }
  return { apply: true, changed, keys, timers: retimed, logs };
}
