// "This will start and work here": the checks of a configuration against the machine it runs on,
// beyond the files themselves (interfaces are checked while parsing, from LoadOptions.interfaces).
// Pure: the host's facts come in; load.ts gathers them. `heartbeat check --portable` skips these.
import { dirname } from 'node:path';
import type { ConfigIssue, HaCf, MediumConfig, Where } from './types.js';

export interface HostEnv {
  /** This host's IPv4 addresses (a ucast line naming one of them is skipped, as Heartbeat does). */
  readonly addresses: ReadonlySet<string>;
  /** The directory exists and this process may create files in it. */
  readonly writableDir: (dir: string) => boolean;
  /** The host name resolves (getent hosts). */
  readonly resolves: (name: string) => boolean;
  /** Why this UDP port cannot be bound on every address now (null: it can; skipped: not asked). */
  readonly udpPortProblem?: (port: number) => string | null;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function directiveWhere(h: HaCf, name: string, file: string): Where {
  return h.directives.find((d) => d.name === name)?.where ?? { file, line: 0 };
}

export function hostIssues(h: HaCf, file: string, thisNode: string, env: HostEnv): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const at = (w: Where, message: string): void => void out.push({ file: w.file, line: w.line, severity: 'error', message });

  // Every medium skipped: the node hears nobody and takes every group after initdead.
  const net = h.media.filter((m): m is Exclude<MediumConfig, { kind: 'serial' }> => m.kind !== 'serial');
  const left = h.media.filter((m) => !(m.kind === 'ucast' && env.addresses.has(m.peer)));
  if (h.nodes.length > 1 && h.media.length > 0 && left.length === 0) {
    const own = net.map((m) => (m.kind === 'ucast' ? m.peer : '')).filter(Boolean).join(', ');
    at(h.media[0]?.where ?? { file, line: 0 },
      `no heartbeat medium left on ${thisNode}: every ucast line names one of its own addresses (${own}), so it would hear no other node ` +
        'and take over their resources after initdead. Add a ucast line with each other node\'s address (each node skips its own), or a bcast/mcast line.');
  }

  for (const [name, path] of [['logfile', h.logfile], ['debugfile', h.debugfile]] as const) {
    if (path === null || h.useLogd === true) continue;
    const dir = dirname(path);
    if (!env.writableDir(dir)) at(directiveWhere(h, name, file), `${name} [${path}]: directory [${dir}] does not exist or is not writable: nothing would be logged there`);
  }

  const udp = net[0];
  const problem = udp ? env.udpPortProblem?.(udp.port) : null;
  if (udp && problem) at(directiveWhere(h, 'udpport', file), `udpport ${udp.port}: cannot be bound here (${problem}): another program holds it`);

  for (const d of h.directives) {
    if (d.name !== 'ping' && d.name !== 'ping_group') continue;
    const hosts = d.name === 'ping' ? d.args : d.args.slice(1);
    for (const host of hosts) if (!IPV4.test(host) && !env.resolves(host)) at(d.where, `${d.name}: host [${host}] does not resolve`);
  }
  return out;
}
