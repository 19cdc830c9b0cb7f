// The clients' side of the control socket (cl_status, hb_standby, hb_takeover, heartbeat status and
// dump): one request, and a plain account of why there is no answer. "Not running" is only said
// when nothing listens; a socket we may not open is "permission denied", with its owner and mode.
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { controlRequest, type ControlReply, type ControlRequest } from '../control/control-socket.js';

export type Answer =
  | { readonly kind: 'reply'; readonly reply: ControlReply }
  /** EACCES/EPERM on the socket or a directory above it. */
  | { readonly kind: 'denied'; readonly message: string }
  /** Nothing listens (ENOENT, ECONNREFUSED, ENOTDIR). */
  | { readonly kind: 'not-running'; readonly message: string }
  /** It listens but did not answer properly (timeout, malformed reply, reset). */
  | { readonly kind: 'no-answer'; readonly message: string };

const NOT_RUNNING = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTDIR', 'ENOTSOCK']);

/**
 * Waits before asking again when the socket was full: told so (`busy`), or closed on us before our
 * request went out (EPIPE, ECONNRESET with no reply). Either way the daemon did not run the request.
 */
const BUSY_RETRY_MS = [50, 100, 200, 400];
const PUSHED_OUT = new Set(['EPIPE', 'ECONNRESET']);

export async function askDaemon(path: string, req: ControlRequest, timeoutMs?: number): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const wait = BUSY_RETRY_MS[attempt];
    try {
      const reply = await controlRequest(path, req, timeoutMs);
      if (reply.busy !== true || wait === undefined) return { kind: 'reply', reply };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (wait === undefined || code === undefined || !PUSHED_OUT.has(code)) return failed(path, e);
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

function failed(path: string, e: unknown): Answer {
  const code = (e as NodeJS.ErrnoException).code;
  const denied = permissionDenied(path, e);
  if (denied !== null) return { kind: 'denied', message: denied };
  if (code !== undefined && NOT_RUNNING.has(code)) return { kind: 'not-running', message: `no answer on ${path}` };
  return { kind: 'no-answer', message: `${(e as Error).message} (${path})` };
}

/** The words for EACCES/EPERM connecting to `path`, or null for any other error. */
export function permissionDenied(path: string, err: unknown, uid: number | undefined = process.getuid?.()): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== 'EACCES' && code !== 'EPERM') return null;
  const who = uid === undefined ? '' : `; you are ${userName(uid) ?? 'uid'} (uid ${uid})`;
  return `permission denied on the control socket ${path} (${whatBlocks(path)}${who}). Run as root or as a member of group haclient.`;
}

/** "socket owner root:haclient, mode 0660", or the nearest directory we can stat when the socket is out of reach. */
export function whatBlocks(path: string): string {
  try {
    return `socket ${ownerMode(path)}`;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'error';
    for (let d = dirname(path); ; d = dirname(d)) {
      try {
        return `cannot stat the socket: ${why}; directory ${d} ${ownerMode(d)}`;
      } catch {
        if (dirname(d) === d) return `cannot stat the socket: ${why}`;
      }
    }
  }
}

function ownerMode(p: string): string {
  const st = statSync(p);
  const user = userName(st.uid) ?? String(st.uid);
  const group = groupName(st.gid) ?? String(st.gid);
  return `owner ${user}:${group}, mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

function nameIn(file: string, id: number): string | null {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && Number(f[2]) === id && f[0]) return f[0];
    }
  } catch {
    /* no such file: numbers only */
  }
  return null;
}

export const userName = (uid: number, file = '/etc/passwd'): string | null => nameIn(file, uid);
export const groupName = (gid: number, file = '/etc/group'): string | null => nameIn(file, gid);
