// Where a haresources resource's script lives, how it is called, and the environment Heartbeat
// gives it. Rules taken from Heartbeat 3.0.6's /usr/share/heartbeat/ResourceManager:
//  - scriptpath(): the first of $HA_RESOURCEDIR/NAME, $INITDIR/NAME that is a file AND executable;
//    otherwise "Cannot locate resource script NAME".
//  - doscript(): `$spath $arg $op`, the `::` arguments first, then the operation, for BOTH
//    directories (an init.d script also gets the arguments; plain init scripts have none).
//  - canonname(): a bare word that looks like an IP address is IPaddr::word.
// The environment comes from heartbeat.c (setenv of HA_DIR, HA_DATEFMT, HA_FUNCS, OCF_ROOT,
// HA_LOGFILE, HA_DEBUGLOG, HA_LOGD, HA_LOGFACILITY, HA_CURHOST, HA_debug), shellfuncs (PATH with
// HA_BIN:HA_SBIN_DIR:HA_NOARCHBIN first) and ocf-directories (HA_RESOURCEDIR, HA_RSCTMP ...).
import { existsSync } from 'node:fs';
import type { HaCf, ResourceSpec } from '../config/types.js';
import { isExecutableFile } from '../lib/fs-checks.js';

export type ResourceOp = 'start' | 'stop' | 'status';

/** ResourceManager's isip(): "[0-9]*.[0-9]*.[0-9]*.[0-9]*". */
export function looksLikeIp(word: string): boolean {
  return /^[0-9][^.]*\.[0-9][^.]*\.[0-9][^.]*\.[0-9]/.test(word) && !word.includes('::');
}

/** Splits a haresources word (`IPaddr::192.0.2.10/24/eth0`, `192.0.2.10`, `httpd`) like ResourceManager. */
export function parseResourceWord(word: string): ResourceSpec {
  const canon = looksLikeIp(word) ? `IPaddr::${word}` : word;
  const parts = canon.split('::');
  return { spec: word, name: parts[0] ?? canon, args: parts.slice(1).filter((a) => a !== '') };
}

export interface ScriptDirs {
  /** Heartbeat's HA_DIR, e.g. /etc/ha.d (scripts are searched in HA_DIR/resource.d). */
  readonly haDir: string;
  /** Default /etc/init.d. */
  readonly initDir?: string;
  /** Overrides HA_DIR/resource.d. */
  readonly resourceDir?: string;
}

export function resourceDirOf(dirs: ScriptDirs): string {
  return dirs.resourceDir ?? `${dirs.haDir.replace(/\/+$/, '')}/resource.d`;
}

export type Located =
  | { readonly ok: true; readonly path: string }
  /** reason: why not, e.g. "exists but is not executable" (Heartbeat only says it cannot locate it). */
  | { readonly ok: false; readonly reason: string };

/** scriptpath(): resource.d first, then the init directory; both need -f and -x. */
export function locateScript(name: string, dirs: ScriptDirs): Located {
  if (name === '' || name.includes('/') || name === '.' || name === '..') {
    return { ok: false, reason: `invalid resource script name "${name}"` };
  }
  const candidates = [`${resourceDirOf(dirs)}/${name}`, `${dirs.initDir ?? '/etc/init.d'}/${name}`];
  for (const p of candidates) if (isExecutableFile(p)) return { ok: true, path: p };
  const present = candidates.filter((p) => existsSync(p));
  if (present.length > 0) return { ok: false, reason: `${present.join(', ')} exists but is not an executable file` };
  return { ok: false, reason: `not found in ${candidates.map((c) => c.replace(/\/[^/]*$/, '')).join(' or ')}` };
}

/** doscript(): the script's argv, the `::` arguments then the operation. */
export function scriptArgs(spec: ResourceSpec, op: ResourceOp): string[] {
  return [...spec.args, op];
}

/** What ResourceManager's we_own_resource() makes of a status action's stdout (exit code ignored). */
export function statusSaysRunning(stdout: string): boolean {
  if (/[Nn][Oo][Tt] .*[Rr]unning/s.test(stdout)) return false;
  return /[Rr]unning|OK/.test(stdout);
}

export interface ScriptEnvOptions extends ScriptDirs {
  /** This node's name (HA_CURHOST). */
  readonly nodeName: string;
  /** ha.cf values; when given, logfile/debugfile/logfacility/debug and HA_<directive> come from it. */
  readonly haCf?: HaCf;
  readonly logfile?: string | null;
  readonly debugfile?: string | null;
  readonly logfacility?: string | null;
  readonly useLogd?: boolean;
  readonly debug?: number;
  /** Inherited variables (default process.env); HA_* and OCF_* from here are replaced. */
  readonly base?: NodeJS.ProcessEnv;
  /** Extra variables, applied last (tests: HTTPD_PORT ...). */
  readonly extra?: NodeJS.ProcessEnv;
}

