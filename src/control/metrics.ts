// The Prometheus text exposition (format 0.0.4) of what the daemon knows: peers and links, packets,
// groups and their scripts, ipfail's ping nodes, the process. Pure: a snapshot in, text out; the
// numbers are kept where they happen (link-health.ts, GroupRunner, Runtime) and cost nothing here
// until a scrape. Names follow Prometheus conventions: base units (seconds, bytes), _total for
// counters, one series per state for enumerations.
import type { Histogram } from '../lib/histogram.js';
import type { MembershipCounters } from '../membership/types.js';
import type { GroupRuns, ScriptRuns } from '../resources/group-runner.js';
import type { TableSizes } from './memory.js';
import type { PeerLinksView, StatusView } from './status-view.js';

export interface ProcessSample {
  readonly residentBytes: number;
  readonly heapUsedBytes: number;
  readonly cpuSeconds: number;
  readonly openFds: number | null;
  readonly startTimeSeconds: number;
}

export interface MetricsInput {
  readonly view: StatusView;
  readonly peers: readonly PeerLinksView[];
  readonly counters: MembershipCounters | null;
  readonly warntimeSeconds: number;
  /** Group key -> its starts and stops; resource/op -> its script runs. */
  readonly groupRuns: ReadonlyMap<string, GroupRuns>;
  readonly scriptRuns: ReadonlyMap<string, ScriptRuns>;
  /** Interval histogram per peer (seconds bounds), from the membership core (ms): converted here. */
  readonly intervals: ReadonlyMap<string, { readonly bounds: readonly number[]; readonly counts: readonly number[]; readonly sum: number; readonly count: number }>;
  readonly timerLag: Histogram;
  /** The node's bounded tables (memory.ts), so that a growth shows before it hurts. */
  readonly tables: Omit<TableSizes, 'controlClients'>;
  readonly process: ProcessSample;
  readonly version: string;
}

type Labels = Readonly<Record<string, string>>;

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const num = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

class Out {
  private readonly lines: string[] = [];

  family(name: string, type: 'gauge' | 'counter' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, labels: Labels, v: number): void {
    const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
    this.lines.push(`${name}${l ? `{${l}}` : ''} ${num(v)}`);
  }

  /** One metric family with its samples (written even with none, so the name is always there). */
  metric(name: string, type: 'gauge' | 'counter', help: string, samples: readonly (readonly [Labels, number])[]): void {
    this.family(name, type, help);
    for (const [l, v] of samples) this.sample(name, l, v);
  }

