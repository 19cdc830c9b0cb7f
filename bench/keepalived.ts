// keepalived (Debian package) as a bench contender: one VRRP instance per node on the service LAN,
// unicast VRRP to the peers' TEST-NET addresses (the default 224.0.0.18 is not allowed in the lab),
// the VIP as virtual_ipaddress, and notify scripts that start/stop the same web resource script
// the Heartbeats run. preempt = auto_failback on, nopreempt = off.
//
// keepalived has no deadtime: a backup declares the master down after 3 x advert_int + skew, where
// skew = (256 - priority) / 256 x advert_int. advert_int = keepalive is the "alike" setting.
import { createWriteStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../test/lab/lab.js';
import { labWebScript } from '../test/lab/real-heartbeat.js';
import { commOf, sleep, waitFor, type ConfigureOptions, type Contender, type Timers } from './contender.js';

export const KEEPALIVED_BIN = '/usr/sbin/keepalived';
const PRIO_FIRST = 150;
const PRIO_OTHER = 100;

function keepalivedConf(lab: Lab, node: string, t: Timers, o: ConfigureOptions, members: string[]): string {
  const me = lab.node(node);
  const web = join(me.resourceD, 'labweb');
  const prio = node === members[0] ? PRIO_FIRST : PRIO_OTHER - members.indexOf(node);
  const advert = (t.keepaliveMs / 1000).toFixed(2);
  const peers = members.filter((m) => m !== node).map((m) => `    ${lab.node(m).eth0}`);
  const track = o.ipfail
    ? [
        'vrrp_script chk_ping {',
        `  script "/bin/ping -n -q -c 1 -W 1 192.0.2.254"`,
        `  interval ${Math.max(1, Math.round(t.keepaliveMs / 1000))}`,
        '  fall 3',
        '  rise 2',
        '}',
      ]
    : [];
  return [
    'global_defs {',
    `  router_id ${node}`,
    '  script_user root',
    '  vrrp_version 3',
    '}',
    ...track,
    'vrrp_instance VI_1 {',
    '  state BACKUP',
    '  interface eth0',
    '  virtual_router_id 51',
    `  priority ${prio}`,
    `  advert_int ${advert}`,
    ...(o.autoFailback ? [] : ['  nopreempt']),
    `  unicast_src_ip ${me.eth0}`,
    '  unicast_peer {',
    ...peers,
    '  }',
    '  virtual_ipaddress {',
    `    ${lab.vip}/24 dev eth0`,
    '  }',
    ...(o.ipfail ? ['  track_script {', '    chk_ping', '  }'] : []),
    ...(o.resources === false
      ? []
      : [`  notify_master "${web} start"`, `  notify_backup "${web} stop"`, `  notify_fault "${web} stop"`, `  notify_stop "${web} stop"`]),
    '}',
    '',
  ].join('\n');
}

export class Keepalived implements Contender {
  readonly name = 'keepalived';
  private lab: Lab | null = null;
  private timers: Timers | null = null;
  private members: string[] = [];

  unavailable(): string | null {
    return existsSync(KEEPALIVED_BIN) ? null : `${KEEPALIVED_BIN} not installed`;
  }

  configure(lab: Lab, timers: Timers, opts: ConfigureOptions): void {
    this.lab = lab;
    this.timers = timers;
    this.members = opts.nodes ?? lab.nodes.map((n) => n.name);
    for (const m of this.members) {
      const n = lab.node(m);
      lab.writeFiles(m, { resourceScripts: { labweb: labWebScript(n) } });
      writeFileSync(join(n.dir, 'keepalived.conf'), keepalivedConf(lab, m, timers, opts, this.members));
    }
  }

  private paths(node: string): { conf: string; pid: string; vrrpPid: string; log: string } {
    const d = this.lab!.node(node).dir;
    return { conf: join(d, 'keepalived.conf'), pid: join(d, 'keepalived.pid'), vrrpPid: join(d, 'keepalived-vrrp.pid'), log: join(d, 'keepalived.log') };
  }

  async start(node: string): Promise<void> {
    const lab = this.lab!;
    const p = this.paths(node);
    // A killed keepalived leaves its pid files behind, and its VRRP child (reparented when the parent
    // died) can linger as a zombie that keepalived's liveness check counts as running: every second
    // trial then refused to start with "daemon is already running". The lab knows these are dead.
    for (const f of [p.pid, p.vrrpPid]) rmSync(f, { force: true });
    // -n: stay in the foreground so the lab owns the process; -P: VRRP only; -l -D -G: detailed
    // log to the console (captured to a file), not syslog. Private pid files per node.
    const child = lab.spawn(node, KEEPALIVED_BIN, ['-n', '-P', '-l', '-D', '-G', '-f', p.conf, '-p', p.pid, '-r', p.vrrpPid]);
    const out = createWriteStream(p.log, { flags: 'a' });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    child.on('close', () => out.end());
    // Up = the VRRP child exists (parent + child, as keepalived always runs).
    const ok = await waitFor(() => this.processes(node).length >= 2, 5000);
    if (!ok) throw new Error(`keepalived on ${node} did not start: ${this.log(node).slice(-500)}`);
  }

  async stop(node: string): Promise<void> {
    const p = this.paths(node);
    const pid = existsSync(p.pid) ? Number(readFileSync(p.pid, 'utf8').trim()) : 0;
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    if (!(await waitFor(() => this.processes(node).length === 0, 10_000))) this.kill(node);
    await sleep(0);
  }

  kill(node: string): void {
    const lab = this.lab!;
    for (let i = 0; i < 5 && lab.pidsIn(node).length > 0; i++) lab.kill9(node);
    lab.dropExtraAddresses(node, 'eth0');
  }

  processes(node: string): number[] {
    return this.lab!.pidsIn(node).filter((p) => commOf(p) === 'keepalived');
  }

  log(node: string): string {
    const f = this.paths(node).log;
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  detectionMs(t: Timers): number {
    const adv = (this.timers ?? t).keepaliveMs;
    return 3 * adv + Math.round(((256 - PRIO_OTHER) * adv) / 256);
  }
}
