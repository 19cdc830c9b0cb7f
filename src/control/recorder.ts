// The flight recorder: the node's last log lines at every level (debug too, whatever the debug
// level), kept in memory and written to STATE_DIR/flight-recorder.txt when the daemon ends badly
// (uncaught exception, event loop ran dry, shutdown deadline, fatal signal), on SIGTRAP (as
// libqb's blackbox in Pacemaker/Corosync) and on `heartbeat dump`. Recording costs one slot write
// per line: three preallocated arrays used as a ring, no object per line.
//
// File format (text, UTF-8, one line per entry, oldest first):
//   # heartbeat-ts flight recorder
//   # pid PID, written ISO-TIME, reason: REASON
//   # N lines kept (capacity C), M older lines overwritten
//   ISO-TIME<TAB>LEVEL<TAB>MESSAGE
// ISO-TIME is UTC with milliseconds (2025-01-31T12:00:00.123Z); LEVEL is Heartbeat's word (debug,
// info, notice, WARN, ERROR, CRIT); newlines inside a MESSAGE are written as "\n".
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HaLog } from '../log/ha-log.js';
import { LEVEL_WORD, type Level } from '../log/types.js';

export const FLIGHT_RECORDER_FILE = 'flight-recorder.txt';
export const FLIGHT_RECORDER_CAPACITY = 1000;

/**
 * HA_RECORDER=off in the daemon's environment runs it without a recorder (to measure what recording
 * costs, bench/idle.ts; and for an operator who wants nothing kept): no dump on an abnormal end,
 * `heartbeat dump` and SIGTRAP say it is off. Anything else, or unset: on.
 */
export function recorderWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['HA_RECORDER'] !== 'off';
}

/** Where the daemon writes its recorder: STATE_DIR/flight-recorder.txt. */
export function flightRecorderPath(stateDir: string): string {
  return join(stateDir, FLIGHT_RECORDER_FILE);
}

export interface RecordedLine {
  readonly at: number;
  readonly level: Level;
  readonly message: string;
}

export class FlightRecorder {
  readonly capacity: number;
  private readonly times: Float64Array;
  private readonly levels: Level[];
  private readonly messages: string[];
  /** Next slot to write. */
  private head = 0;
  /** Lines ever recorded. */
  private total = 0;
  private readonly now: () => number;

  constructor(capacity: number = FLIGHT_RECORDER_CAPACITY, now: () => number = Date.now) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`flight recorder capacity ${capacity}`);
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
    this.levels = new Array<Level>(capacity).fill('debug');
    this.messages = new Array<string>(capacity).fill('');
    this.now = now;
  }

  record(level: Level, message: string): void {
    const i = this.head;
    this.times[i] = this.now();
    this.levels[i] = level;
    this.messages[i] = message;
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    this.total++;
  }

  /** Lines kept now (at most capacity). */
  get size(): number {
    return Math.min(this.total, this.capacity);
  }

  /** Lines recorded that the ring has since overwritten. */
  get overwritten(): number {
    return this.total - this.size;
  }

  /** The kept lines, oldest first (allocates: for dumps and tests, not the hot path). */
  entries(): RecordedLine[] {
    const n = this.size;
    const start = this.total > this.capacity ? this.head : 0;
    const out: RecordedLine[] = [];
    for (let k = 0; k < n; k++) {
      const i = (start + k) % this.capacity;
      out.push({ at: this.times[i] as number, level: this.levels[i] as Level, message: this.messages[i] as string });
    }
    return out;
  }

  /** The file's text (format above). */
  format(reason: string, pid: number = process.pid): string {
    const lines = [
      '# heartbeat-ts flight recorder',
      `# pid ${pid}, written ${new Date(this.now()).toISOString()}, reason: ${oneLine(reason)}`,
      `# ${this.size} lines kept (capacity ${this.capacity}), ${this.overwritten} older lines overwritten`,
    ];
    for (const e of this.entries()) lines.push(`${new Date(e.at).toISOString()}\t${LEVEL_WORD[e.level]}\t${oneLine(e.message)}`);
    return `${lines.join('\n')}\n`;
  }

  /**
   * Write the file synchronously (last words must not wait for the event loop): a temp file
   * renamed over the old one, so a reader never sees half a dump. Returns the path; throws on I/O errors.
   */
  writeTo(path: string, reason: string, pid: number = process.pid): string {
    const tmp = `${path}.${pid}.tmp`;
    writeFileSync(tmp, this.format(reason, pid), { mode: 0o640 });
    renameSync(tmp, path);
    return path;
  }
}

function oneLine(s: string): string {
  return s.includes('\n') || s.includes('\r') ? s.replace(/\r?\n|\r/g, '\\n') : s;
}

/**
 * The same log, with every line (debug included, whatever the debug level) also kept in the
 * recorder. The daemon hands this to the runtime, so the core's lines are recorded as they are emitted.
 */
export function recordingLog(inner: HaLog, rec: FlightRecorder): HaLog {
  return {
    get targets() {
      return inner.targets;
    },
    log(level, message) {
      rec.record(level, message);
      inner.log(level, message);
    },
    logSync(level, message) {
      rec.record(level, message);
      inner.logSync(level, message);
    },
    debugLevel: () => inner.debugLevel(),
    setDebug: (n) => inner.setDebug(n),
    reopen: () => inner.reopen(),
    close: () => inner.close(),
  };
}
