// Runs one resource script and never throws. Heartbeat's ResourceManager runs scripts in the
// foreground with no time limit and sends their output to the debug log; a hung script there hangs
// the node's resource transition for ever (BEHAVIOUR.md Q1). We add a timeout that kills the
// script's whole process group, and we keep only a bounded head+tail of its output.
import { spawn } from 'node:child_process';
import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { Readable } from 'node:stream';

export interface RunOptions {
  /** Kill the script (whole process group) after this long. 0 or less = no limit. */
  readonly timeoutMs: number;
  /** The complete environment for the script (not merged). Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Between SIGTERM and SIGKILL on timeout. Default 2000. */
  readonly killGraceMs?: number;
  /** Bytes kept per stream (half head, half tail). Default 64 KiB. */
  readonly maxOutputBytes?: number;
  /** After the script exits, how long to wait for its output pipes to close. Default 200. */
  readonly drainMs?: number;
  /** Told the script's pid once it runs (it leads its own session and process group). */
  readonly onSpawn?: (pid: number) => void;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal or never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** True when some output was dropped from the middle of stdout or stderr. */
  readonly truncated: boolean;
  readonly durationMs: number;
  /** Set when the script could not be run at all (missing, not executable, spawn failure). */
  readonly error?: string;
}

/** Keeps the first and last `limit/2` bytes of a stream and counts what fell in between. */
export class OutputCap {
  private readonly head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const half = Math.max(1, Math.floor(this.limit / 2));
    if (this.headLen < half) {
      const take = Math.min(half - this.headLen, chunk.length);
      this.head.push(chunk.subarray(0, take));
      this.headLen += take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailLen += chunk.length;
    // Trim the tail from the front so it never holds more than `half` bytes.
    while (this.tailLen > half) {
      const first = this.tail[0]!;
      const excess = this.tailLen - half;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailLen -= first.length;
        this.dropped += first.length;
      } else {
        this.tail[0] = Buffer.from(first.subarray(excess));
        this.tailLen -= excess;
        this.dropped += excess;
      }
    }
  }

  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    if (this.dropped === 0) return head + tail;
    return `${head}\n[... ${this.dropped} bytes of output truncated ...]\n${tail}`;
  }
}

async function checkRunnable(path: string): Promise<string | null> {
  try {
    const st = await stat(path);
    if (!st.isFile()) return `${path} is not a regular file`;
  } catch {
    return `${path} does not exist`;
  }
  try {
    await access(path, constants.X_OK);
  } catch {
    return `${path} is not executable`;
  }
  return null;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* group already gone */
  }
}

/** Runs `path args...`; the promise always resolves. */
export async function run(path: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const fail = (error: string): RunResult => ({
    code: null,
    signal: null,
    stdout: '',
    stderr: '',
    timedOut: false,
    truncated: false,
    durationMs: Date.now() - started,
    error,
  });
  const problem = await checkRunnable(path);
  if (problem) return fail(problem);

  const limit = opts.maxOutputBytes ?? 64 * 1024;
  const out = new OutputCap(limit);
  const err = new OutputCap(limit);

  return new Promise<RunResult>((resolve) => {
    let child;
    try {
      // detached (setsid): the script leads its own session and process group, so a timeout can kill
      // everything it forked, and a terminal's or our group's signals never reach it.
      child = spawn(path, [...args], {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      resolve(fail(`cannot run ${path}: ${(e as Error).message}`));
      return;
    }
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let timedOut = false;
    let done = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let open = 2;
    let collecting = true;

    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      // A daemon the script started may still hold our pipes: keep reading (and discarding) so it
      // never gets SIGPIPE, but do not let those pipes keep Node alive.
      collecting = false;
      for (const s of [child.stdout, child.stderr] as (Readable & { unref?: () => void })[]) s?.unref?.();
      if (!timedOut) clearTimeout(killTimer);
      else killTimer?.unref();
      resolve({
        code: exitCode,
        signal: exitSignal,
        stdout: out.text(),
        stderr: err.text(),
        timedOut,
        truncated: out.dropped + err.dropped > 0,
        durationMs: Date.now() - started,
        ...(error ? { error } : {}),
      });
    };

    const onStreamEnd = (): void => {
      open -= 1;
      if (open === 0 && (exitCode !== null || exitSignal !== null)) finish();
    };
    child.stdout.on('data', (c: Buffer) => collecting && out.push(c));
    child.stderr.on('data', (c: Buffer) => collecting && err.push(c));
    child.stdout.on('close', onStreamEnd);
    child.stderr.on('close', onStreamEnd);

    const timer =
      opts.timeoutMs > 0
        ? setTimeout(() => {
            if (done || child.pid === undefined) return;
            timedOut = true;
            killGroup(child.pid, 'SIGTERM');
            killTimer = setTimeout(() => {
              if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
            }, opts.killGraceMs ?? 2000);
          }, opts.timeoutMs)
        : undefined;

    child.on('error', (e) => {
      exitCode = null;
      finish(`cannot run ${path}: ${e.message}`);
    });
    child.on('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      if (timedOut && child.pid !== undefined) {
        // The leader is gone; make sure nothing else of the group survives the timeout.
        killGroup(child.pid, 'SIGKILL');
      }
      if (open === 0) finish();
      else drainTimer = setTimeout(() => finish(), opts.drainMs ?? 200);
    });
  });
}

/** One line describing a result, for log messages: "exit 1", "killed by SIGKILL after timeout". */
export function describeResult(r: RunResult, timeoutMs?: number): string {
  if (r.error) return r.error;
  if (r.timedOut) {
    const t = timeoutMs !== undefined ? ` ${timeoutMs} ms` : '';
    return `timed out after${t}, killed${r.signal ? ` by ${r.signal}` : ''}`;
  }
  if (r.signal) return `killed by ${r.signal}`;
  return `exit code ${r.code}`;
}
