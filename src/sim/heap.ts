// A binary min-heap keyed by (time, insertion order): events due at the same time run in the order
// they were scheduled, which keeps the simulator deterministic.
export class Heap<T> {
  private readonly at: number[] = [];
  private readonly seq: number[] = [];
  private readonly val: T[] = [];
  private n = 0;

  get size(): number {
    return this.val.length;
  }

  push(at: number, value: T): void {
    let i = this.val.length;
    this.at.push(at);
    this.seq.push(this.n++);
    this.val.push(value);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  peekAt(): number | undefined {
    return this.at[0];
  }

  pop(): { at: number; value: T } | undefined {
    if (this.val.length === 0) return undefined;
    const out = { at: this.at[0] as number, value: this.val[0] as T };
    const last = this.val.length - 1;
    this.swap(0, last);
    this.at.pop();
    this.seq.pop();
    this.val.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.val.length && this.less(l, m)) m = l;
      if (r < this.val.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return out;
  }

  private less(a: number, b: number): boolean {
    const x = this.at[a] as number;
    const y = this.at[b] as number;
    return x < y || (x === y && (this.seq[a] as number) < (this.seq[b] as number));
  }

  private swap(a: number, b: number): void {
    [this.at[a], this.at[b]] = [this.at[b] as number, this.at[a] as number];
    [this.seq[a], this.seq[b]] = [this.seq[b] as number, this.seq[a] as number];
    [this.val[a], this.val[b]] = [this.val[b] as T, this.val[a] as T];
  }
}
