// The failover lab: network namespaces wired like BEHAVIOUR.md §1, but on the 192.0.2.0/24 service LAN
// and a 198.51.100.0/24 heartbeat link, plus fault tools. Every name carries a per-run prefix
// (NetnsRun), and teardown() removes namespaces, processes and the per-node directories.
//
//   nodeK  eth0 192.0.2.K/24    --\                          /-- client eth0 192.0.2.100/24
//                                 [switch ns: bridge br0] ----- router eth0 192.0.2.254/24 (ping node)
//   nodeK  eth1 198.51.100.K/24 -- direct veth for 2 nodes; bridge br1 in the switch ns for 3+ nodes
//
// Node K's host number is K for K <= 9 and K + 100 for K >= 10, so .10 (the VIP), .100 (client) and
// .254 (router) stay free for up to 153 nodes.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { NetnsRun, sh, shQuiet } from './netns.js';

export const SERVICE_NET = '192.0.2';
export const HB_NET = '198.51.100';
export const VIP = '192.0.2.10';
export const CLIENT_ADDR = '192.0.2.100';
export const ROUTER_ADDR = '192.0.2.254';

export interface LabOptions {
  /** Number of cluster nodes, named node1..nodeN (default 2). */
  nodes?: number;
  /** Heartbeat link as a bridge even for 2 nodes (always a bridge for 3+). */
  heartbeatBridge?: boolean;
  /** Parent of the run directory (default os.tmpdir()). */
  baseDir?: string;
  /** Keep the run directory at teardown (logs for a post-mortem); also env HB_LAB_KEEP=1. */
  keepDir?: boolean;
}

export interface LabNode {
  /** node1, node2, ...; also the hostname (uname -n) that ha.cf "node" lines name. */
  name: string;
  hostname: string;
  /** Full namespace name, e.g. h1a2b-node1. */
  ns: string;
  index: number;
  /** Service-LAN (eth0) and heartbeat-link (eth1) addresses, without prefix length. */
  eth0: string;
  eth1: string;
  /** Private directory of this node and its parts. */
  dir: string;
  etcHaD: string;
  resourceD: string;
  stateDir: string;
  runDir: string;
  wwwDir: string;
  logFile: string;
}

export interface NodeFiles {
  haCf?: string;
  haresources?: string;
  authkeys?: string;
  /** resource.d/<name> scripts (written mode 755). */
  resourceScripts?: Record<string, string>;
}

export type Direction = 'in' | 'out' | 'both';

export function hostNumber(k: number): number {
  return k <= 9 ? k : k + 100;
}

export class Lab {
  readonly run = new NetnsRun();
  readonly prefix = this.run.prefix;
  readonly vip = VIP;
  readonly nodes: LabNode[] = [];
  readonly dir: string;
  switchNs = '';
  clientNs = '';
  routerNs = '';
  private readonly keepDir: boolean;
  private readonly hbBridge: boolean;
  private readonly cleanups: Array<() => void> = [];
  private tornDown = false;

  private constructor(opts: LabOptions) {
    this.dir = join(opts.baseDir ?? tmpdir(), `${this.prefix}-lab`);
    this.keepDir = opts.keepDir ?? process.env['HB_LAB_KEEP'] === '1';
    this.hbBridge = (opts.nodes ?? 2) > 2 || opts.heartbeatBridge === true;
    // Also reached from process 'exit'/SIGINT via NetnsRun, so a crashed test still cleans up.
    this.run.atTeardown(() => this.cleanupOwn());
    this.run.atTeardown(() => {
      if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
    }, 'after');
  }

  /** Builds the whole topology; on any failure it tears down what was built and rethrows. */
  static async create(opts: LabOptions = {}): Promise<Lab> {
    const n = opts.nodes ?? 2;
    if (!Number.isInteger(n) || n < 1 || n > 153) throw new Error(`Lab: nodes must be 1..153, got ${n}`);
    const lab = new Lab(opts);
    try {
      lab.build(n);
    } catch (e) {
      await lab.teardown();
      throw e;
    }
    return lab;
  }