/** Heartbeat's date format for shell logging; the trailing tab gives the two spaces seen in ha-log. */
export const HA_DATEFMT = '%Y/%m/%d_%T\t';

function firstExisting(paths: readonly string[], fallback: string): string {
  return paths.find((p) => existsSync(p)) ?? fallback;
}

/** The names scriptEnv() sets (for docs and tests). */
export const SCRIPT_ENV_NAMES = [
  'HA_DIR', 'HA_FUNCS', 'HA_DATEFMT', 'HA_CURHOST', 'HA_LOGFILE', 'HA_DEBUGLOG', 'HA_LOGFACILITY',
  'HA_LOGD', 'HA_debug', 'HA_RESOURCEDIR', 'HA_RCDIR', 'HA_CF', 'HA_BIN', 'HA_SBIN_DIR', 'HA_NOARCHBIN',
  'HA_VARLIB', 'HA_RSCTMP', 'HA_VARRUN', 'HA_FIFO', 'OCF_ROOT', 'OCF_AGENTS', 'INITDIR', 'PATH',
] as const;

/** The environment a resource script sees, so that the real Heartbeat resource.d scripts run unmodified. */
export function scriptEnv(o: ScriptEnvOptions): NodeJS.ProcessEnv {
  const base = o.base ?? process.env;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    // Never leak a parent's Heartbeat/OCF settings into ours; LC_ALL/LANGUAGE are unset by ResourceManager.
    if (k.startsWith('HA_') || k.startsWith('OCF_') || k === 'LC_ALL' || k === 'LANGUAGE') continue;
    env[k] = v;
  }
  const haDir = o.haDir.replace(/\/+$/, '');
  const haBin = firstExisting(['/usr/libexec/heartbeat', '/usr/lib/heartbeat', '/usr/lib64/heartbeat'], '/usr/libexec/heartbeat');
  const sbin = '/usr/sbin';
  const noarch = '/usr/share/heartbeat';
  const logfile = o.logfile !== undefined ? o.logfile : (o.haCf?.logfile ?? null);
  const debugfile = o.debugfile !== undefined ? o.debugfile : (o.haCf?.debugfile ?? null);
  const facility = o.logfacility !== undefined ? o.logfacility : (o.haCf?.logfacility ?? null);
  const debug = o.debug ?? o.haCf?.debug ?? 0;

  // heartbeat.c records ha.cf directives as HA_<name> (SetParameterValue); keep the last value.
  for (const d of o.haCf?.directives ?? []) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(d.name)) env[`HA_${d.name}`] = d.args.join(' ');
  }
  Object.assign(env, {
    HA_DIR: haDir,
    // ResourceManager and many scripts source $HA_FUNCS; the real one also sources ocf-shellfuncs.
    HA_FUNCS: firstExisting([`${haDir}/shellfuncs`, '/etc/ha.d/shellfuncs'], `${haDir}/shellfuncs`),
    HA_DATEFMT,
    HA_CURHOST: o.nodeName,
    HA_LOGFILE: logfile ?? '',
    HA_DEBUGLOG: debugfile ?? '/dev/null',
    HA_LOGD: o.useLogd ? 'yes' : 'no',
    HA_debug: String(debug),
    HA_RESOURCEDIR: resourceDirOf(o),
    HA_RCDIR: `${haDir}/rc.d`,
    HA_CF: `${haDir}/ha.cf`,
    HA_BIN: haBin,
    HA_SBIN_DIR: sbin,
    HA_NOARCHBIN: noarch,
    HA_VARLIB: '/var/lib/heartbeat',
    HA_RSCTMP: '/run/resource-agents',
    HA_VARRUN: '/var/run',
    HA_FIFO: '/var/lib/heartbeat/fifo',
    OCF_ROOT: '/usr/lib/ocf',
    OCF_AGENTS: '/usr/lib/ocf/resource.d/heartbeat/',
    INITDIR: o.initDir ?? '/etc/init.d',
  });
  if (facility) env.HA_LOGFACILITY = facility;
  // shellfuncs: PATH=$HA_BIN:$HA_SBIN_DIR:$HA_NOARCHBIN:$PATH; make sure the system dirs are there too.
  const path = [haBin, sbin, noarch, ...(base.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/bin', '/sbin', '/bin'];
  env.PATH = [...new Set(path.filter((p) => p !== '' && p !== '.'))].join(':');
  Object.assign(env, o.extra ?? {});
  return env;
}
