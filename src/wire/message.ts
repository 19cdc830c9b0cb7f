// Datagram entry point: dispatch on the first 4 bytes like cluster-glue's wirefmt2msg
// (HEARTBEAT-WIRE.md §3.1). Pure: no I/O, no timers; never throws.
import type { DecodeResult } from './types.js';
import { CL_START, MAXMSG, NS_START, fail } from './codec-common.js';
import { decodeNetstringDatagram } from './netstring.js';
import { decodeClassicDatagram } from './classic.js';

export { MAXMSG, MAX_DEPTH, parseAuthString } from './codec-common.js';

/** Decodes a received datagram (UDP payload or ICMP echo payload) without checking auth. */
export function decodeDatagram(buf: Buffer): DecodeResult {
  if (buf.length > MAXMSG) return fail('oversized', `message of ${buf.length} bytes exceeds MAXMSG ${MAXMSG}`);
  const head = buf.subarray(0, 4);
  if (head.length < 4) {
    const prefix = NS_START.subarray(0, head.length).equals(head) || CL_START.subarray(0, head.length).equals(head);
    return prefix ? fail('truncated', `truncated: ${buf.length} byte(s)`) : fail('unknown-framing', 'unknown message framing');
  }
  if (head.equals(NS_START)) return decodeNetstringDatagram(buf);
  if (head.equals(CL_START)) return decodeClassicDatagram(buf);
  return fail('unknown-framing', 'unknown message framing');
}
