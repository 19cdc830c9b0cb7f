// `serial DEV` with `baud N` (Heartbeat's serial.c), without native code: stty sets the line as
// serial.c's ttysetup() does, the tty is opened O_RDWR|O_NOCTTY|O_NONBLOCK, read through libuv's
// tty handle (tty.ReadStream: epoll, no threadpool thread held) and written with fs.write in
// 512-byte fragments paced at the line rate, so a stalled line never blocks the event loop.
// The line carries classic text messages only (see serial-frame.ts); from = the tty path.
import { execFile } from 'node:child_process';
import { constants, open, statSync, write } from 'node:fs';
import { ReadStream } from 'node:tty';
import { promisify } from 'node:util';
import { HaError } from '../lib/errors.js';
import type { Medium, MediumDeps, PacketHandler } from './medium.js';
import { SERIAL_FRAGSIZE, SerialFramer, fragmentDelayMs } from './serial-frame.js';
import { ttyLock, ttyUnlock } from './tty-lock.js';
import { WriteErrorLimiter, errnoCode, strerror } from './write-errors.js';

export interface SerialOptions {
  readonly device: string;
  readonly baud: number;
}

/** serial.c arms a 500 ms alarm around each fragment write. */
const FRAGMENT_TIMEOUT_MS = 500;
const EAGAIN_RETRY_MS = 10;
/** Messages waiting for a slow or stalled line; older ones are dropped first. */
const MAX_QUEUE = 32;
/** serial.c warns about a write timeout at most once an hour (RTS_WARNTIME). */
const TIMEOUT_WARN_MS = 3600 * 1000;

/**
 * stty arguments mirroring ttysetup(): raw 8N1, CREAD|CLOCAL|CRTSCTS, no echo/canon/signals,
 * input INPCK|ISTRIP|IGNCR|BRKINT without ICRNL/IXON/IXOFF/IXANY/PARMRK/IGNBRK, no OPOST,
 * VMIN 1 / VTIME 1.
 */
export function sttyArgs(device: string, baud: number): string[] {
  return [
    '-F', device, String(baud), 'raw', 'cs8', '-parenb', 'cread', 'clocal', 'crtscts', '-echo',
    '-icanon', '-isig', 'inpck', 'istrip', 'igncr', 'brkint', '-icrnl', '-ixon', '-ixoff', '-ixany',
    '-parmrk', '-ignbrk', '-opost', 'min', '1', 'time', '1',
  ];
}

export class SerialMedium implements Medium {
  readonly kind = 'serial';
  readonly format = 'classic';
  readonly name: string;
  readonly linkName: string;
  private stream: ReadStream | null = null;
  private fd = -1;
  private lockFile: string | null = null;
  private readonly queue: Buffer[] = [];
  private writing = false;
  private timer: NodeJS.Timeout | null = null;
  private lastTimeoutWarn = -Infinity;
  private readonly errors: WriteErrorLimiter;

  constructor(
    private readonly opts: SerialOptions,
    private readonly deps: MediumDeps,
  ) {
    this.name = `serial ${opts.device}`;
    this.linkName = opts.device;
    this.errors = new WriteErrorLimiter(deps.log, 'serial', opts.device);
  }

  async open(onPacket: PacketHandler): Promise<void> {
    const { device, baud } = this.opts;
    checkCharDevice(device);
    const lockFile = ttyLock(device, this.deps.lockDir ?? '/var/lock');
    try {
      try {
        await promisify(execFile)('stty', sttyArgs(device, baud));
      } catch (err) {
        const detail = String((err as { stderr?: string }).stderr ?? err).trim();
        throw new HaError('HA_E_MEDIA', `serial: cannot set tty attributes on ${device}: ${detail}`, { cause: err });
      }
      const flags = constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK;
      this.fd = await new Promise<number>((resolve, reject) =>
        open(device, flags, (err, fd) =>
          err ? reject(new HaError('HA_E_MEDIA', `serial: cannot open ${device}: ${strerror(err)}`, { cause: err })) : resolve(fd),
        ),
      );
    } catch (err) {
      ttyUnlock(lockFile);
      throw err;
    }
    this.lockFile = lockFile;
    const framer = new SerialFramer();
    const stream = new ReadStream(this.fd);
    stream.on('data', (chunk: Buffer) => {
      for (const msg of framer.push(chunk)) onPacket(msg, device);
    });
    stream.on('error', (err) => this.deps.log.log('crit', `EOF in ttygets [${device}]: ${strerror(err)} [-1]`));
    this.stream = stream;
    this.deps.log.log('info', `Starting serial heartbeat on tty ${device} (${baud} baud)`);
  }

