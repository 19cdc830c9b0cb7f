// Configurations for the simulator: the operator's own ha.cf / haresources / authkeys texts, read
// once per node with that node as thisNode, or a small generated pair for campaigns.
import { parseAuthkeys } from '../config/authkeys.js';
import { parseHaCf } from '../config/ha-cf.js';
import { parseHaresources } from '../config/haresources.js';
import type { ClusterConfig, ConfigIssue } from '../config/types.js';
import { formatIssue } from '../config/load.js';

export interface ConfigTexts {
  readonly dir: string;
  readonly haCf: string;
  readonly haresources: string;
  readonly authkeys: string;
}

export class SimConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

/** One ClusterConfig per `node` of ha.cf (host checks off: this is not the machine they run on). */
export function simConfigs(t: ConfigTexts): ClusterConfig[] {
  const probe = parseHaCf(t.haCf, { file: `${t.dir}/ha.cf`, nodeName: '' });
  const nodes = probe.haCf.nodes;
  if (nodes.length < 2) throw new SimConfigError([{ file: `${t.dir}/ha.cf`, line: 0, severity: 'error', message: 'simulate needs at least two node lines' }]);
  return nodes.map((name) => {
    const hc = parseHaCf(t.haCf, { file: `${t.dir}/ha.cf`, nodeName: name });
    const res = parseHaresources(t.haresources, { file: `${t.dir}/haresources`, nodes: hc.haCf.nodes });
    const ak = parseAuthkeys(t.authkeys, { file: `${t.dir}/authkeys` });
    const errors = [...hc.issues, ...res.issues, ...ak.issues].filter((i) => i.severity === 'error');
    if (errors.length > 0 || ak.authkeys === null) throw new SimConfigError(errors);
    return { dir: t.dir, thisNode: name, haCf: hc.haCf, groups: res.groups, authkeys: ak.authkeys };
  });
}

export interface PairOptions {
  readonly keepalive: string;
  readonly deadtime: string;
  readonly initdead?: string;
  readonly autoFailback: 'on' | 'off' | 'legacy';
  /** haresources lines; default one group preferring node1. */
  readonly groups?: readonly string[];
  readonly nodes?: readonly string[];
}

/** The campaign's pair: two media (LAN and a direct heartbeat link), as the lab has. */
export function pairTexts(o: PairOptions): ConfigTexts {
  const nodes = o.nodes ?? ['node1', 'node2'];
  const haCf = [
    `keepalive ${o.keepalive}`,
    `deadtime ${o.deadtime}`,
    `initdead ${o.initdead ?? o.deadtime}`,
    'udpport 694',
    'bcast eth0',
    'bcast hb0',
    `auto_failback ${o.autoFailback}`,
    ...nodes.map((n) => `node ${n}`),
    '',
  ].join('\n');
  const haresources = (o.groups ?? [`${nodes[0]} IPaddr::192.0.2.10/25/eth0 httpd`]).join('\n') + '\n';
  return { dir: '/etc/ha.d', haCf, haresources, authkeys: 'auth 1\n1 sha1 simulated\n' };
}
