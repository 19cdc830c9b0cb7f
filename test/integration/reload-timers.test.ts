// `heartbeat reload` of keepalive/deadtime on a running pair: applied live (the send interval and
// the dt our status announces change at once), the peer follows the announced deadtime, nobody
// is declared dead, the group does not move. Two runtimes in virtual time; the daemon's reload
// path and its words are in cli.test.ts.
import { expect } from 'chai';
import { decodeDatagram } from '../../src/wire/message.js';
import { get } from '../../src/wire/fields.js';
import { Cluster } from './cluster-harness.js';

describe('@integration live timers on reload', function () {
  this.timeout(30_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  it('node1 goes to keepalive 100 ms / deadtime 2 s: its statuses say so, node2 then waits 2 s for it', async () => {
    c = new Cluster();
    const [n1, n2] = [c.node('node1'), c.node('node2')];
    const statuses: { at: number; dt: number }[] = [];
    const filter = c.bus.filter;
    c.bus.filter = (buf, from, to) => {
      const d = decodeDatagram(buf);
      if (from === 'node1' && to === 'node2' && d.ok && get(d.message, 't') === 'status') {
        statuses.push({ at: c.now, dt: parseInt(get(d.message, 'dt') ?? '0', 16) });
      }
      return filter ? filter(buf, from, to) : true;
    };
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', 30_000, 'node1 holds');
    await c.advance(3000);
    const gaps = (xs: { at: number }[]): number[] => xs.slice(1).map((x, k) => x.at - (xs[k]?.at ?? 0)).sort((a, b) => a - b);
    const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)] ?? 0;
    const before = statuses.splice(0);
    expect(median(gaps(before))).to.be.within(180, 220);
    expect(before.at(-1)?.dt).to.equal(1000);

    const h = n1.rt.config.haCf;
    n1.rt.applyTimers({ ...h, keepaliveMs: 100, deadtimeMs: 2000, warntimeMs: 1000 });
    await c.advance(3000);
    expect(median(gaps(statuses))).to.be.within(80, 120);
    expect(statuses.at(-1)?.dt).to.equal(2000);

    // Silent for 1.5 s: past the old deadtime, within the new one node2 now keeps for node1.
    c.cut('node1');
    await c.advance(1500);
    c.heal();
    await c.advance(2000);
    expect(n2.text()).to.not.include('node node1: is dead');
    expect(c.holders()).to.deep.equal(['node1']);
  });
});
