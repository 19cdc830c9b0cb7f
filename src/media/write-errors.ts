// Heartbeat's write_child error handling (heartbeat.c): every failed write is logged until the
// 11th failure in a row, which logs "Temporarily Suppressing write error messages" and
// "Is a cable unplugged on <type> <name>?" and then stays quiet until a write succeeds or 1000
// failures have passed (then it starts reporting again). Pure counting: no timers.
import type { Log } from '../log/types.js';

/** Suppression starts at the failure that finds this many earlier consecutive failures. */
export const SUPPRESS_AFTER = 10;
/** Heartbeat resets the counter (and reports again) after this many failures. */
export const RESET_AFTER = 1000;

/** strerror(3) text for the errno codes a send can meet; Node 20 has no getSystemErrorMessage. */
const STRERROR: Readonly<Record<string, string>> = {
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  ENETDOWN: 'Network is down',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOBUFS: 'No buffer space available',
  EMSGSIZE: 'Message too long',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  ENODEV: 'No such device',
  ENOENT: 'No such file or directory',
  ECONNREFUSED: 'Connection refused',
  EAGAIN: 'Resource temporarily unavailable',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  EINVAL: 'Invalid argument',
  ENXIO: 'No such device or address',
  EBUSY: 'Device or resource busy',
};

export function errnoCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

export function strerror(err: unknown): string {
  const code = errnoCode(err);
  return STRERROR[code] ?? code;
}

export class WriteErrorLimiter {
  private failcount = 0;
  private suppressed = false;

  /** type and name as Heartbeat prints them: ("bcast", "eth1") or ("serial", "/dev/ttyS0"). */
  constructor(
    private readonly log: Log,
    private readonly type: string,
    private readonly name: string,
  ) {}

  get isSuppressed(): boolean {
    return this.suppressed;
  }

  /** pluginLine: the plugin's own ERROR line, e.g. "glib: bcast_write: Unable to send ...". */
  failed(pluginLine: string, reason: string): void {
    if (!this.suppressed) {
      this.log.log('error', pluginLine);
      this.log.log('error', `write_child: write failure on ${this.type} ${this.name}.: ${reason}`);
    }
    if (this.failcount === SUPPRESS_AFTER) {
      this.log.log('warn', 'Temporarily Suppressing write error messages');
      this.log.log('warn', `Is a cable unplugged on ${this.type} ${this.name}?`);
      this.suppressed = true;
    } else if (this.failcount >= RESET_AFTER) {
      this.failcount = 0;
      this.suppressed = false;
    }
    this.failcount++;
  }

  succeeded(): void {
    this.failcount = 0;
    this.suppressed = false;
  }
}
