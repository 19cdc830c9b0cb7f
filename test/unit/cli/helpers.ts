// In-process CLI runs with captured output, and a throw-away config directory.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Io } from '../../../src/cli/io.js';

export interface Captured extends Io {
  readonly stdout: string[];
  readonly stderr: string[];
}

export function capture(env: NodeJS.ProcessEnv = { HEARTBEAT_DEFAULTS_FILE: '/nonexistent/default-heartbeat' }): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, env, out: (s) => void stdout.push(s), err: (s) => void stderr.push(s) };
}

/** A valid two-node config (node1, node2) on loopback with logs in the same temp dir. */
export function writeConfig(dir: string = mkdtempSync(join(tmpdir(), 'hb-cli-')), extraHaCf = ''): string {
  writeFileSync(
    join(dir, 'ha.cf'),
    [
      `logfile ${dir}/ha-log`,
      `debugfile ${dir}/ha-debug`,
      'logfacility none',
      'keepalive 1',
      'deadtime 10',
      'warntime 5',
      'initdead 20',
      'udpport 50694',
      'ucast lo 127.0.0.2', // a phantom peer on loopback (127.0.0.1 is ours: a ucast to it is skipped)
      'auto_failback on',
      'node node1',
      'node node2',
      extraHaCf,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'authkeys'), 'auth 1\n1 sha1 testkey\n');
  chmodSync(join(dir, 'authkeys'), 0o600);
  writeFileSync(join(dir, 'haresources'), '');
  return dir;
}

/** Never leave a daemon behind: kill it by the pid in our own pidfile (no other process). */
export function killByPidfile(pidfile: string): void {
  if (!existsSync(pidfile)) return;
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  try {
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