  private build(n: number): void {
    mkdirSync(this.dir, { recursive: true });
    this.switchNs = this.run.addNs('sw');
    this.bridge('br0');
    if (this.hbBridge) this.bridge('br1');
    for (let k = 1; k <= n; k++) this.addNode(k);
    if (!this.hbBridge && n === 2) {
      const [a, b] = this.nodes as [LabNode, LabNode];
      this.run.link(a.ns, 'eth1', `${a.eth1}/24`, b.ns, 'eth1', `${b.eth1}/24`);
    }
    this.clientNs = this.run.addNs('client');
    this.attach(this.clientNs, 'cl', 'br0', `${CLIENT_ADDR}/24`);
    this.routerNs = this.run.addNs('router');
    this.attach(this.routerNs, 'rt', 'br0', `${ROUTER_ADDR}/24`);
  }

  private bridge(name: string): void {
    // No multicast snooping: without an IGMP querier it could stop mcast heartbeats between nodes.
    sh('ip', ['-n', this.switchNs, 'link', 'add', name, 'type', 'bridge', 'mcast_snooping', '0']);
    sh('ip', ['-n', this.switchNs, 'link', 'set', name, 'up']);
  }

  /** A veth from ns:eth<ifNum> to a port on a bridge of the switch namespace. */
  private attach(ns: string, port: string, bridge: string, addr: string, ifc = 'eth0'): void {
    this.run.link(ns, ifc, addr, this.switchNs, port, null);
    sh('ip', ['-n', this.switchNs, 'link', 'set', port, 'master', bridge]);
  }

  private addNode(k: number): void {
    const name = `node${k}`;
    const ns = this.run.addNs(name);
    const dir = join(this.dir, name);
    const node: LabNode = {
      name, hostname: name, ns, index: k,
      eth0: `${SERVICE_NET}.${hostNumber(k)}`,
      eth1: `${HB_NET}.${hostNumber(k)}`,
      dir,
      etcHaD: join(dir, 'etc-ha.d'),
      resourceD: join(dir, 'etc-ha.d', 'resource.d'),
      stateDir: join(dir, 'state'),
      runDir: join(dir, 'run'),
      wwwDir: join(dir, 'www'),
      logFile: join(dir, 'ha-log'),
    };
    for (const d of [node.resourceD, node.stateDir, node.runDir, node.wwwDir]) mkdirSync(d, { recursive: true });
    writeFileSync(join(node.wwwDir, 'index.html'), `${name}\n`);
    this.attach(ns, `p${k}`, 'br0', `${node.eth0}/24`);
    if (this.hbBridge) this.attach(ns, `q${k}`, 'br1', `${node.eth1}/24`, 'eth1');
    this.nodes.push(node);
  }

  // ---- access -------------------------------------------------------------------------------------

