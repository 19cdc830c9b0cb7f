// Whole-line ha.cf directives (config.c WLdirectives[]): respawn, failfast, stonith, stonith_host,
// apiauth. The rest of the line is one value. Pure.
import { issue } from './ha-cf-state.js';
import type { HaCfState } from './ha-cf-state.js';
import type { Where } from './types.js';

export type LineHandler = (s: HaCfState, rest: string, where: Where) => void;

function words(rest: string): string[] {
  return rest.split(/[ \t]+/).filter(Boolean);
}

function clientChild(s: HaCfState, rest: string, where: Where): void {
  const [user, path, ...args] = words(rest);
  if (user === undefined || path === undefined) {
    issue(s, where, 'error', `Client child command [${rest}] is not full pathname (respawn USER /ABS/PATH [args])`);
    return;
  }
  // Any .../ipfail turns on the built-in module and is never run, so neither its user nor its
  // path needs to exist (Heartbeat would refuse a missing one; Debian moved it to /usr/libexec).
  const builtinIpfail = /(^|\/)ipfail$/.test(path);
  if (!builtinIpfail && s.host.users && !s.host.users.has(user)) {
    issue(s, where, 'error', `Invalid uid [${user}] specified for client child`);
    return;
  }
  if (!path.startsWith('/')) {
    issue(s, where, 'error', `Client child command [${[path, ...args].join(' ')}] is not full pathname`);
    return;
  }
  if (!builtinIpfail && s.host.executable && !s.host.executable(path)) {
    issue(s, where, 'error', `Client child command [${path}] is not executable`);
    return;
  }
  s.respawn.push({ user, argv: [path, ...args], where });
}

export const LINE_HANDLERS: Readonly<Record<string, LineHandler>> = {
  respawn: clientChild,
  failfast: (s, rest, where) => {
    issue(s, where, 'warning', 'failfast: heartbeat-ts restarts this child like respawn; it never reboots the node');
    clientChild(s, rest, where);
  },
  stonith: (s, rest, where) => {
    const [type, file] = words(rest);
    if (type === undefined) { issue(s, where, 'error', 'No Stonith type given'); return; }
    if (file !== undefined && s.host.exists && !s.host.exists(file)) {
      issue(s, where, 'error', `Invalid Stonith config file [${file}]`);
      return;
    }
    issue(s, where, 'warning', `stonith [${type}]: heartbeat-ts has no STONITH; the device is never used`);
  },
  stonith_host: (s, rest, where) => {
    const [host, type] = words(rest);
    if (host === undefined) { issue(s, where, 'error', 'No Stonith hostname argument given'); return; }
    if (type === undefined) { issue(s, where, 'error', 'No Stonith type given'); return; }
    issue(s, where, 'warning', `stonith_host [${host.toLowerCase()}] [${type}]: heartbeat-ts has no STONITH; the device is never used`);
  },
  apiauth: (s, rest, where) => {
    const [client, ...lists] = words(rest);
    const ok = client !== undefined && lists.length > 0 && lists.every((l) => /^(uid|gid)=\S+$/.test(l));
    if (!ok) {
      issue(s, where, 'error',
        `Invalid apiauth directive [${rest}] (Syntax: apiauth client [uid=uidlist] [gid=gidlist]; one or the other must be specified.)`);
    }
  },
};
