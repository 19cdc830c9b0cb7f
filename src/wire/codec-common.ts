// Pieces shared by the netstring and classic codecs: limits, field-name and auth-string rules.
// Pure: no I/O, no timers.
import type { AuthTrailer, DecodeErrorCode, DecodeFailure } from './types.js';

/** Heartbeat's receive buffer (ha_msg.h MAXMSG): larger datagrams are refused. */
export const MAXMSG = 256 * 1024;

/**
 * Deepest struct nesting we accept. Classic rendering has 16 distinct newline stand-ins
 * (0x14..0x1f, then 0x0f..0x12), so deeper structs cannot be expressed there anyway.
 */
export const MAX_DEPTH = 16;

export const NS_START = Buffer.from('###\n', 'latin1');
export const NS_END = Buffer.from('%%%\n', 'latin1');
export const CL_START = Buffer.from('>>>\n', 'latin1');
export const CL_END_LINE = '<<<';

export function fail(code: DecodeErrorCode, reason: string): DecodeFailure {
  return { ok: false, code, reason };
}

const NAME_RE = /^[\x21-\x3c\x3e-\x7e]{1,255}$/;

/**
 * Names: printable ASCII without '=' (Heartbeat splits on the first '='). Heartbeat itself is
 * laxer (any byte but '=' and NUL); we are stricter because no real message needs more.
 */
export function validName(name: Buffer | string): boolean {
  return NAME_RE.test(typeof name === 'string' ? name : name.toString('latin1'));
}

/** Field names the decoders treat as "compressed payload, not supported" (§3.4). */
export function isCompressionField(name: string): boolean {
  return name === '_compressed_payload';
}

const AUTH_RE = /^(0|[1-9][0-9]{0,2}) ([0-9a-f]{1,128})$/;

/**
 * Parses an auth string `"<N> <hexdigest>"` (§4.2). Strict: decimal index without leading
 * zeros, one space, lowercase hex (Heartbeat compares the hex with strcmp, so uppercase never
 * matches there either).
 */
export function parseAuthString(s: string): AuthTrailer | null {
  const m = AUTH_RE.exec(s);
  if (m === null || m[1] === undefined || m[2] === undefined) return null;
  return { index: Number(m[1]), digest: m[2] };
}

/** Newline stand-in for a struct value rendered in classic format at `depth` (§2). */
export function depthSymbol(depth: number): number {
  return depth < 12 ? 0x14 + depth : 0x0f + (depth - 12);
}

/** Strict base64: standard alphabet with padding, and canonical (re-encodes to itself). */
export function decodeBase64Strict(s: string): Buffer | null {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : null;
}
