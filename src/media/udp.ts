// Shared dgram plumbing for bcast/ucast/mcast: bind with a clear HaError, send with
// Heartbeat-worded failure reporting. Node's dgram has no SO_BINDTODEVICE, so every socket is
// bound to an address that belongs to one interface instead (ECOSYSTEM.md §8).
import { createSocket, type Socket } from 'node:dgram';
import { lookup, type LookupOneOptions } from 'node:dns';
import { isIPv4 } from 'node:net';
import { HaError } from '../lib/errors.js';
import type { Log } from '../log/types.js';
import { errnoCode, strerror, type WriteErrorLimiter } from './write-errors.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * Every address we bind or send to is a literal IPv4 address. dgram resolves it on each send all
 * the same, through dns.lookup and a next-tick round; answering at once saves that work on every
 * heartbeat.
 */
function literalLookup(host: string, options: LookupOneOptions, cb: LookupCallback): void {
  if (isIPv4(host)) cb(null, host, 4);
  else lookup(host, options, cb);
}

/**
 * The kernel's default receive buffer holds about a second of a 16-node cluster's heartbeats: a
 * node busy for longer (starting up) lost packets, asked for them again, and those requests and
 * answers cost everyone more. The kernel caps this at net.core.rmem_max; memory is used only by
 * packets actually waiting.
 */
const RECV_BUFFER_BYTES = 1 << 20;

/** Binds a UDP socket; rejects with "KIND: cannot bind udp ADDR:PORT: ECODE". */
export function bindUdp(kind: string, address: string, port: number, log: Log, name: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: 'udp4', reuseAddr: true, lookup: literalLookup, recvBufferSize: RECV_BUFFER_BYTES });
    const onBindError = (err: Error): void => {
      sock.close();
      reject(new HaError('HA_E_MEDIA', `${kind}: cannot bind udp ${address}:${port}: ${errnoCode(err)}`, { cause: err }));
    };
    sock.once('error', onBindError);
    sock.bind({ address, port }, () => {
      sock.off('error', onBindError);
      // After bind, socket errors (rare for UDP) are logged, never thrown: one medium must not
      // take the daemon down.
      sock.on('error', (err) => log.log('error', `${name}: socket error: ${strerror(err)}`));
      resolve(sock);
    });
  });
}

/**
 * Sends without blocking: dgram queues in libuv and calls back. The failure line is Heartbeat's
 * plugin text: "glib: bcast_write: Unable to send HBcomm packet eth1 203.0.113.127:694 len=311 [-1]:
 * Network is unreachable".
 */
export function sendUdp(sock: Socket, buf: Buffer, to: string, port: number, plugin: string, iface: string, errors: WriteErrorLimiter): void {
  const fail = (err: unknown): void => {
    const reason = strerror(err);
    errors.failed(`glib: ${plugin}_write: Unable to send HBcomm packet ${iface} ${to}:${port} len=${buf.length} [-1]: ${reason}`, reason);
  };
  try {
    sock.send(buf, port, to, (err) => (err ? fail(err) : errors.succeeded()));
  } catch (err) {
    // dgram throws synchronously on a closed socket (ERR_SOCKET_DGRAM_NOT_RUNNING).
    fail(err);
  }
}

export function closeUdp(sock: Socket | null): Promise<void> {
  if (!sock) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      sock.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
