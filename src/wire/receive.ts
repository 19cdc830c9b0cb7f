// One call from received bytes to a verdict: decode, then authenticate as the receiver does
// (HEARTBEAT-WIRE.md §4.4). Pure: no I/O, no timers, never throws on any input. This is also
// the fuzz target (test/unit/wire/fuzz.test.ts); later stages extend it by taking its verdict.
import type { AuthMethod, Authkeys } from '../config/types.js';
import type { DecodeErrorCode, Decoded, WireFormat } from './types.js';
import type { VerifyFailureCode, VerifyOptions } from './auth.js';
import { verifyDecoded } from './auth.js';
import { decodeDatagram } from './message.js';

export type Verdict =
  | {
      readonly ok: true;
      readonly decoded: Decoded;
      readonly format: WireFormat;
      readonly authIndex: number;
      /** The method that authenticated it: callers warn once when it is crc (DESIGN.md). */
      readonly method: AuthMethod;
    }
  | { readonly ok: false; readonly stage: 'decode'; readonly code: DecodeErrorCode; readonly reason: string }
  | { readonly ok: false; readonly stage: 'auth'; readonly code: VerifyFailureCode; readonly reason: string; readonly decoded: Decoded };

/**
 * Decodes and authenticates a datagram. A failure carries a reason fit for the log: it names
 * what was wrong, never the digest the packet should have carried.
 */
export function receiveDatagram(buf: Buffer, authkeys: Authkeys, opts: VerifyOptions = {}): Verdict {
  const d = decodeDatagram(buf);
  if (!d.ok) return { ok: false, stage: 'decode', code: d.code, reason: d.reason };
  const v = verifyDecoded(d, authkeys, opts);
  if (!v.ok) return { ok: false, stage: 'auth', code: v.code, reason: v.reason, decoded: d };
  return { ok: true, decoded: d, format: d.format, authIndex: v.index, method: v.method };
}