  send(buf: Buffer): void {
    if (!this.stream) return;
    if (buf.toString('latin1', 0, 4) !== '>>>\n') {
      // serial.c re-encodes netstring as classic (and re-signs it); that needs the auth keys,
      // so the daemon must hand us classic text (Medium.format).
      const reason = 'Invalid argument';
      this.errors.failed(`glib: serial_write: ${buf.length} byte message on [${this.opts.device}] is not classic text; not sent`, reason);
      return;
    }
    if (this.queue.length >= MAX_QUEUE) this.queue.shift();
    this.queue.push(buf);
    if (!this.writing) this.pump();
  }

  private pump(): void {
    const msg = this.queue.shift();
    if (!msg || !this.stream) {
      this.writing = false;
      return;
    }
    this.writing = true;
    this.writeFrom(msg, 0, Date.now());
  }

  /** Writes msg[offset..] one fragment at a time; fragStart bounds EAGAIN retries. */
  private writeFrom(msg: Buffer, offset: number, fragStart: number): void {
    if (!this.stream) return;
    if (offset >= msg.length) {
      this.errors.succeeded();
      this.pump();
      return;
    }
    const fragEnd = Math.min(msg.length, (Math.floor(offset / SERIAL_FRAGSIZE) + 1) * SERIAL_FRAGSIZE);
    write(this.fd, msg, offset, fragEnd - offset, null, (err, n) => {
      if (!this.stream) return;
      if (err && errnoCode(err) !== 'EAGAIN') {
        const reason = strerror(err);
        this.errors.failed(`glib: TTY write failure on [${this.opts.device}]: ${reason}`, reason);
        this.pump(); // drop the rest of this message, as a failed write loses it in serial.c
        return;
      }
      const next = offset + (err ? 0 : n);
      if (next < fragEnd) {
        if (Date.now() - fragStart >= FRAGMENT_TIMEOUT_MS) return this.timedOut();
        this.later(EAGAIN_RETRY_MS, () => this.writeFrom(msg, next, fragStart));
      } else if (next < msg.length) {
        this.later(fragmentDelayMs(this.opts.baud), () => this.writeFrom(msg, next, Date.now()));
      } else {
        this.writeFrom(msg, next, fragStart);
      }
    });
  }

  private timedOut(): void {
    const now = Date.now();
    if (now - this.lastTimeoutWarn >= TIMEOUT_WARN_MS) {
      this.lastTimeoutWarn = now;
      this.deps.log.log('warn', `glib: TTY write timeout on [${this.opts.device}] (no connection or bad cable? [see documentation])`);
      this.deps.log.log('info', 'glib: See http://linux-ha.org/wiki/FAQ#TTY_timeout for details');
    }
    this.pump();
  }

  private later(ms: number, fn: () => void): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = null;
    this.queue.length = 0;
    this.writing = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (stream) {
      // Destroying the tty handle closes the fd it owns.
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.destroy();
      });
      this.fd = -1;
    }
    if (this.lockFile) ttyUnlock(this.lockFile);
    this.lockFile = null;
  }
}

function checkCharDevice(device: string): void {
  let st;
  try {
    st = statSync(device);
  } catch (err) {
    throw new HaError('HA_E_MEDIA', `serial: cannot open ${device}: ${strerror(err)}`, { cause: err });
  }
  if (!st.isCharacterDevice()) throw new HaError('HA_E_MEDIA', `serial: Serial port [${device}] not a char device`);
}
