// Minimal network-namespace toolkit for tests that need real links. Every name made here carries a
// per-run prefix, and teardown deletes exactly what this run created (namespaces, and with them their
// veths and addresses; processes by PID). Only TEST-NET addresses are ever configured by callers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs a command, returns stdout; throws with stderr on failure. */
export function sh(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: input ?? '' });
}

export class NetnsRun {
  /** Short, unique per run: interface names are limited to 15 characters. */
  readonly prefix = `h${randomBytes(2).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  /** Creates namespace PREFIX-name with loopback up and IPv6 off; returns its full name. */
  addNs(name: string): string {
    const ns = `${this.prefix}-${name}`;
    sh('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    this.exec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    this.exec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    return ns;
  }

  /** A veth pair between two namespaces; each end is renamed to the given interface name and set up. */
  link(nsA: string, ifA: string, addrA: string | null, nsB: string, ifB: string, addrB: string | null): void {
    const tmpA = `${this.prefix}a${this.namespaces.length}${randomBytes(1).toString('hex')}`;
    const tmpB = `${this.prefix}b${this.namespaces.length}${randomBytes(1).toString('hex')}`;
    sh('ip', ['link', 'add', tmpA, 'type', 'veth', 'peer', 'name', tmpB]);
    sh('ip', ['link', 'set', tmpA, 'netns', nsA]);
    sh('ip', ['link', 'set', tmpB, 'netns', nsB]);
    this.exec(nsA, 'ip', ['link', 'set', tmpA, 'name', ifA]);
    this.exec(nsB, 'ip', ['link', 'set', tmpB, 'name', ifB]);
    for (const [ns, ifc, addr] of [[nsA, ifA, addrA], [nsB, ifB, addrB]] as const) {
      if (addr) this.exec(ns, 'ip', ['addr', 'add', addr, 'brd', '+', 'dev', ifc]);
      this.exec(ns, 'ip', ['link', 'set', ifc, 'up']);
    }
  }

  exec(ns: string, cmd: string, args: readonly string[], input?: string): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args], input);
  }

  /** Starts a long-running process in a namespace; it is killed by PID at teardown. */
  spawn(ns: string, cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      detached: true,
    });
    this.children.push(child);
    return child;
  }

  /** Kills what this run started (by PID, whole process group) and deletes its namespaces. */
  async teardown(): Promise<void> {
    for (const c of this.children) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(-c.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    for (const ns of this.namespaces.reverse()) {
      // Processes still inside (children of killed ones) would keep veths alive.
      try {
        const pids = sh('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* namespace already gone */
      }
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        /* already deleted */
      }
    }
    this.namespaces.length = 0;
  }
}
