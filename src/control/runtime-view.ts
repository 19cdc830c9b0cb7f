// The runtime seen from outside: the StatusView snapshot (cl_status, `heartbeat status`) and the
// control-socket handler (cl_status, hb_standby, hb_takeover, status).
import type { HaCf } from '../config/types.js';
import { FOREIGN_RSC, LOCAL_RSC, type StandbyWhich } from '../resources/plan-types.js';
import { clStatus } from './cl-status.js';
import type { ControlReply, ControlRequest } from './control-socket.js';
import { memoryLine, memoryView, type MemoryView, type TableSizes } from './memory.js';
import type { Runtime } from './runtime.js';
import { renderLinks, type GroupFailureView, type GroupView, type NodeView, type PeerLinksView, type StatusView } from './status-view.js';
import { MIGRATION_THRESHOLD, peerMayRun } from '../resources/plan-core.js';

const sec = (ms: number): string => (ms % 1000 === 0 ? String(ms / 1000) : String(ms / 1000));

/** hbparameter values: as written in ha.cf when it says so, else Heartbeat's value in seconds. */
export function parametersOf(h: HaCf): Record<string, string> {
  const p: Record<string, string> = {
    keepalive: sec(h.keepaliveMs),
    deadtime: sec(h.deadtimeMs),
    warntime: sec(h.warntimeMs),
    initdead: sec(h.initdeadMs),
    deadping: sec(h.deadpingMs),
    udpport: String(h.udpport),
    auto_failback: h.autoFailback,
    hopfudge: String(h.hopfudge),
    msgfmt: h.msgfmt,
    autojoin: h.autojoin,
  };
  for (const d of h.directives) {
    if (['node', 'ucast', 'bcast', 'mcast', 'serial', 'ping', 'ping_group', 'respawn'].includes(d.name)) continue;
    p[d.name] = d.args.join(' ');
  }
  return p;
}

export function buildView(rt: Runtime): StatusView {
  const cfg = rt.config;
  const ms = rt.membershipStatus();
  const nodes: NodeView[] = ms
    ? ms.nodes.map((n) => ({
        name: n.name,
        type: n.type,
        status: n.status,
        links: n.links.map((l) => ({ name: l.name, status: l.status === 'up' ? ('up' as const) : ('dead' as const) })),
      }))
    : cfg.haCf.nodes.map((name) => ({ name, type: 'normal' as const, status: 'init' as const, links: [] }));
  const peer = rt.plan.cfg.peer;
  const peerAlive = nodes.some((n) => n.name === peer && (n.status === 'up' || n.status === 'active'));
  const groups: GroupView[] = cfg.groups.map((g, i) => {
    const held = rt.plan.groups[i];
    const rs = rt.runner.state(g);
    const theirs = g.node === peer ? LOCAL_RSC : FOREIGN_RSC;
    const heldBy = held === 'yes' || rs === 'started' ? cfg.thisNode : peerAlive && (rt.plan.otherHolds & theirs) !== 0 ? peer : null;
    const state = rs === 'stop-failed' ? 'failed' : rs;
    return {
      node: g.node, resources: g.resources.map((r) => r.spec), heldBy, state,
      ...failureOf(rt, i),
      ...stopFailureOf(rt, i),
      ...(peerMayRun(rt.plan, i) ? { peerStopFailed: true } : {}),
      // The peer's reports name classes in its terms, as otherHolds does.
      ...((rt.plan.peerFailed & theirs) !== 0 ? { peerFailed: true } : {}),
      ...((rt.plan.peerBlocked & theirs) !== 0 ? { peerBlocked: true } : {}),
    };
  });
  return {
    thisNode: cfg.thisNode,
    pid: process.pid,
    generation: rt.myGeneration,
    nodes,
    rscstatus: rt.rscstatus(),
    groups,
    parameters: parametersOf(cfg.haCf),
    dropped: ms ? ms.counters.dropped : {},
  };
}

/** Per other node and link, as `heartbeat status --links` shows them. */
export function linksView(rt: Runtime): PeerLinksView[] {
  const now = rt.clock.now();
  const s = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
  return rt.health().map((n) => ({
    name: n.name,
    type: n.type,
    status: n.status,
    lastHeardAgo: Math.max(0, now - n.lastHeardAt) / 1000,
    // Over deadtime is late too (onStatus counts the two apart, as it logs them apart).
    lateHeartbeats: n.late + n.lateOverDeadtime,
    lostPackets: n.lost,
    retransmitted: n.resentFor,
    links: n.links.map((l) => ({
      name: l.name,
      status: l.status === 'up' ? ('up' as const) : ('dead' as const),
      lastHeardAgo: Math.max(0, now - l.lastAt) / 1000,
      loss: l.loss,
      interval: s(l.intervalAvgMs),
      intervalMax: s(l.intervalMaxMs),
      jitter: s(l.jitterMs),
      faults: l.deaths,
    })),
  }));
}

