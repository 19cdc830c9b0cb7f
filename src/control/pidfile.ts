// /var/run/heartbeat.pid: created with O_EXCL, stale ones detected and replaced, removed on exit.
// Node has no fcntl locks, so "held" means: the pid in the file is alive and its cmdline says heartbeat.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export type PidfileState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'running'; readonly pid: number }
  /** The file exists but names no live heartbeat (crash, kill -9, pid reused, garbage). */
  | { readonly kind: 'stale'; readonly pid: number | null };

/** The pid in the file. Heartbeat writes it right-aligned with leading spaces; we strip them. */
export function readPidfile(path: string): number | null | 'absent' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Alive (kill 0 succeeds or says EPERM) and its /proc cmdline mentions heartbeat. */
export function isHeartbeatProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('heartbeat');
  } catch {
    return false; // gone between the two checks
  }
}

export function pidfileState(path: string, isOurs: (pid: number) => boolean = isHeartbeatProcess): PidfileState {
  const pid = readPidfile(path);
  if (pid === 'absent') return { kind: 'absent' };
  if (pid !== null && isOurs(pid)) return { kind: 'running', pid };
  return { kind: 'stale', pid };
}

export type AcquireResult =
  | { readonly ok: true; readonly replacedStale: number | null | false }
  | { readonly ok: false; readonly pid: number };

/**
 * Create the pidfile for `pid`, or report who holds it. A stale file is removed and creation retried
 * once: two starters racing on a stale file both unlink, only one O_EXCL create wins.
 */
export function acquirePidfile(
  path: string,
  pid: number = process.pid,
  isOurs: (pid: number) => boolean = isHeartbeatProcess,
): AcquireResult {
  let replacedStale: number | null | false = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, `${String(pid).padStart(10)}\n`); // Heartbeat's "%*lu" look
      } finally {
        closeSync(fd);
      }
      return { ok: true, replacedStale };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const st = pidfileState(path, isOurs);
    if (st.kind === 'running') return { ok: false, pid: st.pid };
    if (st.kind === 'stale') replacedStale = st.pid;
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const st = pidfileState(path, isOurs);
  return { ok: false, pid: st.kind === 'running' ? st.pid : -1 };
}

/** Remove the pidfile if it still names `pid` (never another instance's file). Synchronous: exit-safe. */
export function removePidfile(path: string, pid: number = process.pid): boolean {
  try {
    if (readPidfile(path) !== pid) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
