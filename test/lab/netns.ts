// Minimal network-namespace toolkit for tests that need real links. Every name made here carries a
// per-run prefix, and teardown deletes exactly what this run created (namespaces, and with them their
// veths and addresses; processes by PID). Only TEST-NET addresses are ever configured by callers.
//
// Safety nets: a live run is registered so that process 'exit' and SIGINT/SIGTERM tear it down even
// when a test throws or the runner is interrupted; and each run leaves a marker file
// (MARKER_DIR/<prefix>, holding the owner's pid) so that cleanupStale() can later remove namespaces
// of runs whose process died without tearing down — and only those, never anyone else's.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';

export const MARKER_DIR = '/run/heartbeat-ts-lab';
/** Every prefix this code makes: 'h' + 4 hex digits, then '-' in namespace names. */
export const PREFIX_RE = /^h[0-9a-f]{4}$/;

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs a command, returns stdout; throws with stderr on failure. */
export function sh(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: input ?? '' });
}

/** Like sh() but never throws; for cleanup paths. */
export function shQuiet(cmd: string, args: readonly string[]): string {
  try {
    return sh(cmd, args);
  } catch {
    return '';
  }
}

// A pid means something only in its own pid namespace: a run in another container that shares
// /run and the netns list would look dead from here, and its live namespaces must not be deleted.
const PID_NS = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
})();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const live = new Set<NetnsRun>();
let hooked = false;

function teardownAllSync(): void {
  for (const run of [...live]) run.teardownSync();
}

function onSignal(sig: NodeJS.Signals): void {
  teardownAllSync();
  // Re-raise with the default action only when nobody else (e.g. mocha) handles the signal.
  if (process.listenerCount(sig) === 1) {
    process.removeListener(sig, onSignal);
    process.kill(process.pid, sig);
  }
}

function installHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', teardownAllSync);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export class NetnsRun {
  /** Short, unique per run: interface names are limited to 15 characters. */
  readonly prefix = `h${randomBytes(2).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly pids = new Set<number>();
  private readonly hooks: Array<() => void> = [];
  private readonly afterHooks: Array<() => void> = [];

  private register(): void {
    if (live.has(this)) return;
    live.add(this);
    installHooks();
    mkdirSync(MARKER_DIR, { recursive: true });
    writeFileSync(`${MARKER_DIR}/${this.prefix}`, `${process.pid} ${PID_NS}\n`);
  }

  /** Full namespace names created so far. */
  get names(): readonly string[] {
    return this.namespaces;
  }

  /** Creates namespace PREFIX-name with loopback up and IPv6 off; returns its full name. */
  addNs(name: string): string {
    this.register();
    const ns = `${this.prefix}-${name}`;
    sh('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    this.exec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    return ns;
  }

  /** A veth pair between two namespaces; each end is renamed to the given interface name and set up. */
  link(nsA: string, ifA: string, addrA: string | null, nsB: string, ifB: string, addrB: string | null): void {
    // Created directly inside the two namespaces, so no veth ever lives in the root namespace.
    sh('ip', ['link', 'add', ifA, 'netns', nsA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
    for (const [ns, ifc, addr] of [[nsA, ifA, addrA], [nsB, ifB, addrB]] as const) {
      if (addr) sh('ip', ['-n', ns, 'addr', 'add', addr, 'brd', '+', 'dev', ifc]);
      sh('ip', ['-n', ns, 'link', 'set', ifc, 'up']);
    }
  }

  exec(ns: string, cmd: string, args: readonly string[], input?: string): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args], input);
  }

  /** Starts a long-running process in a namespace; it is killed by PID at teardown. */
  spawn(ns: string, cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
    this.register();
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      detached: true,
    });
    this.children.push(child);
    return child;
  }

  /** Remembers a pid (e.g. a daemon that forked away from us) to be SIGKILLed at teardown. */
  trackPid(pid: number): void {
    this.pids.add(pid);
  }

  /**
   * Runs fn (errors ignored) at teardown, also from the exit/signal hooks: 'before' processes and
   * namespaces are removed (default) or 'after'.
   */
  atTeardown(fn: () => void, when: 'before' | 'after' = 'before'): void {
    this.register();
    (when === 'before' ? this.hooks : this.afterHooks).push(fn);
  }

  /** Pids of every process inside one of this run's namespaces. */
  pidsInside(ns: string): number[] {
    return shQuiet('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number);
  }

  /** Kills what this run started (by PID, whole process group) and deletes its namespaces. */
  async teardown(): Promise<void> {
    this.teardownSync();
  }

  /** Synchronous so it can run from a process 'exit' hook. Safe to call twice. */
  teardownSync(): void {
    for (const fn of this.hooks.splice(0).reverse()) {
      try {
        fn();
      } catch {
        /* best effort */
      }
    }
    for (const c of this.children) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(-c.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    this.children.length = 0;
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    this.pids.clear();
    for (const ns of [...this.namespaces].reverse()) deleteNamespace(ns);
    this.namespaces.length = 0;
    for (const fn of this.afterHooks.splice(0)) {
      try {
        fn();
      } catch {
        /* best effort */
      }
    }
    if (live.delete(this)) rmSync(`${MARKER_DIR}/${this.prefix}`, { force: true });
  }
}

/** Kills processes still inside (they would keep veths alive) and deletes the namespace. */
function deleteNamespace(ns: string): void {
  for (const pid of shQuiet('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  shQuiet('ip', ['netns', 'del', ns]);
}

/**
 * Deletes namespaces left by earlier runs that died without teardown: only prefixes that have a
 * marker file written by this code and whose owner pid is gone. Returns the namespaces removed.
 */
export function cleanupStale(): string[] {
  let markers: string[];
  try {
    markers = readdirSync(MARKER_DIR).filter((p) => PREFIX_RE.test(p));
  } catch {
    return [];
  }
  const all = shQuiet('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
  const removed: string[] = [];
  for (const prefix of markers) {
    const [pid, pidNs] = readFileSync(`${MARKER_DIR}/${prefix}`, 'utf8').trim().split(' ');
    if (pidNs && pidNs !== PID_NS) continue;
    const owner = Number(pid);
    if (owner > 0 && pidAlive(owner)) continue;
    for (const ns of all.filter((n) => n.startsWith(`${prefix}-`))) {
      deleteNamespace(ns);
      removed.push(ns);
    }
    rmSync(`${MARKER_DIR}/${prefix}`, { force: true });
  }
  return removed;
}
