// Runs the REAL Heartbeat 3.0.6 (Debian package) inside a lab node, exactly as BEHAVIOUR.md §1 does:
//   ip netns exec NS unshare --mount --uts --propagation private sh -c '
//     mount --bind <node>/etc-ha.d /etc/ha.d; mount --bind <node>/varlib /var/lib/heartbeat;
//     mount --bind <node>/run /run; hostname <node>; exec /usr/libexec/heartbeat/heartbeat'
// Heartbeat daemonises, so its mount/UTS/net namespaces live on in its processes: commands "on" the
// node go through nsenter into the master's namespaces, and kill9() finds every process sharing the
// master's mount namespace (never another heartbeat on the host).
// That mount namespace is identified by its nsfs inode, and the kernel hands a freed namespace's
// inode number to the very next namespace made anywhere on the host (every `ip netns exec`, `ip -n`,
// `unshare -m` of a concurrent test). So we hold the namespace open (an fd on /proc/PID/ns/mnt)
// until we have seen it empty: while held, its number cannot be reused, and a process matching it
// is really ours. Without that, processes() listed, and kill9() SIGKILLed, strangers.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, cpSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, LabNode, NodeFiles } from './lab.js';
import { sh, shQuiet } from './netns.js';

export const HEARTBEAT_BIN = '/usr/libexec/heartbeat/heartbeat';
const SYSTEM_HA_D = '/etc/ha.d';
const SYSTEM_VARLIB = '/var/lib/heartbeat';

