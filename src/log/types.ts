// The logging contract every module uses. Level words are Heartbeat's (cl_log.c).
export type Level = 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'crit';

export interface Log {
  log(level: Level, message: string): void;
}

/** Heartbeat prints the level in mixed case: debug info notice WARN ERROR CRIT. */
export const LEVEL_WORD: Readonly<Record<Level, string>> = {
  debug: 'debug',
  info: 'info',
  notice: 'notice',
  warn: 'WARN',
  error: 'ERROR',
  crit: 'CRIT',
};

/** A Log that keeps lines in memory, for tests and for collecting lines before the real log opens. */
export class MemoryLog implements Log {
  readonly lines: { level: Level; message: string }[] = [];
  log(level: Level, message: string): void {
    this.lines.push({ level, message });
  }
  text(): string[] {
    return this.lines.map((l) => `${LEVEL_WORD[l.level]}: ${l.message}`);
  }
}
