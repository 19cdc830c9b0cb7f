// Reads ha.cf, haresources and authkeys from a directory, gathers the host facts the checks need
// (interfaces, users, file modes, scripts) and returns every issue at once. The only file in
// config/ that touches the file system.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { hostIssues, type HostEnv } from './host-checks.js';
import { isExecutableFile } from '../lib/fs-checks.js';
import { parseAuthkeys } from './authkeys.js';
import { parseHaCf } from './ha-cf.js';
import type { HostFacts } from './ha-cf.js';
import { parseHaresources } from './haresources.js';
import type { ConfigIssue, LoadOptions, LoadResult } from './types.js';

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Interface names of this host (/sys/class/net), for LoadOptions.interfaces when starting. */
export function systemInterfaces(): string[] {
  try {
    return readdirSync('/sys/class/net');
  } catch {
    return [];
  }
}

/** This machine, for host-checks.ts. */
// Binding is asynchronous in Node; a child that tries says it at once (~40 ms, at start and check only).
const BIND_PROBE = `const s=require('node:dgram').createSocket({type:'udp4',reuseAddr:false});s.on('error',e=>{process.stdout.write(e.code||e.message);process.exit(1)});s.bind(Number(process.argv[1]),()=>s.close())`;

function systemEnv(probePort: boolean): HostEnv {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') addresses.add(a.address);
  const root = process.geteuid?.() === 0;
  return {
    addresses,
    writableDir: (dir) => {
      try {
        // Run by another user (a check before sudo), only that the directory is there: root may write it.
        accessSync(dir, root ? constants.W_OK : constants.F_OK);
        return statSync(dir).isDirectory();
      } catch {
        return false;
      }
    },
    resolves: (name) => spawnSync('getent', ['hosts', name], { stdio: 'ignore', timeout: 5000 }).status === 0,
    ...(probePort ? {
      udpPortProblem: (port: number) => {
        const r = spawnSync(process.execPath, ['-e', BIND_PROBE, String(port)], { encoding: 'utf8', timeout: 5000 });
        // Without the privilege to bind a low port, it is not ours to judge (start says so itself).
        return r.status === 0 || r.stdout === 'EACCES' ? null : r.stdout || `exit ${r.status}`;
      },
    } : {}),
  };
}

function systemUsers(): ReadonlySet<string> | undefined {
  const passwd = readText('/etc/passwd');
  if (passwd === null) return undefined;
  return new Set(passwd.split('\n').map((l) => l.split(':')[0] ?? '').filter(Boolean));
}

export function hostFacts(opts: LoadOptions): HostFacts {
  // No list given (e.g. `heartbeat check --portable`, for another machine): no interface check.
  const ifaces = opts.interfaces ?? (opts.host ? systemInterfaces() : []);
  const users = systemUsers();
  return {
    ...(ifaces.length > 0 ? { interfaces: new Set(ifaces) } : {}),
    ...(users ? { users } : {}),
    exists: (p: string) => existsSync(p),
    executable: isExecutableFile,
  };
}

export function loadConfig(opts: LoadOptions): LoadResult {
  const dir = opts.dir.replace(/\/+$/, '') || '/';
  const thisNode = (opts.nodeName ?? hostname()).toLowerCase();
  const issues: ConfigIssue[] = [];
  const haCfPath = `${dir}/ha.cf`;
  const haCfText = readText(haCfPath);
  if (haCfText === null) {
    issues.push({ file: haCfPath, line: 0, severity: 'error', message: `Cannot open config file [${haCfPath}]` +
      ` An annotated sample ${haCfPath} file is provided in the documentation.` });
  }
  const hc = parseHaCf(haCfText ?? '', { file: haCfPath, nodeName: thisNode, host: hostFacts(opts) });
  if (haCfText !== null) issues.push(...hc.issues);

  const resPath = `${dir}/haresources`;
  const resText = readText(resPath);
  if (resText === null) {
    issues.push({ file: resPath, line: 0, severity: 'error', message: `Cannot open resources file [${resPath}]` });
  }
  const res = parseHaresources(resText ?? '', {
    file: resPath,
    ...(haCfText === null ? {} : { nodes: hc.haCf.nodes }),
    scriptDirs: [`${dir}/resource.d`, opts.initDir ?? '/etc/init.d'],
    executable: isExecutableFile,
  });
  issues.push(...res.issues);

  const keyPath = `${dir}/authkeys`;
  const keyText = readText(keyPath);
  let mode: number | undefined;
  try {
    mode = statSync(keyPath).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  const ak = keyText === null ? null : parseAuthkeys(keyText, { file: keyPath, ...(mode === undefined ? {} : { mode }) });
  if (ak === null) issues.push({ file: keyPath, line: 0, severity: 'error', message: `Cannot open keyfile [${keyPath}].  Stop.` });
  else issues.push(...ak.issues);

  if (opts.host && haCfText !== null) issues.push(...hostIssues(hc.haCf, haCfPath, thisNode, systemEnv(opts.ownDaemonRuns !== true)));
  const failed = issues.some((i) => i.severity === 'error');
  const authkeys = ak?.authkeys ?? null;
  return {
    config: failed || authkeys === null ? null : { dir, thisNode, haCf: hc.haCf, groups: res.groups, authkeys },
    issues,
    haCf: haCfText === null ? null : hc.haCf,
  };
}

/** `FILE:LINE: message` (line omitted when 0), the form `heartbeat check` prints. */
export function formatIssue(i: ConfigIssue): string {
  return i.line > 0 ? `${i.file}:${i.line}: ${i.message}` : `${i.file}: ${i.message}`;
}
