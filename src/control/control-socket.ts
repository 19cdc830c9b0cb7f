// The local control socket used by cl_status, hb_standby, hb_takeover and `heartbeat status`.
// One JSON request per line, one JSON reply per line. Only root and group haclient may connect:
// the socket is mode 0660, owned by root:haclient when that group exists.
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { dirname } from 'node:path';

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
}

export type ControlHandler = (req: ControlRequest) => Promise<ControlReply> | ControlReply;

const MAX_REQUEST = 64 * 1024;

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

export async function listenControl(path: string, handler: ControlHandler): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST) {
        sock.end(`${JSON.stringify({ out: '', err: 'request too large\n', code: 2 })}\n`);
        return;
      }
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const req = parseRequest(buf.slice(0, nl));
      buf = '';
      if (!req) {
        sock.end(`${JSON.stringify({ out: '', err: 'malformed request\n', code: 2 })}\n`);
        return;
      }
      Promise.resolve()
        .then(() => handler(req))
        .then(
          (reply) => sock.end(`${JSON.stringify(reply)}\n`),
          (e: unknown) => sock.end(`${JSON.stringify({ out: '', err: `${String(e)}\n`, code: 1 })}\n`),
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
