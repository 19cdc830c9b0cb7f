// Cheap reachability probes for `ping` / `ping_group` hosts: one `ping -n -c 1 -W 1 HOST` per host
// per keepalive, exit code only, never more than one in flight per host.
//
// Deliberate difference from Heartbeat's ping plugin: that one sends an ICMP echo whose payload is
// an authenticated NS_st message and accepts only replies echoing it back signed. Doing that needs a
// raw ICMP socket (CAP_NET_RAW), which Node cannot open without a native module. The signature
// proves little anyway: any host on the path that answers echo requests reflects the payload as is.
// So we trust the system ping's exit code, and the runtime synthesises the NS_st heartbeat for the
// membership core itself (cl_status still shows the node as `ping`).
import { spawn } from 'node:child_process';

export type ProbeFn = (host: string) => Promise<boolean>;

/** The system ping: true when one echo reply came back within a second. */
export const systemPing: ProbeFn = (host) =>
  new Promise((resolve) => {
    // Addresses only: refuse anything that could be read as an option.
    if (!/^[0-9A-Za-z.:_-]+$/.test(host) || host.startsWith('-')) {
      resolve(false);
      return;
    }
    const child = spawn('ping', ['-n', '-q', '-c', '1', '-W', '1', host], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });

export class Pinger {
  private readonly inFlight = new Set<string>();
  private readonly nextAt = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly hosts: readonly string[],
    private readonly intervalMs: number,
    private readonly probe: ProbeFn,
    private readonly onResult: (host: string, up: boolean) => void,
  ) {}

  /** Start every probe that is due at `now` and not already running. */
  poll(now: number): void {
    if (this.stopped) return;
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

  /** Earliest time a probe is due (undefined when there are no hosts). */
  nextDue(): number | undefined {
    if (this.stopped || this.hosts.length === 0) return undefined;
    let best: number | undefined;
    for (const h of this.hosts) {
      if (this.inFlight.has(h)) continue;
      const t = this.nextAt.get(h) ?? 0;
      if (best === undefined || t < best) best = t;
    }
    return best;
  }

  stop(): void {
    this.stopped = true;
  }
}
