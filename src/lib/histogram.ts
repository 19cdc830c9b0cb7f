// A cumulative-free histogram with fixed upper bounds, as Prometheus histograms count: the bounds
// never change while the daemon runs, so a scrape after a reload continues the same series.

export class Histogram {
  /** Per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    let i = this.bounds.findIndex((b) => v <= b);
    if (i < 0) i = this.bounds.length;
    this.counts[i]! += 1;
    this.sum += v;
    this.count++;
  }
}
