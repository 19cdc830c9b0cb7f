// `heartbeat check` means "this will start and work here": a medium left once our own addresses
// are skipped, log directories that exist, ping hosts that resolve (host-checks.ts), and the
// sample ha.cf keeps a ucast medium on both nodes.
import { expect } from 'chai';
import { parseHaCf } from '../../../src/config/ha-cf.js';
import { hostIssues, type HostEnv } from '../../../src/config/host-checks.js';
import { formatIssue } from '../../../src/config/load.js';
import { mediaForHost } from '../../../src/media/select.js';
import { readFileSync } from 'node:fs';

const env = (addrs: string[], o: Partial<HostEnv> = {}): HostEnv => ({
  addresses: new Set(addrs), writableDir: (d) => d === '/var/log', resolves: (n) => n === 'router.example', ...o,
});
const haCf = (lines: string[]) => parseHaCf([...lines, 'node node1', 'node node2', ''].join('\n'), { file: 'ha.cf', nodeName: 'node1' }).haCf;
const issues = (lines: string[], e: HostEnv) => hostIssues(haCf(lines), 'ha.cf', 'node1', e).map(formatIssue);

describe('host checks (heartbeat check, start)', () => {
  it('refuses a node whose every medium is a ucast to one of its own addresses, naming the line', () => {
    const out = issues(['logfile /var/log/ha-log', 'ucast eth0 192.0.2.1'], env(['192.0.2.1']));
    expect(out).to.have.length(1);
    expect(out[0]).to.match(/^ha\.cf:2: no heartbeat medium left on node1: every ucast line names one of its own addresses \(192\.0\.2\.1\)/);
    expect(issues(['ucast eth0 192.0.2.1', 'ucast eth0 192.0.2.2'], env(['192.0.2.1']))).to.deep.equal([]);
    expect(issues(['ucast eth0 192.0.2.1', 'bcast eth1'], env(['192.0.2.1']))).to.deep.equal([]);
  });

  it('refuses a logfile or debugfile in a directory that is not there', () => {
    expect(issues(['logfile /var/log/nope/ha-log', 'debugfile /var/log/ha-debug', 'bcast eth0'], env([]))).to.deep.equal([
      'ha.cf:1: logfile [/var/log/nope/ha-log]: directory [/var/log/nope] does not exist or is not writable: nothing would be logged there',
    ]);
  });

  it('refuses ping hosts that do not resolve; addresses need no lookup', () => {
    expect(issues(['bcast eth0', 'ping 192.0.2.254 router.example nosuch.invalid'], env([]))).to.deep.equal([
      'ha.cf:2: ping: host [nosuch.invalid] does not resolve',
    ]);
  });

  it('refuses a udpport another program holds, at the udpport line', () => {
    const e = env([], { udpPortProblem: (p) => (p === 694 ? 'EADDRINUSE' : null) });
    expect(issues(['udpport 694', 'bcast eth0'], e)).to.deep.equal(['ha.cf:1: udpport 694: cannot be bound here (EADDRINUSE): another program holds it']);
    expect(issues(['udpport 695', 'bcast eth0'], e)).to.deep.equal([]);
  });

  it('the sample ha.cf keeps a heartbeat ucast on both nodes', () => {
    const text = readFileSync(new URL('../../../etc-ha.d/ha.cf', import.meta.url), 'utf8');
    for (const [node, own] of [['node1', '192.0.2.1'], ['node2', '192.0.2.2']] as const) {
      const h = parseHaCf(text, { file: 'ha.cf', nodeName: node }).haCf;
      const kept = mediaForHost(h.media, [own]).media.map((m) => m.kind);
      expect(kept, node).to.include('ucast');
    }
  });
});