  histogram(name: string, help: string, series: readonly (readonly [Labels, { readonly bounds: readonly number[]; readonly counts: ArrayLike<number>; readonly sum: number; readonly count: number }])[]): void {
    this.family(name, 'histogram', help);
    for (const [l, h] of series) {
      let acc = 0;
      h.bounds.forEach((b, i) => {
        acc += h.counts[i] ?? 0;
        this.sample(`${name}_bucket`, { ...l, le: String(b) }, acc);
      });
      this.sample(`${name}_bucket`, { ...l, le: '+Inf' }, h.count);
      this.sample(`${name}_sum`, l, h.sum);
      this.sample(`${name}_count`, l, h.count);
    }
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

const PEER_STATUSES = ['init', 'up', 'active', 'dead'] as const;
const GROUP_STATES = ['started', 'stopped', 'starting', 'stopping', 'failed'] as const;

export function renderMetrics(m: MetricsInput): string {
  const o = new Out();
  const { view } = m;
  const peers = m.peers.filter((p) => p.type === 'normal');
  const pings = m.peers.filter((p) => p.type === 'ping');
  const links = peers.flatMap((p) => p.links.map((l) => [{ peer: p.name, link: l.name }, l] as const));

  o.metric('heartbeat_info', 'gauge', 'This node and the Heartbeat version it speaks (value 1).', [[{ node: view.thisNode, version: m.version }, 1]]);
  o.metric('heartbeat_generation', 'gauge', 'Generation number of this node (hb_generation; one more each start).', [[{}, view.generation]]);

  o.metric('heartbeat_peer_status', 'gauge', 'Node status as cl_status nodestatus says it: 1 for the current one.',
    peers.flatMap((p) => PEER_STATUSES.map((s) => [{ peer: p.name, status: s }, p.status === s ? 1 : 0] as const)));
  o.metric('heartbeat_peer_late', 'gauge', 'The node is alive but silent for longer than warntime (1) or not (0).',
    peers.map((p) => [{ peer: p.name }, p.status !== 'dead' && p.status !== 'init' && p.lastHeardAgo > m.warntimeSeconds ? 1 : 0]));
  o.metric('heartbeat_peer_last_heard_seconds', 'gauge', 'Seconds since the last packet from the node on any link.', peers.map((p) => [{ peer: p.name }, p.lastHeardAgo]));
  o.metric('heartbeat_peer_late_heartbeats_total', 'counter', 'Late heartbeats from the node (logged as "Late heartbeat", over warntime).', peers.map((p) => [{ peer: p.name }, p.lateHeartbeats]));
  o.metric('heartbeat_peer_lost_packets_total', 'counter', 'Packets from the node that never arrived (retransmission given up).', peers.map((p) => [{ peer: p.name }, p.lostPackets]));
  o.metric('heartbeat_peer_retransmitted_packets_total', 'counter', 'Packets we sent again because the node asked (NS_rexmit).', peers.map((p) => [{ peer: p.name }, p.retransmitted]));
  o.histogram('heartbeat_peer_heartbeat_interval_seconds', 'Time between two heartbeats (status messages) from the node, first copies on any link.',
    peers.flatMap((p) => {
      const h = m.intervals.get(p.name);
      return h ? [[{ peer: p.name }, h] as const] : [];
    }));

  o.metric('heartbeat_link_up', 'gauge', 'The link to the node is up (1) or dead (0).', links.map(([l, v]) => [l, v.status === 'up' ? 1 : 0]));
  o.metric('heartbeat_link_last_heard_seconds', 'gauge', 'Seconds since the last packet from the node on this link.', links.map(([l, v]) => [l, v.lastHeardAgo]));
  o.metric('heartbeat_link_loss_ratio', 'gauge', "Share of the node's packets of the last minute that did not come on this link.",
    links.flatMap(([l, v]) => (v.loss === null ? [] : [[l, v.loss] as const])));
  o.metric('heartbeat_link_interval_jitter_seconds', 'gauge', 'Standard deviation of the heartbeat interval on this link over the last minute.',
    links.flatMap(([l, v]) => (v.jitter === null ? [] : [[l, v.jitter] as const])));
  o.metric('heartbeat_link_interval_max_seconds', 'gauge', 'Longest heartbeat interval on this link over the last minute.',
    links.flatMap(([l, v]) => (v.intervalMax === null ? [] : [[l, v.intervalMax] as const])));
  o.metric('heartbeat_link_faults_total', 'counter', 'Times the link went from up to dead.', links.map(([l, v]) => [l, v.faults]));

  const c = m.counters;
  o.metric('heartbeat_packets_received_total', 'counter', 'Heartbeat packets received on all media (before checks).', c ? [[{}, c.received]] : []);
  o.metric('heartbeat_packets_duplicate_total', 'counter', 'Packets that came again (the same packet on another link, or a retransmission).', c ? [[{}, c.duplicates]] : []);
  o.metric('heartbeat_retransmit_requests_total', 'counter', 'Retransmissions we asked the other nodes for (NS_rexmit).', c ? [[{}, c.rexmitRequestsSent]] : []);
  o.metric('heartbeat_packets_dropped_total', 'counter', 'Packets dropped, by reason (bad signature, replay, unknown node, malformed, ...).',
    Object.entries(view.dropped).map(([reason, n]) => [{ reason }, n]));

  const nodes = [view.thisNode, ...peers.map((p) => p.name)];
  o.metric('heartbeat_group_held', 'gauge', 'Which node holds the resource group (1), as this node sees it; all 0 when none does.',
    view.groups.flatMap((g) => nodes.map((n) => [{ group: g.resources[0] ?? '', node: n }, g.heldBy === n ? 1 : 0] as const)));
  o.metric('heartbeat_group_state', 'gauge', "The group's scripts here: 1 for the current state.",
    view.groups.flatMap((g) => GROUP_STATES.map((s) => [{ group: g.resources[0] ?? '', state: s }, g.state === s ? 1 : 0] as const)));
  o.metric('heartbeat_group_operations_total', 'counter', 'Starts and stops of the group here and how they ended.',
    [...m.groupRuns].flatMap(([group, r]) => [
      [{ group, operation: 'start', result: 'ok' }, r.startOk] as const,
      [{ group, operation: 'start', result: 'failed' }, r.startFailed] as const,
      [{ group, operation: 'stop', result: 'ok' }, r.stopOk] as const,
      [{ group, operation: 'stop', result: 'failed' }, r.stopFailed] as const,
    ]));
  const scripts = [...m.scriptRuns.values()];
  o.histogram('heartbeat_resource_script_duration_seconds', 'Run time of resource scripts, per resource and operation.',
    scripts.map((s) => [{ resource: s.resource, operation: s.op }, s.seconds] as const));
  o.metric('heartbeat_resource_script_failures_total', 'counter', 'Resource script runs that failed (start and stop; a status that says stopped is not one).',
    scripts.filter((s) => s.op !== 'status').map((s) => [{ resource: s.resource, operation: s.op }, s.failures]));

  o.metric('heartbeat_ping_node_reachable', 'gauge', 'ipfail ping node (ping or ping_group) answers (1) or not (0).', pings.map((p) => [{ ping_node: p.name }, p.status === 'ping' ? 1 : 0]));
  o.metric('heartbeat_ping_nodes_reachable', 'gauge', 'How many ping nodes answer here (what ipfail compares with the peer).', [[{}, pings.filter((p) => p.status === 'ping').length]]);

  const p = m.process;
  o.metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [[{}, p.residentBytes]]);
  o.metric('process_cpu_seconds_total', 'counter', 'User and system CPU time spent in seconds.', [[{}, p.cpuSeconds]]);
  o.metric('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch in seconds.', [[{}, p.startTimeSeconds]]);
  if (p.openFds !== null) o.metric('process_open_fds', 'gauge', 'Number of open file descriptors.', [[{}, p.openFds]]);
  o.metric('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use in bytes.', [[{}, p.heapUsedBytes]]);
  const { peers: peerTables, ...tables } = m.tables;
  o.metric('heartbeat_table_entries', 'gauge', 'Entries in each bounded table of the daemon (bounds: src/control/memory.ts).',
    Object.entries(tables).map(([k, n]) => [{ table: k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) }, n]));
  o.metric('heartbeat_peer_missing_packets', 'gauge', 'Seqs from the node still missing, waiting for a retransmission (at most 500).',
    peerTables.map((t) => [{ peer: t.name }, t.missing]));
  o.histogram('heartbeat_event_loop_lag_seconds', "How late the daemon's timer fired: the event loop lag the node lives with.", [[{}, m.timerLag]]);
  return o.text();
}
