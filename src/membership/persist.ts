// Pure helpers for /var/lib/heartbeat/hb_generation and hb_uuid. The shell reads and writes the files.
// Verified on the installed heartbeat 3.0.6: hb_generation is the decimal number right-aligned in 15
// columns plus "\n" ("     1795300634\n"); hb_uuid is the 16 raw uuid bytes, nothing else.

/** File names in the state directory (Heartbeat's /var/lib/heartbeat). */
export const GENERATION_FILE = 'hb_generation';
export const UUID_FILE = 'hb_uuid';

/** The generation in the file's text, or null when missing/garbled (Heartbeat then starts anew). */
export function parseGeneration(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const t = text.trim();
  if (!/^[0-9]{1,15}$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function formatGeneration(generation: number): string {
  return `${String(generation).padStart(15)}\n`;
}

/**
 * The generation for this start: previous + 1, or the wall clock in seconds on a first start
 * (Heartbeat: "No Previous generation - starting at N"). Returns the log lines Heartbeat prints.
 */
export function nextGeneration(
  previous: number | null,
  wallSeconds: number,
): { generation: number; logs: { level: 'warn' | 'info'; text: string }[] } {
  const logs: { level: 'warn' | 'info'; text: string }[] = [];
  let generation: number;
  if (previous === null) {
    generation = Math.max(1, Math.floor(wallSeconds));
    logs.push({ level: 'warn', text: `No Previous generation - starting at ${generation}` });
  } else {
    generation = previous + 1;
  }
  logs.push({ level: 'info', text: `Heartbeat generation: ${generation}` });
  return { generation, logs };
}

/** The uuid in hb_uuid, or null when the file is missing or not exactly 16 bytes. */
export function parseUuid(content: Buffer | null | undefined): Buffer | null {
  if (!content || content.length !== 16) return null;
  return Buffer.from(content);
}

/**
 * A new random (version 4) uuid from 16 random bytes the caller supplies (crypto.randomBytes(16)).
 * Heartbeat logs "No uuid found for current node - generating a new uuid." when it does this.
 */
export function newUuid(random16: Buffer): Buffer {
  if (random16.length !== 16) throw new RangeError('newUuid needs 16 random bytes');
  const u = Buffer.from(random16);
  u[6] = ((u[6] ?? 0) & 0x0f) | 0x40;
  u[8] = ((u[8] ?? 0) & 0x3f) | 0x80;
  return u;
}

/** 2878fb10-d17c-4d44-9da7-e45c924a23fd */
export function uuidToString(u: Buffer): string {
  const h = u.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
