// One of OUR daemons and one REAL Heartbeat 3.0.6 in the same lab, behind one small interface, so the
// interop tests read the same whichever side plays which role. Built on ours.ts and real-heartbeat.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, LabNode, NodeFiles } from './lab.js';
import { OurHeartbeat } from './ours.js';
import { RealHeartbeat, labWebScript } from './real-heartbeat.js';

export type Medium = 'ucast' | 'bcast' | 'mcast';
export type AuthMethod = 'crc' | 'md5' | 'sha1';
/** The multicast group of the lab (documentation range, inside our namespaces only). */
export const MCAST_GROUP = '233.252.0.7';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The heartbeat medium line(s) for `me`, all on the heartbeat link eth1. */
export function mediaLines(lab: Lab, me: string, medium: Medium): string[] {
  if (medium === 'bcast') return ['bcast eth1'];
  if (medium === 'mcast') return [`mcast eth1 ${MCAST_GROUP} 694 1 0`];
  return lab.nodes.filter((n) => n.name !== me).map((n) => `ucast eth1 ${n.eth1}`);
}

/** authkeys text. The real 3.0.6 refuses `N crc KEY` ("Auth Key [N] not found"): crc takes no key. */
export function authkeysText(method: AuthMethod, key = 'labTestKey', index = 2): string {
  return `auth ${index}\n${index} ${method}${method === 'crc' ? '' : ` ${key}`}\n`;
}

/** A v1 ha.cf both implementations accept: whole-second timers, logfile in the node directory. */
export function pairHaCf(lab: Lab, me: string, o: { media: readonly string[]; initdead?: number; ping?: boolean }): string {
  const n = lab.node(me);
  return [
    `logfile ${n.logFile}`,
    `debugfile ${join(n.dir, 'ha-debug')}`,
    'logfacility none',
    'keepalive 1',
    'warntime 2',
    'deadtime 3',
    `initdead ${o.initdead ?? 4}`,
    'udpport 694',
    ...o.media,
    'auto_failback on',
    ...lab.nodes.map((x) => `node ${x.hostname}`),
    ...(o.ping ? ['ping 192.0.2.254'] : []),
    'crm off',
    '',
  ].join('\n');
}

/** What the tests need of a node, whoever runs it. */
export interface PairNode {
  readonly kind: 'ours' | 'real';
  readonly node: LabNode;
  start(): Promise<void>;
  /** A crash: the daemon and everything it started die; what IPaddr configured is removed. */
  crash(): void;
  /** Graceful stop; resolves when the daemon is gone. */
  stop(): Promise<void>;
  standby(): void;
  takeover(): void;
  /** `cl_status nodestatus NODE` of this node's daemon (trimmed stdout). */
  nodestatus(peer: string): string;
  hblinkstatus(peer: string, link: string): string;
  log(): string;
  hasVip(): boolean;
  write(files: NodeFiles): void;
}

