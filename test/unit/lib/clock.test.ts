import { expect } from 'chai';
import { FakeClock, realClock } from '../../../src/lib/clock.js';

describe('FakeClock', () => {
  it('fires a timer exactly at its deadline and not 1 ms before', () => {
    const c = new FakeClock();
    const fired: number[] = [];
    c.setTimer(30_000, () => fired.push(c.now()));
    c.advance(29_999);
    expect(fired).to.deep.equal([]);
    c.advance(1);
    expect(fired).to.deep.equal([30_000]);
  });

  it('fires timers in deadline order, each seeing its own time, including timers armed while firing', () => {
    const c = new FakeClock();
    const seen: string[] = [];
    c.setTimer(200, () => seen.push(`b@${c.now()}`));
    c.setTimer(100, () => {
      seen.push(`a@${c.now()}`);
      c.setTimer(150, () => seen.push(`c@${c.now()}`));
    });
    c.advance(1000);
    expect(seen).to.deep.equal(['a@100', 'c@150', 'b@200']);
    expect(c.now()).to.equal(1000);
  });

  it('cancels a timer', () => {
    const c = new FakeClock();
    let n = 0;
    const cancel = c.setTimer(10, () => n++);
    cancel();
    c.advance(20);
    expect(n).to.equal(0);
    expect(c.pending()).to.equal(0);
  });

  it('moves wall time along with monotonic time', () => {
    const c = new FakeClock(0, new Date(2026, 10, 21, 20, 27, 17));
    c.advance(2000);
    expect(c.wallTime().getSeconds()).to.equal(19);
  });
});

describe('realClock', () => {
  it('runs a timer armed for a monotonic deadline', async () => {
    const start = realClock.now();
    await new Promise<void>((resolve) => realClock.setTimer(start + 20, resolve));
    expect(realClock.now() - start).to.be.at.least(19);
  });
});
