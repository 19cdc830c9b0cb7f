// Headless Chromium (Debian's chromium) inside a lab namespace, driven over the DevTools protocol on
// a pipe (--remote-debugging-pipe: JSON messages ending in NUL on fds 3 and 4), so no debugging port
// is opened and Node 20 needs no WebSocket client. Background traffic is switched off: the browser
// talks only to the page it is given.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export function hasChromium(): boolean {
  return spawnSync('chromium', ['--version'], { encoding: 'utf8' }).status === 0;
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
}

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buf = '';
  private session = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const input = child.stdio[4] as Readable;
    input.setEncoding('utf8');
    input.on('data', (s: string) => {
      this.buf += s;
      for (let i = this.buf.indexOf('\0'); i >= 0; i = this.buf.indexOf('\0')) {
        const msg = JSON.parse(this.buf.slice(0, i)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        this.buf = this.buf.slice(i + 1);
        const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
        if (!p || msg.id === undefined) continue;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`chromium: ${msg.error.message}`));
        else p.resolve(msg.result ?? {});
      }
    });
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('chromium exited'));
      this.pending.clear();
    });
  }

  /** Opens `url` in a new headless Chromium in namespace `ns`; the caller registers pid for teardown. */
  static async open(ns: string, url: string, onPid: (pid: number) => void): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'hb-chromium-'));
    const args = [
      'netns', 'exec', ns, 'chromium', '--headless=new', '--no-sandbox', '--disable-gpu', '--remote-debugging-pipe',
      `--user-data-dir=${profile}`, '--no-first-run', '--no-default-browser-check', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions', '--metrics-recording-only',
      '--disable-features=MediaRouter,OptimizationHints,Translate', '--window-size=820,900', 'about:blank',
    ];
    const child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    child.stderr?.resume();
    if (child.pid !== undefined) onPid(child.pid);
    const b = new Browser(child, profile);
    const targets = (await b.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string }[] };
    const page = targets.targetInfos.find((t) => t.type === 'page');
    if (!page) throw new Error('chromium: no page target');
    const att = (await b.send('Target.attachToTarget', { targetId: page.targetId, flatten: true })) as { sessionId: string };
    b.session = att.sessionId;
    await b.send('Page.enable', {}, true);
    await b.send('Page.navigate', { url }, true);
    return b;
  }

  send(method: string, params: Record<string, unknown> = {}, inPage = false): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const out = this.child.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      out.write(`${JSON.stringify({ id, method, params, ...(inPage ? { sessionId: this.session } : {}) })}\0`);
    });
  }

  /** The value of a JavaScript expression in the page (JSON-serialisable). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true }, true)) as { result: { value: T }; exceptionDetails?: unknown };
    if (r.exceptionDetails) throw new Error(`chromium: ${expression} threw ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }

  async screenshot(): Promise<Buffer> {
    const r = (await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, true)) as { data: string };
    return Buffer.from(r.data, 'base64');
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 2000))]);
    } catch {
      /* gone already */
    }
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGKILL');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
    }
    // Its helper processes may write a moment longer: retry, then leave it to tmp cleaning.
    rmSync(this.profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
