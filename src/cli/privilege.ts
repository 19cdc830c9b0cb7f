// Does `heartbeat start` need root here? Only when it cannot write its paths or bind its port.
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { existsSync } from 'node:fs';

export const ROOT_HINT = 'heartbeat: must be run as root (try: sudo heartbeat start)';

function canCreateIn(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(d)) {
      try {
        accessSync(d, constants.W_OK | constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }
    if (dirname(d) === d) return false;
  }
}

/** The lowest port an unprivileged process may bind (Linux sysctl; 1024 when unknown). */
export function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    return 1024;
  }
}

/** null when we can go on; otherwise what is in the way. */
export function privilegeProblem(
  paths: { readonly pidfile: string; readonly stateDir: string },
  udpport: number | null,
  uid: number = process.getuid?.() ?? 0,
): string | null {
  if (uid === 0) return null;
  if (!canCreateIn(dirname(paths.pidfile))) return `cannot write pidfile [${paths.pidfile}]`;
  if (!canCreateIn(paths.stateDir)) return `cannot write state directory [${paths.stateDir}]`;
  if (udpport !== null && udpport < unprivilegedPortStart()) return `udpport [${udpport}] needs root to bind`;
  return null;
}

/**
 * `--gui-sudo`: re-run the same command through pkexec at a desktop (sudo-prompt, optional dependency).
 * Only with a display, pkexec installed and the flag given. Returns the exit code, or null if not possible.
 */
export async function guiSudo(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return null;
  if (!['/usr/bin/pkexec', '/bin/pkexec'].some((p) => existsSync(p))) return null;
  let mod: { exec: (cmd: string, opts: { name: string }, cb: (e?: Error) => void) => void };
  try {
    const name = 'sudo-prompt';
    const m = (await import(name)) as { default?: typeof mod } & typeof mod;
    mod = m.default ?? m;
  } catch {
    return null;
  }
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, ...process.execArgv, ...argv].map(quote).join(' ');
  return new Promise((resolve) => mod.exec(cmd, { name: 'Heartbeat' }, (e) => resolve(e ? 1 : 0)));
}
