// Two ipfail decision cores wired together over a fake network, each fed by its own ping-node state
// (ping-nodes.ts) from probes every keepalive, plus a one-VIP model of who holds it (preferred: alpha).
// Time is a number; nothing sleeps.
import { expect } from 'chai';
import { decideConfig, initDecide, stepDecide, type DecideEvent, type DecideState, type RscClass } from '../../../src/ipfail/decide.js';
import { initPing, pingCount, pingResult, type PingState } from '../../../src/ipfail/ping-nodes.js';
import type { AutoFailback } from '../../../src/config/types.js';
import type { HbMessage } from '../../../src/wire/types.js';

type N = 'alpha' | 'bravo';
const NODES: readonly N[] = ['alpha', 'bravo'];
const other = (n: N): N => (n === 'alpha' ? 'bravo' : 'alpha');
const fmt = (m: HbMessage): string => m.fields.map((f) => `${f.name}=${f.type === 0 ? f.value : ''}`).join(' ');
const ROUTER = '192.0.2.254';
const KEEPALIVE = 200;

class Duo {
  st: Record<N, DecideState>;
  ping: Record<N, PingState>;
  holder: N = 'alpha';
  moves: number[] = [];
  logs: string[] = [];
  sent: string[] = [];
  /** Whether node n's echo to the router is answered at time t. */
  reach: (n: N, t: number) => boolean = () => true;
  /** Probe phase of each node within a keepalive: the two never probe in step. */
  phase: Record<N, number> = { alpha: 0, bravo: 130 };
  private net: { to: N; msg: HbMessage }[] = [];
  constructor(af: AutoFailback = 'on', deadpingMs = 1000) {
    this.st = {
      alpha: initDecide(decideConfig('alpha', 'bravo', af, deadpingMs, KEEPALIVE), 1),
      bravo: initDecide(decideConfig('bravo', 'alpha', af, deadpingMs, KEEPALIVE), 1),
    };
    const t = [{ name: ROUTER, hosts: [ROUTER] }];
    this.ping = { alpha: initPing(t, deadpingMs), bravo: initPing(t, deadpingMs) };
  }
  rsc(n: N): RscClass {
    if (n === 'alpha') return this.holder === 'alpha' ? 'local' : 'none';
    return this.holder === 'bravo' ? 'all' : 'local';
  }
  ev(n: N, e: DecideEvent): void {
    const r = stepDecide(this.st[n], e);
    this.st[n] = r.state;
    for (const fx of r.effects) {
      if (fx.kind === 'send') {
        this.sent.push(`${n} ${fmt(fx.msg)}`);
        this.net.push({ to: other(n), msg: fx.msg });
      } else if (fx.kind === 'log') this.logs.push(`${n}: ${fx.text}`);
      else if (fx.kind === 'giveup') this.giveup(n, fx.which, e.at);
    }
  }
  private giveup(n: N, which: 'all' | 'foreign', at: number): void {
    if (this.holder !== n || (which === 'foreign' && n === 'alpha')) return;
    this.holder = other(n);
    this.moves.push(at);
    for (const x of NODES) this.ev(x, { kind: 'rscstatus', at, value: this.rsc(x) });
  }
  private deliver(at: number): void {
    for (let m = this.net.shift(); m !== undefined; m = this.net.shift()) this.ev(m.to, { kind: 'message', at, from: other(m.to), msg: m.msg });
  }
  /** Both nodes joined at 0 and see the router; their counts are exchanged. */
  start(): void {
    for (const n of NODES) {
      this.ping[n] = pingResult(this.ping[n], ROUTER, true, 0);
      this.ev(n, { kind: 'rscstatus', at: 0, value: this.rsc(n) });
      this.ev(n, { kind: 'local-count', at: 0, up: 1, total: 1 });
    }
    for (const n of NODES) this.ev(n, { kind: 'peer-status', at: 0, active: true });
    this.deliver(0);
  }
  /** Runs the world from `from` to `to` in 10 ms steps: probes every keepalive, counts, ticks, messages. */
  runTo(from: number, to: number): void {
    for (let t = from; t <= to; t += 10) {
      for (const n of NODES) {
        if ((t - this.phase[n]) % KEEPALIVE === 0 && this.reach(n, t)) this.ping[n] = pingResult(this.ping[n], ROUTER, true, t);
        const c = pingCount(this.ping[n], t);
        if (c.up !== this.st[n].localUp) this.ev(n, { kind: 'local-count', at: t, up: c.up, total: c.total });
        this.ev(n, { kind: 'tick', at: t });
      }
      this.deliver(t);
    }
  }
}

