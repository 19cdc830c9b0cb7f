// HTTP probe for failover tests: from the lab's client namespace, GET http://VIP/ every `intervalMs`
// (one request in flight at a time, a new connection each time so a moved VIP is seen at once) and
// record who served it (the page body names the node), failures and timestamps.
// Node cannot enter a network namespace itself, so the loop runs in a small child `node` process
// started with `ip netns exec <client>`; it prints one JSON line per request.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Lab } from './lab.js';

export interface ProbeRecord {
  /** Wall-clock ms (Date.now()) when the request started, and its duration. */
  t: number;
  ms: number;
  ok: boolean;
  /** Node that served (from the body), or null on failure. */
  node: string | null;
  /** Error code / HTTP status text on failure. */
  err?: string;
}

export interface ProbeOptions {
  url?: string;
  intervalMs?: number;
  /** Per-request timeout (default 300 ms). */
  timeoutMs?: number;
  /** Bounds: stop after this long (default 60 s) or this many requests (default unlimited). */
  maxDurationMs?: number;
  maxCount?: number;
}

// Runs inside the client namespace. Body "node2\n" -> node2; "served by node2" also works.
const CHILD = `
const http = require('node:http');
const [url, interval, timeout, maxDur, maxCount] = process.argv.slice(1);
const end = Date.now() + Number(maxDur);
let n = 0;
function out(o) { process.stdout.write(JSON.stringify(o) + '\\n'); }
function once() {
  if (Date.now() > end || n >= Number(maxCount)) return process.exit(0);
  n++;
  const t = Date.now();
  let done = false;
  const finish = (o) => {
    if (done) return; done = true;
    out(Object.assign({ t, ms: Date.now() - t }, o));
    setTimeout(once, Math.max(0, t + Number(interval) - Date.now()));
  };
  const req = http.get(url, { agent: false, headers: { connection: 'close' }, timeout: Number(timeout) }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c) => { body += c; });
    res.on('end', () => {
      const m = /served by (\\S+)/i.exec(body);
      const node = m ? m[1] : (body.trim().split(/\\s+/)[0] || null);
      if (res.statusCode === 200) finish({ ok: true, node });
      else finish({ ok: false, node: null, err: 'HTTP ' + res.statusCode });
    });
    res.on('error', (e) => finish({ ok: false, node: null, err: e.code || e.message }));
  });
  req.on('timeout', () => { req.destroy(new Error('timeout')); });
  req.on('error', (e) => finish({ ok: false, node: null, err: e.code || e.message }));
}
once();
`;

export class HttpProbe {
  readonly records: ProbeRecord[] = [];
  private child: ChildProcess | null = null;
  private waiters: Array<() => void> = [];
  private exited = false;

  private constructor() {}

  /** Starts polling from the client namespace. */
  static start(lab: Lab, opts: ProbeOptions = {}): HttpProbe {
    const p = new HttpProbe();
    const args = [
      '-e', CHILD,
      opts.url ?? `http://${lab.vip}/`,
      String(opts.intervalMs ?? 20),
      String(opts.timeoutMs ?? 300),
      String(opts.maxDurationMs ?? 60_000),
      String(opts.maxCount ?? Number.MAX_SAFE_INTEGER),
    ];
    const child = lab.spawn('client', process.execPath, args);
    p.child = child;
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      try {
        p.records.push(JSON.parse(line) as ProbeRecord);
      } catch {
        return;
      }
      p.wake();
    });
    child.on('exit', () => {
      p.exited = true;
      p.wake();
    });
    return p;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private next(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Resolves with the first record at/after now (or `since`) served by `node`; rejects after
   * timeoutMs or when the probe has ended.
   */
  async waitServedBy(node: string, timeoutMs: number, since = Date.now()): Promise<ProbeRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.records.find((r) => r.t >= since && r.ok && r.node === node);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0 || this.exited) {
        const last = this.records.at(-1);
        throw new Error(`http probe: not served by ${node} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
      }
      await this.next(left);
    }
  }

  /** Records with t in [from, to). */
  between(from: number, to = Infinity): ProbeRecord[] {
    return this.records.filter((r) => r.t >= from && r.t < to);
  }

  /** Runs of consecutive records by server ('-' for failures): [{node, from, to, count}]. */
  timeline(): Array<{ node: string; from: number; to: number; count: number }> {
    const out: Array<{ node: string; from: number; to: number; count: number }> = [];
    for (const r of this.records) {
      const node = r.ok ? (r.node ?? '?') : '-';
      const last = out.at(-1);
      if (last && last.node === node) {
        last.to = r.t;
        last.count++;
      } else out.push({ node, from: r.t, to: r.t, count: 1 });
    }
    return out;
  }

  /** Stops the poller (also happens at lab teardown). */
  stop(): void {
    if (this.child?.pid !== undefined && !this.exited) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
