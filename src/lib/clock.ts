// Monotonic time for deadlines, wall time only for log stamps (STYLE.md §2).
// The real clock is the only place that touches setTimeout; FakeClock lets tests advance time without sleeping.
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Monotonic milliseconds (performance.now()); never goes backwards, unrelated to the date. */
  now(): number;
  /** The calendar time, for log lines only. */
  wallTime(): Date;
  /** Run fn once when now() >= at. Returns a function that cancels the timer. */
  setTimer(at: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  wallTime: () => new Date(),
  setTimer(at: number, fn: () => void): () => void {
    const t = setTimeout(fn, Math.max(0, at - performance.now()));
    return () => clearTimeout(t);
  },
};

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** A clock that moves only when told to. Timers fire in deadline order (ties in arming order). */
export class FakeClock implements Clock {
  private t: number;
  private readonly wallStartMs: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs = 0, wallStart: Date = new Date(Date.UTC(2026, 10, 21, 20, 27, 17))) {
    this.t = startMs;
    this.wallStartMs = wallStart.getTime() - startMs;
  }

  now(): number {
    return this.t;
  }

  wallTime(): Date {
    return new Date(this.wallStartMs + this.t);
  }

  setTimer(at: number, fn: () => void): () => void {
    const timer: PendingTimer = { at, seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Number of armed timers, for tests that check cancellation. */
  pending(): number {
    return this.timers.length;
  }

  /** Move time forward by ms, firing every timer that falls due, each at its own deadline. */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      const due = this.timers
        .filter((x) => x.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = Math.max(this.t, target);
  }
}