  node(name: string): LabNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`Lab: no node ${name}`);
    return n;
  }

  /** Namespace of a node name, 'client', 'router', 'switch', or a full namespace name. */
  nsOf(target: string): string {
    if (target === 'client') return this.clientNs;
    if (target === 'router') return this.routerNs;
    if (target === 'switch') return this.switchNs;
    if (target.startsWith(`${this.prefix}-`)) return target;
    return this.node(target).ns;
  }

  /** Runs a command inside a namespace; returns stdout, throws on non-zero exit. */
  exec(target: string, cmd: string, args: readonly string[], input?: string): string {
    return this.run.exec(this.nsOf(target), cmd, args, input);
  }

  /** Starts a long-running process inside a namespace; killed at teardown. */
  spawn(target: string, cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
    return this.run.spawn(this.nsOf(target), cmd, args, opts);
  }

  /** Registers extra cleanup (run first at teardown, errors ignored), e.g. stopping real heartbeats. */
  onTeardown(fn: () => void): void {
    this.cleanups.push(fn);
  }

  trackPid(pid: number): void {
    this.run.trackPid(pid);
  }

  /** Writes a node's ha.cf / haresources / authkeys (mode 600) / resource.d scripts. */
  writeFiles(name: string, files: NodeFiles): void {
    const n = this.node(name);
    if (files.haCf !== undefined) writeFileSync(join(n.etcHaD, 'ha.cf'), files.haCf);
    if (files.haresources !== undefined) writeFileSync(join(n.etcHaD, 'haresources'), files.haresources);
    if (files.authkeys !== undefined) writeFileSync(join(n.etcHaD, 'authkeys'), files.authkeys, { mode: 0o600 });
    for (const [script, text] of Object.entries(files.resourceScripts ?? {})) {
      writeFileSync(join(n.resourceD, script), text, { mode: 0o755 });
    }
  }

  /** One ping: true when answered within timeoutS (fractions allowed by iputils). */
  ping(from: string, to: string, timeoutS = 0.5): boolean {
    try {
      this.exec(from, 'ping', ['-n', '-q', '-c', '1', '-W', String(timeoutS), to]);
      return true;
    } catch {
      return false;
    }
  }

  /** Loss fraction (0..1) of `count` fast pings, for measuring dropShare(). */
  pingLoss(from: string, to: string, count = 200, intervalS = 0.002): number {
    let out: string;
    try {
      out = this.exec(from, 'ping', ['-n', '-q', '-c', String(count), '-i', String(intervalS), '-W', '1', to]);
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? '');
    }
    const m = /(\d+(?:\.\d+)?)% packet loss/.exec(out);
    if (!m?.[1]) throw new Error(`Lab: cannot read ping loss from: ${out}`);
    return Number(m[1]) / 100;
  }

  // ---- faults ---------------------------------------------------------------------------------------

  /** Link down inside the node's namespace (the peer end loses carrier too). */
  cutLink(name: string, iface: string): void {
    sh('ip', ['-n', this.nsOf(name), 'link', 'set', iface, 'down']);
  }

  restoreLink(name: string, iface: string): void {
    sh('ip', ['-n', this.nsOf(name), 'link', 'set', iface, 'up']);
  }

  /**
   * Cuts only the heartbeat link (eth1) of every node. With heartbeats on both links (ucast eth1 +
   * bcast eth0, say) this is NOT a partition: use partition() for that.
   */
  partitionHeartbeat(): void {
    for (const n of this.nodes) this.cutLink(n.name, 'eth1');
  }

  healHeartbeat(): void {
    for (const n of this.nodes) this.restoreLink(n.name, 'eth1');
  }

  /**
   * Splits the cluster: nodes in `a` and nodes in `b` drop each other's packets on the given links
   * (iptables by source address, so broadcast/multicast/ucast/ping alike). Client and router still
   * reach everyone. Default b = all other nodes, links = eth0 and eth1 (a full partition).
   */
  partition(a: readonly string[], b?: readonly string[], ifaces: readonly string[] = ['eth0', 'eth1']): void {
    const bb = b ?? this.nodes.map((n) => n.name).filter((x) => !a.includes(x));
    const block = (side: readonly string[], other: readonly string[]): void => {
      for (const name of side) {
        this.ensureChain(name);
        for (const o of other) {
          const on = this.node(o);
          for (const ifc of ifaces) {
            const src = ifc === 'eth1' ? on.eth1 : on.eth0;
            this.ipt(name, ['-A', 'HBLAB', '-i', ifc, '-s', src, '-j', 'DROP']);
          }
        }
      }
    };
    block(a, bb);
    block(bb, a);
  }

  /**
   * Drops a random share (0..100 %) of the node's packets, on one interface or all; with `containing`,
   * only packets whose bytes include that text.
   */
  dropShare(name: string, percent: number, opts: { iface?: string; direction?: Direction; containing?: string } = {}): void {
    if (percent < 0 || percent > 100) throw new Error(`Lab: dropShare percent out of range: ${percent}`);
    this.ensureChain(name);
    const p = (percent / 100).toFixed(4);
    const dir = opts.direction ?? 'in';
    const hex = opts.containing === undefined ? [] : ['-m', 'string', '--algo', 'bm', '--hex-string', `|${Buffer.from(opts.containing).toString('hex')}|`];
    const rule = (chain: string, ifFlag: string): string[] => [
      '-A', chain, ...(opts.iface ? [ifFlag, opts.iface] : []), ...hex,
      '-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP',
    ];
    if (dir !== 'out') this.ipt(name, rule('HBLAB', '-i'));
    if (dir !== 'in') this.ipt(name, rule('HBLAB-OUT', '-o'));
  }

  /** Packets the node's dropShare()/partition() input rules have dropped since they were added. */
  droppedIn(name: string): number {
    const out = this.exec(name, 'iptables', ['-w', '-L', 'HBLAB', '-n', '-v', '-x']);
    return out.split('\n').filter((l) => /\bDROP\b/.test(l)).reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0]), 0);
  }

  /** Removes every dropShare()/partition() rule of a node (or of all nodes). */
  clearFaults(name?: string): void {
    for (const n of name ? [this.node(name)] : this.nodes) {
      shQuiet('ip', ['netns', 'exec', n.ns, 'iptables', '-F', 'HBLAB']);
      shQuiet('ip', ['netns', 'exec', n.ns, 'iptables', '-F', 'HBLAB-OUT']);
    }
  }

  private readonly chains = new Set<string>();
  private ensureChain(name: string): void {
    if (this.chains.has(name)) return;
    this.ipt(name, ['-N', 'HBLAB']);
    this.ipt(name, ['-N', 'HBLAB-OUT']);
    this.ipt(name, ['-A', 'INPUT', '-j', 'HBLAB']);
    this.ipt(name, ['-A', 'OUTPUT', '-j', 'HBLAB-OUT']);
    this.chains.add(name);
  }

  private ipt(name: string, args: readonly string[]): void {
    this.exec(name, 'iptables', ['-w', ...args]);
  }

  /** SIGSTOP a pid, or every process inside a node's namespace. */
  freeze(target: number | string): number[] {
    return this.signal(target, 'SIGSTOP');
  }

  thaw(target: number | string): number[] {
    return this.signal(target, 'SIGCONT');
  }

  kill9(target: number | string): number[] {
    return this.signal(target, 'SIGKILL');
  }

  /** Pids of every process inside a namespace. */
  pidsIn(target: string): number[] {
    return this.run.pidsInside(this.nsOf(target));
  }

  private signal(target: number | string, sig: NodeJS.Signals): number[] {
    const pids = typeof target === 'number' ? [target] : this.pidsIn(target);
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
    return pids;
  }

  /** Removes every address on a node's interface except its own (e.g. a VIP left after kill -9). */
  dropExtraAddresses(name: string, iface = 'eth0'): string[] {
    const n = this.node(name);
    const own = iface === 'eth1' ? n.eth1 : n.eth0;
    const out = shQuiet('ip', ['-n', n.ns, '-4', '-o', 'addr', 'show', 'dev', iface]);
    const removed: string[] = [];
    for (const m of out.matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)) {
      const cidr = m[1] ?? '';
      if (cidr.split('/')[0] === own) continue;
      shQuiet('ip', ['-n', n.ns, 'addr', 'del', cidr, 'dev', iface]);
      removed.push(cidr);
    }
    return removed;
  }

  // ---- teardown -------------------------------------------------------------------------------------

  /** Always safe: runs registered cleanups, kills every process in our namespaces, deletes them. */
  async teardown(): Promise<void> {
    this.teardownSync();
  }

  teardownSync(): void {
    this.run.teardownSync();
  }

  private cleanupOwn(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    for (const fn of this.cleanups.reverse()) {
      try {
        fn();
      } catch {
        /* best effort */
      }
    }
  }
}
