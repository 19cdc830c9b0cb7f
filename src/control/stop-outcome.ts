// How the last shutdown ended, for `heartbeat stop`: the daemon is not the command's child, so its
// exit code cannot reach it. Written to STATE_DIR as the daemon exits, read by the command once the
// pid has gone; keyed by pid, so an old file never answers for a newer daemon.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UnreleasedGroup } from './runtime.js';

export const STOP_OUTCOME_FILE = 'last-shutdown.json';

export interface StopOutcome {
  readonly pid: number;
  readonly exitCode: number;
  /** Groups whose stop failed: they may still run on this node. */
  readonly unreleased: readonly UnreleasedGroup[];
}

export function writeStopOutcome(stateDir: string, o: StopOutcome): void {
  const file = join(stateDir, STOP_OUTCOME_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(o)}\n`, { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
}

/** The outcome the daemon with this pid left; null when it left none (killed, or an older version). */
export function readStopOutcome(stateDir: string, pid: number): StopOutcome | null {
  try {
    const o = JSON.parse(readFileSync(join(stateDir, STOP_OUTCOME_FILE), 'utf8')) as StopOutcome;
    return o.pid === pid && Array.isArray(o.unreleased) ? o : null;
  } catch {
    return null;
  }
}
