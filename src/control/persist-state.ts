// hb_generation and hb_uuid in the state directory (--state-dir, Heartbeat's /var/lib/heartbeat),
// in Heartbeat's own file formats (membership/persist.ts), so a node can switch between the real
// Heartbeat and us without becoming a "new" node or replaying an old generation.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Level } from '../log/types.js';
import { GENERATION_FILE, UUID_FILE, formatGeneration, newUuid, nextGeneration, parseGeneration, parseUuid } from '../membership/persist.js';

export interface PersistedIdentity {
  readonly generation: number;
  readonly uuid: Buffer;
  /** Heartbeat's log lines about what was found / created. */
  readonly logs: readonly { readonly level: Level; readonly text: string }[];
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/** Write via a temp file + rename: a crash mid-write must not leave a garbled generation. */
function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode: 0o644 });
  renameSync(tmp, path);
}

/**
 * Reads hb_uuid (creating it when missing) and hb_generation, increments the generation and writes
 * it back before we send anything: every start gets a higher `hg`, as Heartbeat's IncrGeneration().
 */
export function loadAndBumpIdentity(stateDir: string, wallSeconds: number = Date.now() / 1000): PersistedIdentity {
  mkdirSync(stateDir, { recursive: true });
  const logs: { level: Level; text: string }[] = [];
  const uuidPath = join(stateDir, UUID_FILE);
  let uuid = parseUuid(readOrNull(uuidPath));
  if (!uuid) {
    logs.push({ level: 'info', text: 'No uuid found for current node - generating a new uuid.' });
    uuid = newUuid(randomBytes(16));
    writeAtomic(uuidPath, uuid);
  }
  const genPath = join(stateDir, GENERATION_FILE);
  const prevText = readOrNull(genPath);
  const g = nextGeneration(parseGeneration(prevText?.toString('latin1')), wallSeconds);
  writeAtomic(genPath, formatGeneration(g.generation));
  logs.push(...g.logs);
  return { generation: g.generation, uuid, logs };
}