describe('ipfail decision', () => {
  it('sends ipfail-compatible num_ping_nodes and says balanced when counts match', () => {
    const d = new Duo();
    d.start();
    expect(d.sent[0]).to.equal('alpha t=num_ping_nodes src=alpha num_ping=1 dest=bravo from_id=ipfail to_id=ipfail client_gen=0');
    expect(d.sent).to.include('bravo t=abort_giveup src=bravo dest=alpha from_id=ipfail to_id=ipfail client_gen=0');
    expect(d.logs).to.include('bravo: Ping node count is balanced.');
    d.runTo(10, 60_000);
    expect(d.moves).to.deep.equal([]);
  });

  it('gives the VIP to the better-connected peer within deadping + 2 keepalives of the cut, and logs why', () => {
    const d = new Duo('on', 1000);
    d.start();
    d.reach = (n, t) => !(n === 'alpha' && t >= 5000);
    d.runTo(10, 10_000);
    expect(d.moves).to.have.length(1);
    const took = (d.moves[0] as number) - 5000;
    expect(took).to.be.at.least(1000 - KEEPALIVE);
    expect(took).to.be.at.most(1000 + 2 * KEEPALIVE + 10);
    expect(d.logs).to.include('alpha: bravo has better connectivity: 1 of 1 ping nodes vs 0 of 1');
    expect(d.holder).to.equal('bravo');
  });

  it('moves nothing when both nodes lose the router, nor when it comes back', () => {
    const d = new Duo();
    d.start();
    d.reach = (_n, t) => t < 5000 || t >= 25_000;
    d.runTo(10, 90_000);
    expect(d.st.alpha.localUp).to.equal(1);
    expect(d.moves).to.deep.equal([]);
  });

  it('never moves while the shared router flaps every second for 20 s', () => {
    const d = new Duo();
    d.start();
    d.reach = (_n, t) => t < 5000 || t >= 25_000 || Math.floor(t / 1000) % 2 === 0;
    d.runTo(10, 60_000);
    expect(d.moves).to.deep.equal([]);
  });

  it('moves the VIP at most once while only alpha\'s path flaps every second for 20 s', () => {
    const d = new Duo('on', 1000);
    d.start();
    d.reach = (n, t) => n === 'bravo' || t < 5000 || t >= 25_000 || Math.floor(t / 1000) % 2 === 0;
    d.runTo(10, 25_000);
    expect(d.moves.length).to.be.at.most(1);
  });

  it('moves once, then holds the VIP still while alpha\'s path keeps flapping (3 s down, 1 s up)', () => {
    const d = new Duo('on', 1000);
    d.start();
    d.reach = (n, t) => n === 'bravo' || t < 5000 || (t - 5000) % 4000 >= 3000;
    d.runTo(10, 30_000);
    expect(d.moves).to.have.length(1);
    expect(d.holder).to.equal('bravo');
  });

  it('gives the VIP back with auto_failback on once counts are equal for the hold-down and 30 s passed since the move', () => {
    const d = new Duo('on', 1000);
    d.start();
    d.reach = (n, t) => n === 'bravo' || t < 5000 || t >= 8000;
    d.runTo(10, 20_000);
    expect(d.moves).to.have.length(1);
    const moved = d.moves[0] as number;
    d.runTo(20_010, moved + 30_000 - 10);
    expect(d.moves).to.have.length(1);
    d.runTo(moved + 30_000, moved + 30_000 + 20);
    expect(d.moves).to.have.length(2);
    expect(d.moves[1]).to.be.within(moved + 30_000, moved + 30_020);
    expect(d.logs).to.include('bravo: Giving up foreign resources (auto_failback).');
    expect(d.holder).to.equal('alpha');
  });

  it('waits max(deadping, 3 s) of equal counts before giving back, even long after the move', () => {
    const d = new Duo('on', 1000);
    d.start();
    d.reach = (n, t) => n === 'bravo' || t < 5000 || t >= 50_000;
    d.runTo(10, 52_500);
    expect(d.moves).to.have.length(1);
    d.runTo(52_510, 54_500);
    expect(d.moves).to.have.length(2);
    expect(d.moves[1]).to.be.within(53_000, 53_300);
  });

  it('leaves the VIP where it is with auto_failback off', () => {
    const d = new Duo('off');
    d.start();
    d.reach = (n, t) => n === 'bravo' || t < 5000 || t >= 8000;
    d.runTo(10, 120_000);
    expect(d.moves).to.have.length(1);
    expect(d.holder).to.equal('bravo');
  });

  it('honours a real ipfail peer\'s you_are_dead only after the confirmation time', () => {
    let s = initDecide(decideConfig('alpha', 'bravo', 'on', 3000, 200), 1);
    const step = (e: DecideEvent) => {
      const r = stepDecide(s, e);
      s = r.state;
      return r.effects;
    };
    step({ kind: 'rscstatus', at: 0, value: 'local' });
    step({ kind: 'peer-status', at: 0, active: true });
    step({ kind: 'local-count', at: 500, up: 0, total: 1 });
    const dead = { fields: [{ name: 't', type: 0 as const, value: 'you_are_dead' }] };
    const fx0 = step({ kind: 'message', at: 600, from: 'bravo', msg: dead });
    expect(fx0).to.deep.include({ kind: 'wake-at', at: 1000 });
    expect(step({ kind: 'tick', at: 999 }).some((f) => f.kind === 'giveup')).to.equal(false);
    const fx = step({ kind: 'tick', at: 1000 });
    expect(fx).to.deep.include({ kind: 'giveup', which: 'all' });
    expect(fx).to.deep.include({ kind: 'log', level: 'info', text: 'bravo has better connectivity: more than 0 of 1 ping nodes vs 0 of 1' });
  });

  it('answers a lower num_ping_nodes with you_are_dead at once, as Heartbeat\'s ipfail does, and only once', () => {
    let s = initDecide(decideConfig('alpha', 'bravo', 'on', 3000, 200), 2);
    const sends: string[] = [];
    const step = (e: DecideEvent) => {
      const r = stepDecide(s, e);
      s = r.state;
      for (const f of r.effects) if (f.kind === 'send') sends.push(fmt(f.msg));
    };
    step({ kind: 'rscstatus', at: 0, value: 'local' });
    step({ kind: 'local-count', at: 0, up: 2, total: 2 });
    step({ kind: 'peer-status', at: 0, active: true });
    const n = (v: string) => ({ fields: [{ name: 't', type: 0 as const, value: 'num_ping_nodes' }, { name: 'num_ping', type: 0 as const, value: v }] });
    step({ kind: 'message', at: 100, from: 'bravo', msg: n('0') });
    expect(sends.filter((x) => x.startsWith('t=you_are_dead'))).to.have.length(1);
    for (let t = 110; t < 2000; t += 10) step({ kind: 'tick', at: t });
    step({ kind: 'message', at: 2000, from: 'bravo', msg: n('0') });
    expect(sends.filter((x) => x.startsWith('t=you_are_dead'))).to.deep.equal(['t=you_are_dead dest=bravo from_id=ipfail to_id=ipfail client_gen=0']);
  });
});
