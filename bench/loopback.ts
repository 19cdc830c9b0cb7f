// The Messaging issue's soak: two of our nodes in the lab (ucast on the heartbeat link + bcast on
// the service LAN, holding the VIP) at keepalive 200 ms / deadtime 1 s; false "is dead" and
// "Late heartbeat" lines over the window must both be 0.
import { TIMERS_200MS, type Contender } from './contender.js';
import { scaleBench } from './scale.js';
import type { Results } from './stats.js';

export async function loopbackBench(c: Contender, windowMs: number, res: Results, say: (m: string) => void): Promise<void> {
  await scaleBench(c, TIMERS_200MS, 2, windowMs, res, say, { bench: 'soak-pair', media: 'pair', resources: true });
}
