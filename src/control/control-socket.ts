// The local control socket used by cl_status, hb_standby, hb_takeover and `heartbeat status`.
// One JSON request per line, one JSON reply per line. Only root and group haclient may connect:
// the socket is mode 0660, owned by root:haclient when that group exists.
// Limits, so a stuck or hostile local client cannot starve the daemon: a connection that has not
// sent a complete request within a few seconds is closed, and at a cap of concurrent clients a new
// one pushes out the longest idle one (refused at once only when none is idle), so the daemon's
// descriptors stay bounded and a real command still gets through a flood of idle connections
// (one WARN line per minute at most, with the count).
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Log } from '../log/types.js';

export interface ControlRequest {
  readonly cmd: string;
  readonly args: readonly string[];
}

export interface ControlReply {
  readonly out: string;
  readonly err: string;
  readonly code: number;
  /** Machine-readable payload for `heartbeat status --json`. */
  readonly data?: unknown;
  /** Not served: the control socket was full (the request was not run; asking again may work). */
  readonly busy?: boolean;
}

export type ControlHandler = (req: ControlRequest) => Promise<ControlReply> | ControlReply;

const MAX_REQUEST = 64 * 1024;

export interface ControlLimits {
  /** Close a connection that has not sent a complete request line within this (default 5000 ms). */
  readonly idleMs?: number;
  /** Concurrent connections held (default 64). */
  readonly maxClients?: number;
  /** At the cap, a client waiting this long without a request may be closed for a new one (default 100 ms). */
  readonly graceMs?: number;
  /** At most one "too many clients" WARN per this many ms (default 60 000). */
  readonly warnEveryMs?: number;
  /** Where the WARN goes; none: not logged. */
  readonly log?: Log;
  /** Milliseconds on any steady clock (default performance.now()). */
  readonly now?: () => number;
}

const BUSY_REPLY = `${JSON.stringify({ out: '', err: 'heartbeat: too many control clients connected; try again\n', code: 1, busy: true })}\n`;

export const CONTROL_IDLE_MS = 5000;
export const CONTROL_MAX_CLIENTS = 64;
/** A client just connected is never pushed out before this long: its request may be on its way. */
export const CONTROL_GRACE_MS = 100;

/** gid of group haclient from /etc/group, or null when the group does not exist. */
export function haclientGid(groupFile = '/etc/group'): number | null {
  try {
    for (const line of readFileSync(groupFile, 'utf8').split('\n')) {
      const [name, , gid] = line.split(':');
      if (name === 'haclient' && gid !== undefined) return Number(gid);
    }
  } catch {
    /* no group file: no group */
  }
  return null;
}

function parseRequest(line: string): ControlRequest | null {
  try {
    const v = JSON.parse(line) as { cmd?: unknown; args?: unknown };
    if (typeof v.cmd !== 'string') return null;
    const args = Array.isArray(v.args) ? v.args.filter((a): a is string => typeof a === 'string') : [];
    return { cmd: v.cmd, args };
  } catch {
    return null;
  }
}

/** One accepted connection: waiting for its request, running its command, or answered (lingering). */
interface Client {
  readonly sock: Socket;
  readonly at: number;
  phase: 'waiting' | 'running' | 'answered';
}

/** Write one line and close at once: the descriptor is given back now, not after a linger. */
function closeWith(sock: Socket, line: string): void {
  sock.on('error', () => undefined);
  if (line !== '' && sock.writable) sock.write(line);
  sock.destroy();
}

export async function listenControl(path: string, handler: ControlHandler, limits: ControlLimits = {}): Promise<Server> {
  const idleMs = limits.idleMs ?? CONTROL_IDLE_MS;
  const maxClients = limits.maxClients ?? CONTROL_MAX_CLIENTS;
  const warnEveryMs = limits.warnEveryMs ?? 60_000;
  const graceMs = limits.graceMs ?? CONTROL_GRACE_MS;
  // Monotonic: a clock step must not make every client look just connected (or idle for ever).
  const now = limits.now ?? (() => performance.now());
  /** Oldest first (a Map keeps insertion order). */
  const clients = new Map<Socket, Client>();
  let pushedOut = 0;
  let lastWarn = -Infinity;
  /** At the cap: the oldest client that is not running a command and has had its chance to send one. */
  const evictable = (t: number): Client | null => {
    for (const c of clients.values()) {
      if (c.phase === 'answered' || (c.phase === 'waiting' && t - c.at >= graceMs)) return c;
    }
    return null;
  };
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  const server = createServer((sock) => {
    const t = now();
    if (clients.size >= maxClients) {
      // Full: make room by closing the longest idle client, so a flood of idle connections never
      // locks out cl_status; only when every slot is busy (or just connected) is the new one refused.
      const victim = evictable(t);
      pushedOut++;
      if (t - lastWarn >= warnEveryMs) {
        lastWarn = t;
        limits.log?.log('warn', `Control socket ${path}: ${maxClients} clients connected already (the limit); closing idle ones to make room, refusing the rest (${pushedOut} so far).`);
      }
      if (victim === null) {
        closeWith(sock, BUSY_REPLY);
        return;
      }
      clients.delete(victim.sock);
      closeWith(victim.sock, victim.phase === 'waiting' ? BUSY_REPLY : '');
    }
    const me: Client = { sock, at: t, phase: 'waiting' };
    clients.set(sock, me);
    sock.once('close', () => clients.delete(sock));
    let buf = '';
    // Not sliding: a client trickling bytes is closed as surely as a silent one.
    let idle = setTimeout(() => sock.destroy(), idleMs);
    idle.unref();
    sock.once('close', () => clearTimeout(idle));
    /** The reply, then as long again for the client to read it and hang up before we do. */
    const answer = (reply: ControlReply | { out: string; err: string; code: number }): void => {
      me.phase = 'answered';
      if (sock.destroyed) return;
      sock.end(`${JSON.stringify(reply)}\n`);
      clearTimeout(idle);
      idle = setTimeout(() => sock.destroy(), idleMs);
      idle.unref();
    };
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: string) => {
      if (me.phase !== 'waiting') return; // one request per connection
      buf += chunk;
      if (buf.length > MAX_REQUEST) {
        answer({ out: '', err: 'request too large\n', code: 2 });
        return;
      }
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      me.phase = 'running';
      // A complete request: the handler may take its time (no idle clock while it runs).
      clearTimeout(idle);
      const req = parseRequest(buf.slice(0, nl));
      buf = '';
      if (!req) {
        answer({ out: '', err: 'malformed request\n', code: 2 });
        return;
      }
      Promise.resolve()
        .then(() => handler(req))
        .then(
          (reply) => answer(reply),
          (e: unknown) => answer({ out: '', err: `${String(e)}\n`, code: 1 }),
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o660);
  const gid = haclientGid();
  if (gid !== null && process.getuid?.() === 0) chownSync(path, 0, gid);
  return server;
}

/** Sends one request; rejects with the connect error (ENOENT/ECONNREFUSED mean: not running). */
export function controlRequest(path: string, req: ControlRequest, timeoutMs = 5000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('No timely response.'));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (c: string) => (buf += c));
    sock.on('error', (e) => {
      clearTimeout(timer);
      // The daemon may answer and hang up before our request is written (a refusal): its answer counts.
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        try {
          resolve(JSON.parse(buf.slice(0, nl)) as ControlReply);
          return;
        } catch {
          /* not an answer: the error stands */
        }
      }
      reject(e);
    });
    sock.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf) as ControlReply);
      } catch {
        reject(new Error('malformed reply from heartbeat'));
      }
    });
  });
}