function failureOf(rt: Runtime, i: number): { failure?: GroupFailureView } {
  const f = rt.groupFailure(i);
  if (f === null) return {};
  const wall = rt.clock.wallTime().getTime();
  const failure: GroupFailureView = {
    fails: f.fails,
    threshold: MIGRATION_THRESHOLD,
    blocked: f.blocked,
    expiresAt: new Date(wall + f.expiresInMs).toISOString(),
    ...(f.last ? { last: { resource: f.last.resource, reason: f.last.reason, at: f.last.wallTime.toISOString() } } : {}),
  };
  return { failure };
}

function stopFailureOf(rt: Runtime, i: number): { stopFailed?: NonNullable<GroupView['stopFailed']> } {
  const f = rt.stopFailure(i);
  if (f === null) return {};
  return { stopFailed: f.last ? { resource: f.last.resource, reason: f.last.reason, at: f.last.wallTime.toISOString() } : {} };
}

/** Local HH:MM:SS, as an operator reads the log beside it. */
function clockTime(iso: string): string {
  const d = new Date(iso);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** The lines under a group that failed to start (none when nothing failed). */
export function failureLines(g: GroupView, peer: string | null): string[] {
  const out: string[] = [];
  const f = g.failure;
  if (f) {
    const times = `${f.fails} time${f.fails === 1 ? '' : 's'}`;
    const what = f.blocked
      ? `start failed here ${times}: not started here again until ${clockTime(f.expiresAt)} (or a restart of heartbeat)`
      : `start failed here ${times} (${f.threshold} keep it stopped here); counted until ${clockTime(f.expiresAt)}`;
    const last = f.last ? `; last: ${f.last.resource} at ${clockTime(f.last.at)}: ${f.last.reason}` : '';
    out.push(`  ${what}${last}`);
  }
  const sf = g.stopFailed;
  if (sf) {
    const last = sf.resource !== undefined ? `: ${sf.resource}${sf.at ? ` at ${clockTime(sf.at)}` : ''}: ${sf.reason ?? ''}` : '';
    out.push(`  stop failed here${last}; it may still run here. Once fixed: heartbeat cleanup ${g.resources[0] ?? ''}`);
  } else if (f) out[out.length - 1] += `. To retry now: heartbeat cleanup ${g.resources[0] ?? ''}`;
  if (peer !== null && g.peerStopFailed) {
    out.push(`  ${peer} failed to stop it and may still run it: not taken over here. Once it is stopped there: heartbeat cleanup ${g.resources[0] ?? ''}`);
  }
  if (peer !== null && (g.peerFailed || g.peerBlocked)) {
    out.push(`  ${peer} reports a failed start of it${g.peerBlocked ? ' and will not start it again for now' : ''}`);
  }
  return out;
}

export function renderStatus(v: StatusView): string {
  const lines = [`heartbeat OK [pid ${v.pid}] on ${v.thisNode}, generation ${v.generation}, resources: ${v.rscstatus}`];
  for (const n of v.nodes) {
    const links = n.links.map((l) => `${l.name} ${l.status}`).join(', ');
    lines.push(`node ${n.name} (${n.type}): ${n.status}${links ? `; links: ${links}` : ''}`);
  }
  for (const g of v.groups) {
    lines.push(`group ${g.resources.join(' ')} (preferred ${g.node}): ${g.heldBy ? `held by ${g.heldBy}` : 'not held'} (scripts here: ${g.state})`);
    lines.push(...failureLines(g, v.nodes.find((n) => n.type === 'normal' && n.name !== v.thisNode)?.name ?? null));
  }
  const drops = Object.entries(v.dropped);
  if (drops.length > 0) lines.push(`dropped packets: ${drops.map(([k, n]) => `${k}=${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

const WHICH: readonly StandbyWhich[] = ['all', 'foreign', 'local', 'failback'];

function parseWhich(args: readonly string[]): StandbyWhich | null {
  const w = args[0] ?? 'all';
  return (WHICH as readonly string[]).includes(w) ? (w as StandbyWhich) : null;
}

/**
 * `heartbeat cleanup [GROUP]`: forget the failed starts and stops of one group (named by any of its
 * resources, as haresources writes them) or of every group. The planner then starts what should run.
 */
function cleanupCommand(rt: Runtime, args: readonly string[]): ControlReply {
  const groups = rt.config.groups;
  const name = args[0];
  const chosen = name === undefined ? groups.map((_g, i) => i) : groups.flatMap((g, i) => (g.resources.some((r) => r.spec === name) ? [i] : []));
  if (chosen.length === 0) {
    const known = groups.map((g) => g.resources[0]?.spec ?? '').join(', ');
    return { out: '', err: `heartbeat cleanup: no resource group ${name} in haresources here (groups: ${known || 'none'}).
`, code: 2 };
  }
  if (rt.state !== 'running') return { out: '', err: `heartbeat cleanup: heartbeat is not running normally (${rt.state}).
`, code: 1 };
  const key = (i: number): string => groups[i]?.resources[0]?.spec ?? `#${i}`;
  const peerStuck = (i: number): boolean => peerMayRun(rt.plan, i);
  const failed = chosen.filter((i) => rt.stopFailure(i) !== null || rt.groupFailure(i) !== null || peerStuck(i));
  const busy = failed.filter((i) => { const g = groups[i]; return g !== undefined && rt.runner.busy(g); });
  if (busy.length > 0) return { out: '', err: `heartbeat cleanup: scripts of ${busy.map(key).join(', ')} are running; try again when they finish.
`, code: 1 };
  if (failed.length === 0) return { out: `Nothing to clean up: no failed start or stop of ${name ?? 'any resource group'} here.
`, err: '', code: 0 };
  const what = (i: number): string =>
    rt.stopFailure(i) !== null ? 'its failed stop' : peerStuck(i) ? `${rt.plan.cfg.peer}'s failed stop of it` : 'its failed starts';
  const lines = failed.map((i) => `Cleaned up ${key(i)}: ${what(i)} forgotten here.`);
  rt.push({ kind: 'cleanup', groups: failed });
  return { out: `${lines.join('\n')}\n`, err: '', code: 0, data: { cleaned: failed.map(key) } };
}

/** What the daemon adds to the runtime's tables: its recorder and its control socket. */
export type DaemonTables = () => Promise<Pick<TableSizes, 'recorderLines' | 'controlClients'>> | Pick<TableSizes, 'recorderLines' | 'controlClients'>;

async function memoryOf(rt: Runtime, daemon: DaemonTables | undefined, gc: boolean): Promise<MemoryView> {
  const d = daemon ? await daemon() : { recorderLines: 0, controlClients: 0 };
  return memoryView({ ...rt.tableSizes(), ...d }, gc);
}

/** The control socket's commands, served from the runtime. */
export function controlHandler(
  rt: Runtime,
  extra: Record<string, (req: ControlRequest) => ControlReply | Promise<ControlReply>> = {},
  daemonTables?: DaemonTables,
) {
  return async (req: ControlRequest): Promise<ControlReply> => {
    switch (req.cmd) {
      case 'cl_status':
        return clStatus(buildView(rt), req.args);
      case 'standby':
      case 'takeover': {
        const which = parseWhich(req.args);
        const cmd = req.cmd === 'standby' ? 'hb_standby' : 'hb_takeover';
        if (!which) return { out: '', err: `usage: ${cmd} [all|foreign|local|failback]\n`, code: 1 };
        if (rt.state !== 'running') return { out: '', err: `${cmd}: heartbeat is not running normally (${rt.state})\n`, code: 1 };
        rt.push({ kind: req.cmd, which });
        // hb_standby's terminal line; hb_takeover asks the other node, which logs it there.
        return { out: req.cmd === 'standby' ? `Going standby [${which}].\n` : '', err: '', code: 0 };
      }
      case 'status': {
        const v = buildView(rt);
        const memory = await memoryOf(rt, daemonTables, false);
        const links = linksView(rt);
        const text = req.args.includes('--links') ? `${renderStatus(v)}${renderLinks(links)}` : `${renderStatus(v)}${memoryLine(memory)}\n`;
        return { out: text, err: '', code: 0, data: { ...v, memory, links } };
      }
      case 'cleanup':
        return cleanupCommand(rt, req.args);
      case 'memory': {
        // `memory gc`: a full collection first, so heapUsed is what is retained (the soak's figure).
        const memory = await memoryOf(rt, daemonTables, req.args[0] === 'gc');
        return { out: `${memoryLine(memory)}\n`, err: '', code: 0, data: memory };
      }
      default: {
        const h = extra[req.cmd];
        if (h) return h(req);
        return { out: '', err: `unknown control command ${req.cmd}\n`, code: 2 };
      }
    }
  };
}
