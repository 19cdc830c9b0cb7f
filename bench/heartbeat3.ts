// The real Heartbeat 3.0.6 (Debian package, v1 haresources mode) as a bench contender, run through
// the lab's RealHeartbeat runner (private /etc/ha.d, /var/lib/heartbeat and /run per node).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../test/lab/lab.js';
import { RealHeartbeat, labWebScript, realHeartbeatInstalled } from '../test/lab/real-heartbeat.js';
import { commOf, type ConfigureOptions, type Contender, type Timers } from './contender.js';

export const IPFAIL_BIN = '/usr/libexec/heartbeat/ipfail';
export const MCAST_GROUP = '233.252.0.1';

/** ms -> an ha.cf time ("3" for whole seconds, else "200ms"): both Heartbeat and ours read either. */
export function haTime(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : `${ms}ms`;
}

/** One ha.cf for heartbeat-ts or Heartbeat 3.0.6, with the bench's timers and media. */
export function benchHaCf(lab: Lab, node: string, t: Timers, o: ConfigureOptions, members: string[]): string {
  const me = lab.node(node);
  const peers = members.filter((m) => m !== node).map((m) => lab.node(m));
  const media = o.media === 'mcast'
    ? [`mcast eth1 ${MCAST_GROUP} 694 1 0`]
    : [...peers.map((p) => `ucast eth1 ${p.eth1}`), 'bcast eth0'];
  return [
    `# bench ha.cf for ${node} (${t.label})`,
    `logfile ${me.logFile}`,
    `debugfile ${join(me.dir, 'ha-debug')}`,
    'logfacility none',
    `keepalive ${haTime(t.keepaliveMs)}`,
    `warntime ${haTime(t.warntimeMs)}`,
    `deadtime ${haTime(t.deadtimeMs)}`,
    `initdead ${haTime(t.initdeadMs)}`,
    'udpport 694',
    ...media,
    `auto_failback ${o.autoFailback ? 'on' : 'off'}`,
    ...members.map((m) => `node ${lab.node(m).hostname}`),
    ...(o.ipfail ? [`ping ${'192.0.2.254'}`, `respawn hacluster ${IPFAIL_BIN}`] : []),
    'crm off',
    ...(o.extraHaCf ?? []),
    '',
  ].join('\n');
}

export function benchHaresources(lab: Lab, o: ConfigureOptions, members: string[]): string {
  return o.resources === false ? '' : `${members[0]} ${lab.vip}/24/eth0 labweb\n`;
}

export const AUTHKEYS = 'auth 1\n1 sha1 benchKey\n';

export class Heartbeat3 implements Contender {
  readonly name = 'heartbeat-3.0.6';
  // Seen 2026-12-06: 32 real nodes forked ~9000 processes (ResourceManager children) within
  // minutes, and the kernel's OOM killer took the bench with all its results.
  readonly scaleLimit = { nodes: 16, why: 'fork storm, out of memory at N=32 on the 2-core lab' };
  private hbs = new Map<string, RealHeartbeat>();
  private timers: Timers | null = null;

  unavailable(): string | null {
    return realHeartbeatInstalled() ? null : 'Debian package heartbeat not installed';
  }

  configure(lab: Lab, timers: Timers, opts: ConfigureOptions): void {
    this.timers = timers;
    const members = opts.nodes ?? lab.nodes.map((n) => n.name);
    this.hbs.clear();
    for (const m of members) {
      const n = lab.node(m);
      this.hbs.set(m, new RealHeartbeat(lab, m, {
        haCf: benchHaCf(lab, m, timers, opts, members),
        haresources: benchHaresources(lab, opts, members),
        authkeys: AUTHKEYS,
        resourceScripts: { labweb: labWebScript(n) },
      }));
    }
  }

  private hb(node: string): RealHeartbeat {
    const h = this.hbs.get(node);
    if (!h) throw new Error(`heartbeat-3.0.6: ${node} not configured`);
    return h;
  }

  async start(node: string): Promise<void> {
    await this.hb(node).start({ timeoutMs: 20_000 });
  }

  async stop(node: string): Promise<void> {
    const h = this.hb(node);
    // Quirk Q10: a partition heal (or a long SIGSTOP) makes Heartbeat re-exec itself, and it
    // daemonises again under a new master pid; RealHeartbeat.stop() would see its old master gone
    // and return at once, leaving the daemon running. Follow the pid file first.
    const pidFile = join(h.node.runDir, 'heartbeat.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
    if (pid > 0 && h.processes().includes(pid)) h.pid = pid;
    // Quirk Q1: a hung shutdown falls back to kill -9 inside stop().
    await h.stop(30_000);
    if (h.processes().length > 0) h.kill9();
  }

  kill(node: string): void {
    this.hb(node).kill9();
  }

  processes(node: string): number[] {
    return this.hb(node).processes().filter((p) => {
      const c = commOf(p);
      return c !== '' && c !== 'busybox' && c !== 'httpd';
    });
  }

  log(node: string): string {
    return this.hb(node).log();
  }

  standby(node: string, which: 'all' | 'failback'): void {
    this.hb(node).standby(which);
  }

  takeover(node: string, which: 'all' | 'failback'): void {
    this.hb(node).takeover(which);
  }

  detectionMs(t: Timers): number {
    return (this.timers ?? t).deadtimeMs;
  }
}
