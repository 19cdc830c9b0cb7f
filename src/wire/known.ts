// The last few datagrams known to be authentic, by their exact bytes: the ones we sent and the ones
// we verified. Every heartbeat arrives more than once (the same bytes on each medium, and our own
// broadcast looped back), and identical bytes carry an identical signature, so a copy needs neither
// decoding nor another HMAC. Replays are still caught: the message goes on to the sequence check.
// Pure: no I/O, no timers.
import type { HbMessage } from './types.js';

export interface KnownDatagram {
  readonly message: HbMessage;
  /** We sent it: a copy is our own broadcast looped back. */
  readonly own: boolean;
}

export class KnownDatagrams {
  private readonly bytes: (Buffer | undefined)[];
  private readonly entries: (KnownDatagram | undefined)[];
  private next = 0;

  constructor(size = 8) {
    this.bytes = new Array<Buffer | undefined>(size);
    this.entries = new Array<KnownDatagram | undefined>(size);
  }

  /** Remembers an authentic datagram and its message, forgetting the oldest. */
  add(buf: Buffer, message: HbMessage, own = false): void {
    this.bytes[this.next] = buf;
    this.entries[this.next] = { message, own };
    this.next = (this.next + 1) % this.bytes.length;
  }

  clear(): void {
    this.bytes.fill(undefined);
    this.entries.fill(undefined);
  }

  /** A remembered datagram with exactly these bytes. */
  find(buf: Buffer): KnownDatagram | undefined {
    for (let i = 0; i < this.bytes.length; i++) {
      const b = this.bytes[i];
      if (b !== undefined && b.length === buf.length && b.equals(buf)) return this.entries[i];
    }
    return undefined;
  }
}