export function realHeartbeatInstalled(): boolean {
  return existsSync(HEARTBEAT_BIN) && existsSync(join(SYSTEM_HA_D, 'harc'));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** uid/gid from the passwd/group databases (getent, so NSS is honoured). */
function idOf(db: 'passwd' | 'group', name: string): number {
  return Number(sh('getent', [db, name]).split(':')[2]);
}

export interface RealStartOptions {
  /** How long to wait for the pid file and a live master (default 10 s). */
  timeoutMs?: number;
  /** How long the launching process may take to exit (default 30 s). */
  launchTimeoutMs?: number;
}

export class RealHeartbeat {
  readonly node: LabNode;
  /** Master pid, from the private /run/heartbeat.pid (leading spaces stripped). */
  pid = 0;
  /** Open fd on the master's /proc/PID/ns/mnt (keeps the namespace and its inode number ours). */
  private nsFd: number | null = null;
  private nsIno = 0;
  private nsDev = 0;
  readonly varlib: string;
  readonly stderrFile: string;

  /** Writes files, copies the system harc/rc.d/resource.d/shellfuncs, prepares private dirs. */
  constructor(readonly lab: Lab, nodeName: string, files: NodeFiles = {}) {
    this.node = lab.node(nodeName);
    this.varlib = join(this.node.dir, 'varlib');
    this.stderrFile = join(this.node.dir, 'heartbeat.stderr');
    this.prepare(files);
    lab.onTeardown(() => this.kill9());
  }

  private prepare(files: NodeFiles): void {
    const n = this.node;
    for (const f of ['harc', 'rc.d', 'shellfuncs']) {
      cpSync(join(SYSTEM_HA_D, f), join(n.etcHaD, f), { recursive: true, verbatimSymlinks: true });
    }
    // The system scripts, without overwriting ones the test wrote on purpose.
    cpSync(join(SYSTEM_HA_D, 'resource.d'), n.resourceD, { recursive: true, force: false, verbatimSymlinks: true });
    this.lab.writeFiles(n.name, files);
    // Private /var/lib/heartbeat: same empty tree and owners as the package's (hb_uuid, fifo, api, ...).
    cpSync(SYSTEM_VARLIB, this.varlib, { recursive: true, preserveTimestamps: true });
    sh('chown', ['-R', '--reference', SYSTEM_VARLIB, this.varlib]);
    for (const d of readdirSync(SYSTEM_VARLIB)) sh('chown', ['-R', '--reference', join(SYSTEM_VARLIB, d), join(this.varlib, d)]);
    // Private /run: heartbeat.pid, /run/heartbeat (hacluster:haclient 750), resource-agents, lock.
    const uid = idOf('passwd', 'hacluster');
    const gid = idOf('group', 'haclient');
    for (const d of ['heartbeat', 'heartbeat/ccm', 'heartbeat/crm', 'heartbeat/dopd']) {
      mkdirSync(join(n.runDir, d), { recursive: true, mode: 0o750 });
      chownSync(join(n.runDir, d), uid, gid);
    }
    mkdirSync(join(n.runDir, 'resource-agents'), { recursive: true });
    mkdirSync(join(n.runDir, 'lock'), { recursive: true, mode: 0o1777 });
  }

  /** Starts the daemon and waits for its master pid. The start-up stderr goes to stderrFile. */
  async start(opts: RealStartOptions = {}): Promise<number> {
    const n = this.node;
    this.releaseIfEmpty();
    if (this.nsFd !== null) throw new Error(`real heartbeat on ${n.name} is still running (pids ${this.processes().join(' ')})`);
    rmSync(join(n.runDir, 'heartbeat.pid'), { force: true });
    const script = [
      `mount --bind '${n.etcHaD}' /etc/ha.d`,
      `mount --bind '${this.varlib}' /var/lib/heartbeat`,
      `mount --bind '${n.runDir}' /run`,
      `hostname '${n.hostname}'`,
      `exec ${HEARTBEAT_BIN}`,
    ].join(' && ');
    const fd = openSync(this.stderrFile, 'a');
    try {
      const child = spawn('ip', ['netns', 'exec', n.ns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', script], {
        stdio: ['ignore', fd, fd],
      });
      // Heartbeat's launching process normally exits at once (the daemon forks); once in a
      // campaign it slept for 12 minutes after "Starting heartbeat 3.0.6" (its daemon gone), and
      // the bench waited with it. It is ours (by pid): ended after 30 s, a failed start.
      let hung = false;
      const timer = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, opts.launchTimeoutMs ?? 30_000);
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      clearTimeout(timer);
      if (hung) throw new Error(`real heartbeat on ${n.name}: its launching process did not exit within 30 s (killed): ${this.stderr().slice(-500)}`);
      if (code !== 0) throw new Error(`real heartbeat on ${n.name} exited ${code}: ${this.stderr()}`);
    } finally {
      closeSync(fd);
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    const pidFile = join(n.runDir, 'heartbeat.pid');
    while (Date.now() < deadline) {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
      if (pid > 0 && this.holdNamespaceOf(pid)) {
        // Not lab.trackPid(pid): that SIGKILLs the bare number at teardown, after kill9() already
        // killed it, and with pid_max 32768 the number may belong to someone else by then.
        // kill9() is registered in the constructor and also runs from NetnsRun's exit hooks.
        this.pid = pid;
        return pid;
      }
      await sleep(50);
    }
    throw new Error(`real heartbeat on ${n.name}: no master pid after start: ${this.stderr()}`);
  }

  stderr(): string {
    return existsSync(this.stderrFile) ? readFileSync(this.stderrFile, 'utf8') : '';
  }

  /** Opens and keeps the mount namespace of pid, if it is a private one (not ours). */
  private holdNamespaceOf(pid: number): boolean {
    let fd: number;
    try {
      fd = openSync(`/proc/${pid}/ns/mnt`, 'r');
    } catch {
      return false; // not started yet, or gone
    }
    const st = fstatSync(fd);
    const own = statSync('/proc/self/ns/mnt');
    if (st.ino === own.ino && st.dev === own.dev) {
      closeSync(fd); // the pid file is written after unshare, so this is not our master
      return false;
    }
    this.nsFd = fd;
    this.nsIno = st.ino;
    this.nsDev = st.dev;
    return true;
  }

  /**
   * Lets the namespace go once no process is left in it. No process can join an empty mount
   * namespace except through our fd, so two empty scans (the second after the first has ended, in
   * case a fork raced the /proc listing) mean it stays empty; from then on processes() is [].
   */
  private releaseIfEmpty(): void {
    if (this.nsFd === null || this.scan().length > 0 || this.scan().length > 0) return;
    closeSync(this.nsFd);
    this.nsFd = null;
  }

  private scan(): number[] {
    const out: number[] = [];
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const st = statSync(`/proc/${e}/ns/mnt`);
        if (st.ino === this.nsIno && st.dev === this.nsDev) out.push(Number(e));
      } catch {
        /* exited meanwhile (a zombie has no ns links either) */
      }
    }
    return out;
  }

  /** Every process in the master's mount namespace (heartbeat, its children, resource scripts). */
  processes(): number[] {
    if (this.nsFd === null) return [];
    const out = this.scan();
    if (out.length === 0) this.releaseIfEmpty();
    return out;
  }

  running(): boolean {
    return this.pid > 0 && this.processes().includes(this.pid);
  }

  /** Runs a command "on" the node: nsenter into the master's mount, UTS and net namespaces. */
  run(cmd: string, args: readonly string[] = []): string {
    if (!this.pid) throw new Error(`real heartbeat on ${this.node.name} is not started`);
    return sh('nsenter', ['-t', String(this.pid), '-m', '-u', '-n', '--', cmd, ...args]);
  }

  /** cl_status with arguments, e.g. clStatus('rscstatus'); throws on non-zero exit. */
  clStatus(...args: string[]): string {
    return this.run('cl_status', args).trim();
  }

  /** cl_status without throwing: stdout, stderr and exit code (nodestatus of a dead node exits 1). */
  clStatusRaw(...args: string[]): { stdout: string; stderr: string; code: number } {
    const r = spawnSync('nsenter', ['-t', String(this.pid), '-m', '-u', '-n', '--', 'cl_status', ...args], { encoding: 'utf8' });
    return { stdout: r.stdout.trim(), stderr: r.stderr.trim(), code: r.status ?? -1 };
  }

  standby(which: 'all' | 'foreign' | 'local' | 'failback' = 'all'): string {
    return this.run('/usr/share/heartbeat/hb_standby', [which]);
  }

  takeover(which: 'all' | 'foreign' | 'local' | 'failback' = 'all'): string {
    return this.run('/usr/share/heartbeat/hb_takeover', [which]);
  }

  log(): string {
    return existsSync(this.node.logFile) ? readFileSync(this.node.logFile, 'utf8') : '';
  }

  /** Resolves with the first log line matching re at or after byte offset `from`. */
  async waitLog(re: RegExp, timeoutMs: number, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.log().slice(from).split('\n').find((l) => re.test(l));
      if (line !== undefined) return line;
      if (Date.now() > deadline) throw new Error(`real heartbeat on ${this.node.name}: no log line ${re} within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /**
   * Graceful stop: `heartbeat -k` only signals, so wait for "Heartbeat shutdown complete." and for
   * the processes to go. If it hangs (quirk Q1) fall back to kill9(). Returns true when graceful.
   */
  async stop(timeoutMs = 15_000): Promise<boolean> {
    if (!this.running()) return true;
    const from = this.log().length;
    shQuiet('nsenter', ['-t', String(this.pid), '-m', '-u', '-n', '--', HEARTBEAT_BIN, '-k']);
    const deadline = Date.now() + timeoutMs;
    let done = false;
    while (Date.now() < deadline) {
      done ||= /Heartbeat shutdown complete\./.test(this.log().slice(from));
      if (done && this.processes().length === 0) return true;
      await sleep(100);
    }
    this.kill9();
    return false;
  }

  /**
   * A crash: SIGKILL every process in the node's mount namespace, then delete what IPaddr left
   * behind (the alias stays on eth0 after kill -9, BEHAVIOUR.md §1) so no address is duplicated.
   */
  kill9(): number[] {
    const killed: number[] = [];
    // Until empty: a process may fork between our /proc scan and its SIGKILL, and under load a
    // killed process takes a while to exit. Bounded so a stuck (D state) process cannot hang us.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const pids = this.processes();
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
          killed.push(pid);
        } catch {
          /* gone */
        }
      }
      sh('sleep', ['0.05']);
    }
    this.lab.dropExtraAddresses(this.node.name, 'eth0');
    return killed;
  }
}

export interface PairHaCfOptions {
  keepalive?: number;
  warntime?: number;
  deadtime?: number;
  initdead?: number;
  autoFailback?: 'on' | 'off' | 'legacy';
  /** Media lines; default `ucast eth1 <peer eth1>` for each other node + `bcast eth0`. */
  media?: string[];
  /** Ping node; default the lab router. null for none. */
  ping?: string | null;
  extra?: string[];
}

/** A v1 ha.cf for a lab node (real Heartbeat or heartbeat-ts), logging into the node's directory. */
export function labHaCf(lab: Lab, nodeName: string, o: PairHaCfOptions = {}): string {
  const me = lab.node(nodeName);
  const media = o.media ?? [...lab.nodes.filter((x) => x !== me).map((x) => `ucast eth1 ${x.eth1}`), 'bcast eth0'];
  const ping = o.ping === undefined ? '192.0.2.254' : o.ping;
  return [
    `# ha.cf for ${me.name} (lab ${lab.prefix})`,
    `logfile ${me.logFile}`,
    `debugfile ${join(me.dir, 'ha-debug')}`,
    'logfacility none',
    `keepalive ${o.keepalive ?? 1}`,
    `warntime ${o.warntime ?? 2}`,
    `deadtime ${o.deadtime ?? 3}`,
    `initdead ${o.initdead ?? 6}`,
    'udpport 694',
    ...media,
    `auto_failback ${o.autoFailback ?? 'on'}`,
    ...lab.nodes.map((x) => `node ${x.hostname}`),
    ...(ping ? [`ping ${ping}`] : []),
    'crm off',
    ...(o.extra ?? []),
    '',
  ].join('\n');
}

/** Trivial web resource for the lab: serves the node's www dir (page = node name) on port 80. */
export function labWebScript(node: LabNode): string {
  const pidFile = join(node.stateDir, 'labweb.pid');
  return `#!/bin/sh
# labweb {start|stop|status}: busybox httpd serving ${node.wwwDir} (page names the node)
P='${pidFile}'
running() { [ -f "$P" ] && kill -0 "$(cat "$P")" 2>/dev/null; }
case "$1" in
  start) running && exit 0
         setsid busybox httpd -f -p 80 -h '${node.wwwDir}' </dev/null >/dev/null 2>&1 &
         echo $! > "$P"; exit 0;;
  stop)  running && kill "$(cat "$P")"; rm -f "$P"; exit 0;;
  status) if running; then echo "labweb is running"; else echo "labweb is stopped"; fi; exit 0;;
  *) echo "usage: $0 {start|stop|status}"; exit 1;;
esac
`;
}

/** Writes a file only for debugging; kept tiny so tests can dump state on failure. */
export function dumpLogs(hbs: readonly RealHeartbeat[], file: string): void {
  writeFileSync(file, hbs.map((h) => `==== ${h.node.name}\n${h.stderr()}\n${h.log()}`).join('\n'));
}
