// UUCP (HDB) lock files for serial lines, as cluster-glue's ttylock does: LOCKDIR/LCK..NAME
// holding the owner's pid as ten ASCII digits and a LF; NAME is the device path after "/dev/"
// with everything but letters and digits removed (/dev/ttyS0 -> LCK..ttyS0). A lock whose pid no
// longer exists is stale and taken over. Created through a temp file and link(2), so two
// contenders cannot both win.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HaError } from '../lib/errors.js';

export function lockName(device: string): string {
  const rest = device.startsWith('/dev/') ? device.slice(5) : device;
  return `LCK..${rest.replace(/[^A-Za-z0-9]/g, '')}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== 'ESRCH'; // EPERM: exists, not ours
  }
}

/** Takes the lock or throws HaError HA_E_MEDIA "serial: cannot lock line DEV ...". Returns its path. */
export function ttyLock(device: string, lockDir: string, pid = process.pid): string {
  const file = join(lockDir, lockName(device));
  let text: string | null = null;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    /* no lock file */
  }
  if (text !== null) {
    const owner = Number.parseInt(text.trim(), 10);
    if (Number.isInteger(owner) && owner > 1 && owner !== pid && alive(owner)) {
      throw new HaError('HA_E_MEDIA', `serial: cannot lock line ${device}: [${file}] is held by pid ${owner}`);
    }
    try {
      unlinkSync(file); // stale, empty or garbled: Heartbeat removes it and goes on
    } catch {
      /* raced with another remover */
    }
  }
  const tmp = join(lockDir, `tmp${pid}-${lockName(device).slice(5)}`);
  try {
    writeFileSync(tmp, `${String(pid).padStart(10, ' ')}\n`, { flag: 'wx', mode: 0o644 });
    linkSync(tmp, file);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'EIO';
    throw new HaError('HA_E_MEDIA', `serial: cannot lock line ${device}: ${code} on [${file}]`, { cause: err });
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
  }
  return file;
}

export function ttyUnlock(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}
