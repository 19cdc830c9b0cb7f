// Cheap, steady reachability probes for `ping` / `ping_group` hosts.
//
// With the system ping (the default) each host gets ONE long-running `ping -n -O -i KEEPALIVE HOST`
// for the daemon's whole life: one echo request per keepalive, one line per reply, and no child
// process per tick (a `ping -c 1` per host per keepalive would fork 5 processes a second per host at
// keepalive 200ms). A ping that exits (no route while a link is down, say) is restarted after 1 s,
// doubling to 10 s while it keeps failing at once; a reply resets the delay. If the daemon dies by
// kill -9, each ping dies too at its next line (-O prints one per interval): SIGPIPE on our pipe.
// Tests pass their own ProbeFn instead, and get the one-probe-per-interval loop below.
//
// Deliberate difference from Heartbeat's ping plugin: that one sends an ICMP echo whose payload is
// an authenticated NS_st message and accepts only replies echoing it back signed. Doing that needs a
// raw ICMP socket (CAP_NET_RAW), which Node cannot open without a native module. The signature
// proves little anyway: any host on the path that answers echo requests reflects the payload as is.
// So we trust the system ping's replies, and the runtime synthesises the NS_st heartbeat for the
// membership core itself (cl_status still shows the node as `ping`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { realClock, type Clock } from '../lib/clock.js';

export type ProbeFn = (host: string) => Promise<boolean>;

/** Addresses and host names only: refuse anything that could be read as an option. */
export function safeHost(host: string): boolean {
  return /^[0-9A-Za-z.:_-]+$/.test(host) && !host.startsWith('-');
}

/** One-shot system ping: true when one echo reply came back within a second (tools, tests). */
export const systemPing: ProbeFn = (host) =>
  new Promise((resolve) => {
    if (!safeHost(host)) {
      resolve(false);
      return;
    }
    const child = spawn('ping', ['-n', '-q', '-c', '1', '-W', '1', host], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });

/** What a line of `ping -n -O` says: a reply, a miss, or nothing of interest. */
export function parsePingLine(line: string): 'reply' | 'miss' | null {
  if (/ bytes from .*icmp_seq=/.test(line)) return 'reply';
  if (/^no answer yet for icmp_seq=/.test(line)) return 'miss';
  return null;
}

/** iputils wants seconds; it refuses below 0.2 s unless root, so never ask for less than 10 ms. */
export function pingInterval(ms: number): string {
  return (Math.max(10, Math.round(ms)) / 1000).toString();
}

const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 10_000;

type Spawner = (cmd: string, args: readonly string[]) => ChildProcess;
const defaultSpawn: Spawner = (cmd, args) => spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'ignore'] });

/** One steady `ping` process per host, restarted with backoff when it exits. */
class ContinuousPing {
  private child: ChildProcess | null = null;
  private restartDelay = RESTART_MIN_MS;
  /** Cancels the pending restart. */
  private restartTimer: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly host: string,
    private readonly intervalMs: number,
    private readonly onResult: (host: string, up: boolean) => void,
    private readonly spawner: Spawner,
    private readonly clock: Clock,
  ) {}

  start(): void {
    if (this.stopped || this.child || this.restartTimer) return;
    const child = this.spawner('ping', ['-n', '-O', '-i', pingInterval(this.intervalMs), this.host]);
    this.child = child;
    child.on('error', () => undefined); // 'exit'/'close' follow; ENOENT reaches close too
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const r = parsePingLine(line);
        if (r === 'reply') this.restartDelay = RESTART_MIN_MS;
        if (r !== null && !this.stopped) this.onResult(this.host, r === 'reply');
      });
    }
    child.on('close', () => {
      if (this.child !== child) return;
      this.child = null;
      if (this.stopped) return;
      this.onResult(this.host, false);
      this.restartTimer = this.clock.setTimer(this.clock.now() + this.restartDelay, () => {
        this.restartTimer = null;
        this.start();
      });
      this.restartDelay = Math.min(RESTART_MAX_MS, this.restartDelay * 2);
    });
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  stop(): void {
    this.stopped = true;
    this.restartTimer?.();
    this.restartTimer = null;
    const c = this.child;
    this.child = null;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  }
}

export class Pinger {
  private readonly inFlight = new Set<string>();
  private readonly nextAt = new Map<string, number>();
  private readonly continuous: ContinuousPing[] | null;
  private stopped = false;

  constructor(
    private readonly hosts: readonly string[],
    private readonly intervalMs: number,
    private readonly probe: ProbeFn,
    private readonly onResult: (host: string, up: boolean) => void,
    spawner: Spawner = defaultSpawn,
    /** For the restart backoff (tests pass a FakeClock). */
    clock: Clock = realClock,
  ) {
    this.continuous =
      probe === systemPing ? hosts.filter(safeHost).map((h) => new ContinuousPing(h, intervalMs, onResult, spawner, clock)) : null;
  }

  /**
   * Continuous mode: make sure every host's ping runs (idempotent). Probe mode: start every probe
   * that is due at `now` and not already running.
   */
  poll(now: number): void {
    if (this.stopped) return;
    if (this.continuous) {
      for (const c of this.continuous) c.start();
      return;
    }
    for (const h of this.hosts) {
      if (this.inFlight.has(h) || (this.nextAt.get(h) ?? 0) > now) continue;
      this.inFlight.add(h);
      this.nextAt.set(h, now + this.intervalMs);
      void this.probe(h)
        .catch(() => false)
        .then((up) => {
          this.inFlight.delete(h);
          if (!this.stopped) this.onResult(h, up);
        });
    }
  }

  /** Earliest time a probe is due (undefined when there are no hosts, or the pings run by themselves). */
  nextDue(): number | undefined {
    if (this.stopped || this.hosts.length === 0 || this.continuous) return undefined;
    let best: number | undefined;
    for (const h of this.hosts) {
      if (this.inFlight.has(h)) continue;
      const t = this.nextAt.get(h) ?? 0;
      if (best === undefined || t < best) best = t;
    }
    return best;
  }

  /** Pids of the running ping processes (tests, benches). */
  pids(): number[] {
    return (this.continuous ?? []).map((c) => c.pid()).filter((p): p is number => p !== undefined);
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.continuous ?? []) c.stop();
  }
}
