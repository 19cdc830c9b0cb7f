// Just enough of the pcap format (tcpdump -w, Ethernet, IPv4, UDP) for the soak: when each node's
// heartbeats went out on the wire. A status message is a datagram whose payload holds `t=status`
// (our netstring `(0)t=status,` and Heartbeat's classic `t=status\n` alike).
import { readFileSync } from 'node:fs';

export interface Datagram {
  /** Capture time, ms since the epoch. */
  readonly t: number;
  readonly src: string;
  readonly dst: string;
  readonly payload: Buffer;
}

export function readPcap(path: string): Datagram[] {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return [];
  }
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20);
  const out: Datagram[] = [];
  for (let o = 24; o + 16 <= buf.length; ) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    const data = buf.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    // 1 = Ethernet, 113 = Linux cooked (SLL), 101 = raw IP.
    const ipAt = link === 1 ? 14 : link === 113 ? 16 : link === 101 ? 0 : -1;
    if (ipAt < 0 || data.length < ipAt + 28) continue;
    if (link === 1 && data.readUInt16BE(12) !== 0x0800) continue;
    const ip = data.subarray(ipAt);
    if (ip[0]! >> 4 !== 4 || ip[9] !== 17) continue;
    const ihl = (ip[0]! & 0x0f) * 4;
    const src = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    const dst = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    out.push({ t: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), src, dst, payload: ip.subarray(ihl + 8) });
  }
  return out;
}

const STATUS = Buffer.from('t=status');

export function isStatus(d: Datagram): boolean {
  return d.payload.includes(STATUS);
}