export class OursNode implements PairNode {
  readonly kind = 'ours';
  readonly hb: OurHeartbeat;
  constructor(readonly lab: Lab, name: string, files: NodeFiles) {
    this.hb = new OurHeartbeat(lab, name, files);
  }
  get node(): LabNode {
    return this.hb.node;
  }
  write(files: NodeFiles): void {
    this.lab.writeFiles(this.node.name, files);
  }
  start(): Promise<void> {
    return this.hb.start();
  }
  crash(): void {
    this.hb.kill9();
    const pidfile = join(this.node.stateDir, 'httpd.pid');
    if (existsSync(pidfile)) {
      try {
        process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.lab.dropExtraAddresses(this.node.name, 'eth0');
  }
  async stop(): Promise<void> {
    if (this.hb.exitCode !== null) return;
    const r = this.hb.cmd('heartbeat', 'stop');
    if (r.code !== 0) throw new Error(`heartbeat stop on ${this.node.name}: ${r.code} ${r.err}`);
    await this.hb.waitExit(10_000);
  }
  async waitGone(): Promise<void> {
    await this.hb.waitExit(5000);
  }
  standby(): void {
    const r = this.hb.cmd('hb_standby');
    if (r.code !== 0) throw new Error(`hb_standby on ${this.node.name}: ${r.code} ${r.err}`);
  }
  takeover(): void {
    const r = this.hb.cmd('hb_takeover');
    if (r.code !== 0) throw new Error(`hb_takeover on ${this.node.name}: ${r.code} ${r.err}`);
  }
  nodestatus(peer: string): string {
    return this.hb.cmd('cl_status', 'nodestatus', peer).out.trim();
  }
  hblinkstatus(peer: string, link: string): string {
    return this.hb.cmd('cl_status', 'hblinkstatus', peer, link).out.trim();
  }
  log(): string {
    return this.hb.log();
  }
  hasVip(): boolean {
    return this.hb.hasVip();
  }
}

export class RealNode implements PairNode {
  readonly kind = 'real';
  readonly hb: RealHeartbeat;
  constructor(readonly lab: Lab, name: string, files: NodeFiles) {
    const n = lab.node(name);
    // The same haresources line as ours (`IPaddr::VIP/24/eth0 httpd`): the real side's httpd is the
    // lab's busybox web script, whose page names the node like our httpd's.
    this.hb = new RealHeartbeat(lab, name, { ...files, resourceScripts: { httpd: labWebScript(n), ...(files.resourceScripts ?? {}) } });
  }
  get node(): LabNode {
    return this.hb.node;
  }
  write(files: NodeFiles): void {
    this.lab.writeFiles(this.node.name, files);
  }
  async start(): Promise<void> {
    await this.hb.start();
  }
  crash(): void {
    this.hb.kill9();
  }
  /**
   * After "Heartbeat restart triggered." the real one execs itself and forks a NEW master (BEHAVIOUR.md
   * §3.8): commands must enter through the pid now in its pid file (same namespaces).
   */
  private refreshPid(): void {
    const f = join(this.node.runDir, 'heartbeat.pid');
    const pid = existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : 0;
    if (pid > 0 && pid !== this.hb.pid && this.hb.processes().includes(pid)) this.hb.pid = pid;
  }
  async stop(): Promise<void> {
    this.refreshPid();
    if (!(await this.hb.stop(20_000))) throw new Error(`real heartbeat on ${this.node.name} did not stop gracefully`);
  }
  standby(): void {
    this.refreshPid();
    this.hb.standby('all');
  }
  takeover(): void {
    this.refreshPid();
    this.hb.takeover('all');
  }
  nodestatus(peer: string): string {
    this.refreshPid();
    return this.hb.clStatusRaw('nodestatus', peer).stdout;
  }
  hblinkstatus(peer: string, link: string): string {
    this.refreshPid();
    return this.hb.clStatusRaw('hblinkstatus', peer, link).stdout;
  }
  log(): string {
    return this.hb.log();
  }
  hasVip(): boolean {
    return this.lab.exec(this.node.name, 'ip', ['-4', 'addr', 'show', 'dev', 'eth0']).includes(` ${this.lab.vip}/`);
  }
}

/** Resolves with the first line matching re in n's log after byte offset `from`. */
export async function waitLog(n: PairNode, re: RegExp, timeoutMs: number, from = 0): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = n.log().slice(from).split('\n').find((l) => re.test(l));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`${n.kind} on ${n.node.name}: no log line ${re} within ${timeoutMs} ms:\n${n.log().slice(from).slice(-3000)}`);
    await sleep(50);
  }
}

/** UDP payloads of an Ethernet pcap (tcpdump -w), IPv4 only. */
export function udpPayloads(pcap: Buffer): { src: string; payload: Buffer }[] {
  const out: { src: string; payload: Buffer }[] = [];
  if (pcap.length < 24) return out;
  const le = pcap.readUInt32LE(0) === 0xa1b2c3d4 || pcap.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? pcap.readUInt32LE(o) : pcap.readUInt32BE(o));
  for (let o = 24; o + 16 <= pcap.length; ) {
    const incl = u32(o + 8);
    const frame = pcap.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    if (frame.length < 14 + 20 + 8 || frame.readUInt16BE(12) !== 0x0800) continue;
    const ihl = (frame[14]! & 0x0f) * 4;
    if (frame[14 + 9] !== 17) continue;
    const src = [...frame.subarray(14 + 12, 14 + 16)].join('.');
    out.push({ src, payload: frame.subarray(14 + ihl + 8) });
  }
  return out;
}
