// /etc/default/heartbeat: plain KEY=value lines, read by the CLI (via ini) and sourced by the init script.
// Only the subset both understand: no `export`, no $VAR expansion, quotes optional.
import { readFileSync } from 'node:fs';
import ini from 'ini';

export const DEFAULTS_FILE = '/etc/default/heartbeat';

/** The keys the CLI takes from the file; each one is the same as a global option. */
export interface DaemonDefaults {
  readonly configDir?: string;
  readonly node?: string;
  readonly stateDir?: string;
  readonly pidfile?: string;
  readonly initDir?: string;
  readonly debug?: number;
  readonly stopTimeoutSec?: number;
}

const KEYS: Readonly<Record<string, keyof DaemonDefaults>> = {
  CONFIG_DIR: 'configDir',
  NODE_NAME: 'node',
  STATE_DIR: 'stateDir',
  PIDFILE: 'pidfile',
  INIT_DIR: 'initDir',
  DEBUG: 'debug',
  STOP_TIMEOUT: 'stopTimeoutSec',
};

const NUMERIC = new Set<keyof DaemonDefaults>(['debug', 'stopTimeoutSec']);

export interface DefaultsResult {
  readonly values: DaemonDefaults;
  /** `FILE: KEY: problem` lines for keys we could not use (unknown keys are the init script's, not errors). */
  readonly problems: readonly string[];
}

export function parseDefaultsText(text: string, file = DEFAULTS_FILE): DefaultsResult {
  const raw = ini.parse(text) as Record<string, unknown>;
  const values: Record<string, string | number> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('export ')) {
      problems.push(`${file}: ${key}: write KEY=value without 'export'`);
      continue;
    }
    const field = KEYS[key];
    if (!field || typeof value !== 'string' || value === '') continue;
    if (NUMERIC.has(field)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) {
        problems.push(`${file}: ${key}: [${value}] is not a whole number; ignored`);
        continue;
      }
      values[field] = n;
    } else {
      values[field] = value;
    }
  }
  return { values: values as DaemonDefaults, problems };
}

/** Read the file; a missing file means no defaults. */
export function readDefaultsFile(file = DEFAULTS_FILE): DefaultsResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { values: {}, problems: [] };
    return { values: {}, problems: [`${file}: cannot read: ${(e as Error).message}`] };
  }
  return parseDefaultsText(text, file);
}
