// Shared by the corpus tests: load a corpus case the way the real Heartbeat saw it (authkeys chmod
// as the case says, the case's interfaces present) and read its recorded verdicts.
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.js';
import type { LoadResult } from '../../../src/config/types.js';

export const CASES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/config/cases');

export interface CaseFile {
  readonly hostname: string;
  readonly ifaces?: readonly string[];
  readonly authkeysMode?: string;
  /** Why heartbeat-ts knowingly decides otherwise than the real one (STYLE §6). */
  readonly differs?: string;
  readonly real?: { readonly verdict: 'started' | 'refused' | 'died'; readonly exit: number; readonly lines: readonly string[] };
  readonly ours?: { readonly verdict: 'started' | 'refused'; readonly file?: string; readonly line?: number; readonly includes?: string };
}

export function caseNames(): string[] {
  return readdirSync(CASES_DIR).filter((n) => existsSync(join(CASES_DIR, n, 'case.json'))).sort();
}

export function readCase(name: string): CaseFile {
  return JSON.parse(readFileSync(join(CASES_DIR, name, 'case.json'), 'utf8')) as CaseFile;
}

/** Copies the case to a temp dir (git cannot keep mode 600), loads it, removes the copy. */
export function loadCase(name: string): { result: LoadResult; dir: string } {
  const c = readCase(name);
  const dir = mkdtempSync(join(tmpdir(), `hbcfg-${name}-`));
  try {
    for (const f of ['ha.cf', 'haresources', 'authkeys']) {
      const src = join(CASES_DIR, name, f);
      if (existsSync(src)) copyFileSync(src, join(dir, f));
    }
    if (existsSync(join(dir, 'authkeys'))) chmodSync(join(dir, 'authkeys'), Number.parseInt(c.authkeysMode ?? '600', 8));
    const result = loadConfig({ dir, nodeName: c.hostname, interfaces: ['lo', ...(c.ifaces ?? ['eth0', 'eth1'])] });
    return { result, dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
