// The /metrics text: Prometheus's own checker (promtool, Debian's prometheus package) passes it, and
// the numbers are where an operator's queries look for them.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { Histogram } from '../../../src/lib/histogram.js';
import { renderMetrics, type MetricsInput } from '../../../src/control/metrics.js';
import type { PeerLinksView, StatusView } from '../../../src/control/status-view.js';
import { SCRIPT_BUCKETS_S, type ScriptRuns } from '../../../src/resources/group-runner.js';

const view: StatusView = {
  thisNode: 'node1', pid: 42, generation: 7, rscstatus: 'none',
  nodes: [],
  groups: [{ node: 'node1', resources: ['IPaddr::192.0.2.10/24/eth0', 'httpd'], heldBy: 'node2', state: 'stopped' }],
  parameters: {},
  dropped: { 'bad-signature': 3, 'unknown-node': 1 },
};
const peer: PeerLinksView = {
  name: 'node2', type: 'normal', status: 'active', lastHeardAgo: 0.25, lateHeartbeats: 2, lostPackets: 5, retransmitted: 1,
  links: [
    { name: 'eth0', status: 'dead', lastHeardAgo: 12, loss: 1, interval: null, intervalMax: null, jitter: null, faults: 1 },
    { name: 'eth1', status: 'up', lastHeardAgo: 0.25, loss: 0.02, interval: 1.0, intervalMax: 1.2, jitter: 0.01, faults: 0 },
  ],
};
const ping: PeerLinksView = { name: '192.0.2.1', type: 'ping', status: 'dead', lastHeardAgo: 40, lateHeartbeats: 0, lostPackets: 0, retransmitted: 0, links: [] };

function input(): MetricsInput {
  const start = new Histogram(SCRIPT_BUCKETS_S);
  start.observe(0.3);
  start.observe(4);
  const runs: ScriptRuns = { resource: 'IPaddr::192.0.2.10/24/eth0', op: 'start', seconds: start, failures: 1 };
  const lag = new Histogram([0.001, 0.01]);
  lag.observe(0.0005);
  lag.observe(0.02);
  return {
    view, peers: [peer, ping], warntimeSeconds: 5,
    counters: { received: 100, accepted: 90, duplicates: 8, lostPackets: 5, rexmitRequestsSent: 2, retransmits: 1, naksSent: 0, dropped: view.dropped },
    groupRuns: new Map([['IPaddr::192.0.2.10/24/eth0', { startOk: 1, startFailed: 1, stopOk: 2, stopFailed: 0 }]]),
    scriptRuns: new Map([['x', runs]]),
    intervals: new Map([['node2', { bounds: [0.5, 1, 2], counts: [1, 10, 2, 1], sum: 14.5, count: 14 }]]),
    timerLag: lag,
    tables: { nodes: 3, peers: [{ name: 'node2', links: 2, missing: 4 }], resentAt: 0, dropWindows: 1, rexmitHistory: 500, peerUuids: 1, eventQueue: 0, planQueue: 0, startFailures: 0, recorderLines: 31 },
    process: { residentBytes: 50e6, heapUsedBytes: 8e6, cpuSeconds: 1.5, openFds: 20, startTimeSeconds: 1_700_000_000 },
    version: '0.1.0',
  };
}

describe('metrics text', () => {
  const text = renderMetrics(input());
  const lines = text.split('\n');

  it('passes promtool check metrics', function () {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (r.error) this.skip(); // outside CI without Debian's prometheus package
    expect(`${r.stdout}${r.stderr}`.trim()).to.equal('');
    expect(r.status).to.equal(0);
  });

  it('shows who holds each group, the dead link and the unreachable ping node', () => {
    expect(lines).to.include('heartbeat_group_held{group="IPaddr::192.0.2.10/24/eth0",node="node2"} 1');
    expect(lines).to.include('heartbeat_group_held{group="IPaddr::192.0.2.10/24/eth0",node="node1"} 0');
    expect(lines).to.include('heartbeat_link_up{peer="node2",link="eth0"} 0');
    expect(lines).to.include('heartbeat_link_up{peer="node2",link="eth1"} 1');
    expect(lines).to.include('heartbeat_peer_status{peer="node2",status="active"} 1');
    expect(lines).to.include('heartbeat_ping_node_reachable{ping_node="192.0.2.1"} 0');
    expect(lines).to.include('heartbeat_packets_dropped_total{reason="bad-signature"} 3');
    expect(lines).to.include('heartbeat_table_entries{table="rexmit_history"} 500');
    expect(lines).to.include('heartbeat_peer_missing_packets{peer="node2"} 4');
  });

  it('writes histograms cumulative, in seconds, ending at +Inf = count', () => {
    expect(lines.filter((l) => l.startsWith('heartbeat_peer_heartbeat_interval_seconds_bucket'))).to.deep.equal([
      'heartbeat_peer_heartbeat_interval_seconds_bucket{peer="node2",le="0.5"} 1',
      'heartbeat_peer_heartbeat_interval_seconds_bucket{peer="node2",le="1"} 11',
      'heartbeat_peer_heartbeat_interval_seconds_bucket{peer="node2",le="2"} 13',
      'heartbeat_peer_heartbeat_interval_seconds_bucket{peer="node2",le="+Inf"} 14',
    ]);
    expect(lines).to.include('heartbeat_resource_script_duration_seconds_count{resource="IPaddr::192.0.2.10/24/eth0",operation="start"} 2');
    expect(lines).to.include('heartbeat_resource_script_duration_seconds_bucket{resource="IPaddr::192.0.2.10/24/eth0",operation="start",le="5"} 2');
    expect(lines).to.include('heartbeat_resource_script_duration_seconds_bucket{resource="IPaddr::192.0.2.10/24/eth0",operation="start",le="0.25"} 0');
  });

  it('escapes label values', () => {
    const v = { ...view, groups: [{ ...view.groups[0]!, resources: ['say::"hi"\\there'] }] };
    expect(renderMetrics({ ...input(), view: v })).to.include('heartbeat_group_held{group="say::\\"hi\\"\\\\there",node="node2"} 1');
  });
});
