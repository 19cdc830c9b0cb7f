// USER of `respawn USER PROGRAM` to uid/gid, from /etc/passwd (Heartbeat uses getpwnam(): the gid is
// the user's primary group, e.g. hacluster -> (102,105)). The parsers are pure; readers take a path.
import { readFileSync } from 'node:fs';

export interface UserIds {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Finds a user by name (or by number, when USER is all digits) in passwd(5) text. */
export function findUser(passwdText: string, user: string): UserIds | undefined {
  let byUid: UserIds | undefined;
  for (const line of passwdText.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || f[2] === '' || f[3] === '') continue;
    const ids: UserIds = { name: f[0] ?? '', uid, gid, home: f[5] ?? '/' };
    if (ids.name === user) return ids;
    if (byUid === undefined && /^\d+$/.test(user) && uid === Number(user)) byUid = ids;
  }
  return byUid;
}

/** gid of a group name in group(5) text. */
export function findGroup(groupText: string, group: string): number | undefined {
  for (const line of groupText.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] === group && f[2] !== '' && Number.isInteger(Number(f[2]))) return Number(f[2]);
  }
  return undefined;
}

export type UserLookup = (user: string) => UserIds | undefined;

/** The system lookup: reads /etc/passwd on each call (cheap, and sees users added after start). */
export function passwdLookup(passwdFile = '/etc/passwd'): UserLookup {
  return (user) => {
    try {
      return findUser(readFileSync(passwdFile, 'utf8'), user);
    } catch {
      return undefined;
    }
  };
}
