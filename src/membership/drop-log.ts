// Counting and rate-limited logging of refused packets. Pure: time comes in as `at`.
// A hostile or broken sender must not flood ha-log: per (source, reason) we log the first drop,
// then at most one summary per window. Heartbeat itself logs every bad packet; we knowingly differ.
import type { Level } from '../log/types.js';

export const DROP_LOG_WINDOW_MS = 60_000;
/** Beyond this many tracked (source, reason) pairs, new sources share one '*' entry per reason. */
export const DROP_LOG_MAX_KEYS = 256;
const MAX_KEYS = DROP_LOG_MAX_KEYS;

interface Window {
  readonly reason: string;
  readonly source: string;
  start: number;
  suppressed: number;
}

export interface LogLine {
  readonly level: Level;
  readonly text: string;
}

export class DropLog {
  readonly counts: Record<string, number> = {};
  private readonly windows = new Map<string, Window>();

  /** Windows kept now: at most MAX_KEYS, plus one shared '*' window per reason. */
  get size(): number {
    return this.windows.size;
  }

  /** Count one drop; returns the lines to log now (possibly none). */
  drop(reason: string, source: string, level: Level, text: string, at: number): LogLine[] {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    let key = `${reason}\u0000${source}`;
    if (!this.windows.has(key) && this.windows.size >= MAX_KEYS) {
      key = `${reason}\u0000*`;
      source = '*';
    }
    const w = this.windows.get(key);
    if (w && at - w.start < DROP_LOG_WINDOW_MS) {
      w.suppressed++;
      return [];
    }
    const lines = w ? summary(w) : [];
    this.windows.set(key, { reason, source, start: at, suppressed: 0 });
    lines.push({ level, text });
    return lines;
  }

  /** Summaries for windows that ended; forgets them so the next drop is logged in full again. */
  flush(at: number): LogLine[] {
    const lines: LogLine[] = [];
    for (const [key, w] of this.windows) {
      if (at - w.start >= DROP_LOG_WINDOW_MS) {
        lines.push(...summary(w));
        this.windows.delete(key);
      }
    }
    return lines;
  }

  /** When flush() has something to say next, or undefined. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const w of this.windows.values()) {
      if (w.suppressed > 0) {
        const t = w.start + DROP_LOG_WINDOW_MS;
        if (due === undefined || t < due) due = t;
      }
    }
    return due;
  }
}

function summary(w: Window): LogLine[] {
  if (w.suppressed === 0) return [];
  return [
    {
      level: 'warn',
      text: `${w.suppressed} more packet(s) from [${w.source}] dropped (${w.reason}) in the last ${DROP_LOG_WINDOW_MS / 1000} s`,
    },
  ];
}
