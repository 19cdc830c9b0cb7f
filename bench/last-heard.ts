// When did node2 last hear node1's heartbeat? tcpdump in node2's namespace timestamps every
// heartbeat (udp 694) or VRRP advert (ip proto 112) from node1, so "overhead beyond deadtime" is
// measured from the last packet really received, not from the cut (which lands anywhere within a
// keepalive interval after it). tcpdump -tt prints epoch seconds, the same clock as Date.now().
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Lab } from '../test/lab/lab.js';
import { sleep } from './contender.js';

export class LastHeard {
  private times: number[] = [];
  private constructor(private readonly child: ChildProcess) {}

  static async start(lab: Lab, listener: string, from: string): Promise<LastHeard> {
    const f = lab.node(from);
    const filter = `(udp port 694 or ip proto 112) and (src host ${f.eth0} or src host ${f.eth1})`;
    const child = lab.spawn(listener, 'tcpdump', ['-i', 'any', '-n', '-tt', '-l', '-q', filter]);
    const w = new LastHeard(child);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const t = Number(l.split(' ')[0]);
      if (Number.isFinite(t) && t > 0) w.times.push(t * 1000);
    });
    child.stderr?.resume();
    await sleep(300); // tcpdump needs a moment before it captures
    return w;
  }

  /** Epoch ms of the last packet heard at or before `at`, or null. */
  lastBefore(at: number): number | null {
    let best: number | null = null;
    for (const t of this.times) if (t <= at && (best === null || t > best)) best = t;
    return best;
  }

  stop(): void {
    if (this.child.pid !== undefined && this.child.exitCode === null) {
      try {
        process.kill(-this.child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  }
}
