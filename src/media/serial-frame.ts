// Framing of Heartbeat's serial plugin (lib/plugins/HBcomm/serial.c, 3.0.6): a serial line
// carries classic text messages, ">>>" LF *(name=value LF) "<<<" LF. The reader takes lines
// (ttygets: up to LF), skips every line until one that starts with ">>>", then collects lines up
// to one that starts with "<<<", and hands the whole text (markers included, each line ending in
// LF) to the message parser. CR is ignored (the line is set IGNCR). Pure: no I/O.

/** Heartbeat's MAXMSG: a message that grows beyond this is dropped ("exceeds MAXMSG"). */
export const SERIAL_MAXMSG = 256 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export class SerialFramer {
  private line: number[] = [];
  private frame: Buffer[] | null = null;
  private frameLen = 0;
  /** Messages dropped for size since the start (for a log line by the caller). */
  oversized = 0;

  /** Feeds bytes as read from the tty; returns the complete messages they finish. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (const byte of chunk) {
      if (byte === CR) continue;
      if (byte !== LF) {
        this.line.push(byte);
        if (this.line.length > SERIAL_MAXMSG) this.dropOversized();
        continue;
      }
      const line = Buffer.from(this.line);
      this.line = [];
      const done = this.takeLine(line);
      if (done) out.push(done);
    }
    return out;
  }

  private takeLine(line: Buffer): Buffer | null {
    const starts = (m: string): boolean => line.length >= 3 && line.toString('latin1', 0, 3) === m;
    if (starts('>>>')) {
      // Heartbeat would keep collecting and then fail to parse; a fresh ">>>" means the sender
      // restarted a message (e.g. after a write timeout flush), so we resynchronise on it.
      this.frame = [];
      this.frameLen = 0;
    } else if (this.frame === null) {
      return null; // garbage between messages: skipped, as Heartbeat does
    }
    this.frame.push(line, Buffer.from([LF]));
    this.frameLen += line.length + 1;
    if (this.frameLen >= SERIAL_MAXMSG) {
      this.dropOversized();
      return null;
    }
    if (starts('<<<')) {
      const msg = Buffer.concat(this.frame);
      this.frame = null;
      return msg;
    }
    return null;
  }

  private dropOversized(): void {
    this.oversized++;
    this.line = [];
    this.frame = null;
    this.frameLen = 0;
  }
}

/** serial.c writes in 512-byte fragments and sleeps one fragment's transmit time in between. */
export const SERIAL_FRAGSIZE = 512;

export function fragmentDelayMs(baud: number): number {
  return (SERIAL_FRAGSIZE / (baud / 8)) * 1000;
}
