// Two ipfail decision cores wired together, plus a one-VIP model of who holds it (preferred: alpha).
import { expect } from 'chai';
import { decideConfig, initDecide, stepDecide, type DecideEvent, type DecideState, type RscClass } from '../../../src/ipfail/decide.js';
import type { AutoFailback } from '../../../src/config/types.js';
import type { HbMessage } from '../../../src/wire/types.js';

const fmt = (m: HbMessage): string => m.fields.map((f) => `${f.name}=${f.type === 0 ? f.value : ''}`).join(' ');

class Duo {
  st: Record<'alpha' | 'bravo', DecideState>;
  holder: 'alpha' | 'bravo' = 'alpha';
  moves: number[] = [];
  logs: string[] = [];
  sent: string[] = [];
  private net: { to: 'alpha' | 'bravo'; msg: HbMessage }[] = [];
  constructor(af: AutoFailback = 'on', deadpingMs = 3000) {
    this.st = {
      alpha: initDecide(decideConfig('alpha', 'bravo', af, deadpingMs), 1),
      bravo: initDecide(decideConfig('bravo', 'alpha', af, deadpingMs), 1),
    };
  }
  rsc(n: 'alpha' | 'bravo'): RscClass {
    if (n === 'alpha') return this.holder === 'alpha' ? 'local' : 'none';
    return this.holder === 'bravo' ? 'all' : 'local';
  }
  ev(n: 'alpha' | 'bravo', e: DecideEvent): void {
    const r = stepDecide(this.st[n], e);
    this.st[n] = r.state;
    for (const fx of r.effects) {
      if (fx.kind === 'send') {
        this.sent.push(`${n} ${fmt(fx.msg)}`);
        this.net.push({ to: n === 'alpha' ? 'bravo' : 'alpha', msg: fx.msg });
      } else if (fx.kind === 'log') this.logs.push(`${n}: ${fx.text}`);
      else if (fx.kind === 'giveup') this.giveup(n, fx.which, e.at);
    }
  }
  private giveup(n: 'alpha' | 'bravo', which: 'all' | 'foreign', at: number): void {
    if (this.holder !== n || (which === 'foreign' && n === 'alpha')) return;
    this.holder = n === 'alpha' ? 'bravo' : 'alpha';
    this.moves.push(at);
    for (const x of ['alpha', 'bravo'] as const) this.ev(x, { kind: 'rscstatus', at, value: this.rsc(x) });
  }
  run(at: number): void {
    for (let m = this.net.shift(); m !== undefined; m = this.net.shift()) {
      this.ev(m.to, { kind: 'message', at, from: m.to === 'alpha' ? 'bravo' : 'alpha', msg: m.msg });
    }
  }
  start(): void {
    for (const n of ['alpha', 'bravo'] as const) {
      this.ev(n, { kind: 'rscstatus', at: 0, value: this.rsc(n) });
      this.ev(n, { kind: 'local-count', at: 0, up: 1, total: 1 });
    }
    for (const n of ['alpha', 'bravo'] as const) this.ev(n, { kind: 'peer-status', at: 0, active: true });
    this.run(0);
  }
  count(n: 'alpha' | 'bravo', at: number, up: number): void {
    this.ev(n, { kind: 'local-count', at, up, total: 1 });
    this.run(at);
  }
  tickTo(from: number, to: number, step = 250): void {
    for (let t = from; t <= to; t += step) {
      this.ev('alpha', { kind: 'tick', at: t });
      this.ev('bravo', { kind: 'tick', at: t });
      this.run(t);
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
    d.tickTo(0, 60_000);
    expect(d.moves).to.deep.equal([]);
  });

  it('gives the VIP to the better-connected peer after the hold-down, and logs why', () => {
    const d = new Duo();
    d.start();
    d.count('alpha', 1000, 0);
    d.tickTo(1000, 3999);
    expect(d.moves).to.deep.equal([]);
    d.tickTo(4000, 4000);
    expect(d.moves).to.deep.equal([4000]);
    expect(d.logs).to.include('alpha: bravo has better connectivity: 1 of 1 ping nodes vs 0 of 1');
    expect(d.holder).to.equal('bravo');
  });

  it('lets a flapping ping node (1 s up, 1 s down) move the VIP at most once in 20 s', () => {
    const d = new Duo();
    d.start();
    for (let t = 1000; t <= 21_000; t += 1000) {
      d.count('alpha', t, (t / 1000) % 2 === 1 ? 0 : 1);
      d.tickTo(t + 250, t + 750);
    }
    expect(d.moves.length).to.be.at.most(1);
    expect(d.moves).to.deep.equal([]);
  });

  it('moves once, then holds the VIP still while the router keeps flapping (4 s down, 1 s up)', () => {
    const d = new Duo();
    d.start();
    for (let t = 1000; t < 21_000; t += 5000) {
      d.count('alpha', t, 0);
      d.tickTo(t + 250, t + 4000);
      d.count('alpha', t + 4000, 1);
      d.tickTo(t + 4250, t + 4750);
    }
    expect(d.moves).to.deep.equal([4000]);
  });

  it('gives the VIP back with auto_failback on once counts are equal and the move interval passed', () => {
    const d = new Duo('on');
    d.start();
    d.count('alpha', 1000, 0);
    d.tickTo(1000, 4000);
    d.count('alpha', 5000, 1);
    d.tickTo(5000, 33_750);
    expect(d.moves).to.deep.equal([4000]);
    d.tickTo(34_000, 34_000);
    expect(d.moves).to.deep.equal([4000, 34_000]);
    expect(d.logs).to.include('bravo: Giving up foreign resources (auto_failback).');
  });

  it('leaves the VIP where it is with auto_failback off', () => {
    const d = new Duo('off');
    d.start();
    d.count('alpha', 1000, 0);
    d.tickTo(1000, 4000);
    d.count('alpha', 5000, 1);
    d.tickTo(5000, 120_000, 1000);
    expect(d.moves).to.deep.equal([4000]);
    expect(d.holder).to.equal('bravo');
  });

  it('honours a real ipfail peer\'s you_are_dead only after the same hold-down', () => {
    let s = initDecide(decideConfig('alpha', 'bravo', 'on', 3000), 1);
    const step = (e: DecideEvent) => {
      const r = stepDecide(s, e);
      s = r.state;
      return r.effects;
    };
    step({ kind: 'rscstatus', at: 0, value: 'local' });
    step({ kind: 'peer-status', at: 0, active: true });
    step({ kind: 'local-count', at: 500, up: 0, total: 1 });
    const dead = { fields: [{ name: 't', type: 0 as const, value: 'you_are_dead' }] };
    step({ kind: 'message', at: 600, from: 'bravo', msg: dead });
    expect(step({ kind: 'tick', at: 3599 }).some((f) => f.kind === 'giveup')).to.equal(false);
    const fx = step({ kind: 'tick', at: 3600 });
    expect(fx).to.deep.include({ kind: 'giveup', which: 'all' });
    expect(fx).to.deep.include({ kind: 'log', level: 'info', text: 'bravo has better connectivity: more than 0 of 1 ping nodes vs 0 of 1' });
  });
});
