// Signing and checking Heartbeat auth strings "<N> <hex>" with crc, md5 or sha1
// (HEARTBEAT-WIRE.md §4). Pure: no I/O, no timers. Reasons never carry the expected digest.
import { hash, timingSafeEqual } from 'node:crypto';
import type { AuthMethod, Authkeys } from '../config/types.js';
import type { AuthTrailer, Decoded, HbMessage } from './types.js';
import { HaError } from '../lib/errors.js';
import { parseAuthString } from './codec-common.js';
import { classicSignedText } from './classic.js';

const CRC_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/**
 * Heartbeat's crc "digest" (crc.c): CRC-32, poly 0x04C11DB7 MSB-first, init 0, final xor
 * 0xffffffff, no length folding (so not POSIX cksum), printed with %lx: no leading zeros.
 */
export function crc(bytes: Uint8Array): string {
  let c = 0;
  for (const b of bytes) c = ((c << 8) ^ CRC_TABLE[((c >>> 24) ^ b) & 0xff]!) >>> 0;
  return ((c ^ 0xffffffff) >>> 0).toString(16);
}

/** md5 and sha1 both hash in 64-byte blocks. */
const HMAC_BLOCK = 64;
const padCache = new Map<string, { readonly inner: Buffer; readonly outer: Buffer }>();

/** RFC 2104's key XOR ipad and key XOR opad, computed once per key. */
function hmacPads(alg: 'md5' | 'sha1', key: string): { readonly inner: Buffer; readonly outer: Buffer } {
  const id = `${alg}\0${key}`;
  let p = padCache.get(id);
  if (p === undefined) {
    let k = Buffer.from(key, 'utf8');
    if (k.length > HMAC_BLOCK) k = hash(alg, k, 'buffer');
    const inner = Buffer.alloc(HMAC_BLOCK, 0x36);
    const outer = Buffer.alloc(HMAC_BLOCK, 0x5c);
    for (let i = 0; i < k.length; i++) {
      inner[i] = inner[i]! ^ k[i]!;
      outer[i] = outer[i]! ^ k[i]!;
    }
    p = { inner, outer };
    padCache.set(id, p);
  }
  return p;
}

/**
 * HMAC (RFC 2104) from two one-shot hashes. Same digest as createHmac(), but a heartbeat is signed
 * or checked only a few times a second, always on cold caches, where createHmac's key and object
 * set-up costs twice the hashing (measured ~60 us against ~40 us per call).
 */
function hmac(alg: 'md5' | 'sha1', key: string, bytes: Uint8Array): string {
  const p = hmacPads(alg, key);
  return hash(alg, Buffer.concat([p.outer, hash(alg, Buffer.concat([p.inner, bytes]), 'buffer')]), 'hex');
}

export function hmacMd5(key: string, bytes: Uint8Array): string {
  return hmac('md5', key, bytes);
}

export function hmacSha1(key: string, bytes: Uint8Array): string {
  return hmac('sha1', key, bytes);
}

/** The hex digest of `bytes` for a method; crc ignores the key. */
export function digest(method: AuthMethod, key: string, bytes: Uint8Array): string {
  switch (method) {
    case 'crc':
      return crc(bytes);
    case 'md5':
      return hmacMd5(key, bytes);
    case 'sha1':
      return hmacSha1(key, bytes);
  }
}

/** Weakest first; used for the downgrade rule. */
export const METHOD_STRENGTH: Readonly<Record<AuthMethod, number>> = { crc: 0, md5: 1, sha1: 2 };

function activeEntry(authkeys: Authkeys): { method: AuthMethod; key: string } {
  const e = authkeys.keys.get(authkeys.activeIndex);
  if (e === undefined) {
    // config/ refuses such a file at start-up; reaching here is a programming error.
    throw new HaError('HA_E_AUTH', `Auth Key [${authkeys.activeIndex}] not found in keyfile [${authkeys.file}]`);
  }
  return e;
}

/** Signs with our `auth N` entry: returns the auth string "N hex". */
export function sign(bytes: Uint8Array, authkeys: Authkeys): string {
  const { method, key } = activeEntry(authkeys);
  return `${authkeys.activeIndex} ${digest(method, key, bytes)}`;
}

export type VerifyFailureCode = 'no-auth' | 'unknown-index' | 'downgrade' | 'bad-digest';

export type VerifyResult =
  | { readonly ok: true; readonly index: number; readonly method: AuthMethod }
  | { readonly ok: false; readonly code: VerifyFailureCode; readonly reason: string };

export interface VerifyOptions {
  /**
   * Accept a packet signed with a weaker method than our active one. Default false: DESIGN.md
   * promises that downgraded packets never change state. Heartbeat itself accepts them.
   */
  readonly allowDowngrade?: boolean;
}

/** Compares hex strings in time independent of where they differ. */
function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/**
 * Checks one auth string over `bytes`. The METHOD comes from the receiver's line N, as in 3.0.6
 * (§4.1); the KEY is line N's own, and then, as 3.0.6 does (its quirk), our active one. Line N's
 * own key is not in Heartbeat: it is what lets a key be rotated without downtime (README), since
 * during the switch each node sends with its own `auth` index. Every key tried is one of ours.
 * Knowingly different from Heartbeat: a method weaker than our active one is refused (downgrade).
 */
export function verifyAuth(bytes: Uint8Array, trailer: AuthTrailer, authkeys: Authkeys, opts: VerifyOptions = {}): VerifyResult {
  const line = authkeys.keys.get(trailer.index);
  if (line === undefined) {
    return { ok: false, code: 'unknown-index', reason: `unknown auth index ${trailer.index}` };
  }
  const active = activeEntry(authkeys);
  if (!opts.allowDowngrade && METHOD_STRENGTH[line.method] < METHOD_STRENGTH[active.method]) {
    return {
      ok: false,
      code: 'downgrade',
      reason: `downgrade: auth ${trailer.index} is ${line.method}, weaker than our auth ${authkeys.activeIndex} ${active.method}`,
    };
  }
  const own = sameHex(digest(line.method, line.key, bytes), trailer.digest);
  if (!own && (line.key === active.key || !sameHex(digest(line.method, active.key, bytes), trailer.digest))) {
    return { ok: false, code: 'bad-digest', reason: `authentication failed (auth ${trailer.index} ${line.method})` };
  }
  return { ok: true, index: trailer.index, method: line.method };
}

/**
 * Verifies a decoded datagram as the receiver does (§4.4): netstring by its outer trailer
 * only, classic by its inner `auth` field only.
 */
export function verifyDecoded(d: Decoded, authkeys: Authkeys, opts: VerifyOptions = {}): VerifyResult {
  if (d.trailer === null) return { ok: false, code: 'no-auth', reason: 'no auth field in classic message' };
  return verifyAuth(d.signedBytes, d.trailer, authkeys, opts);
}

/**
 * Checks the inner `auth` field of any message (§4.3). Heartbeat never checks it on netstring
 * datagrams; this is for tests and for callers that want to be stricter.
 */
export function verifyInner(msg: HbMessage, authkeys: Authkeys, opts: VerifyOptions = {}): VerifyResult {
  const f = msg.fields.find((x) => x.name === 'auth');
  const t = f !== undefined && f.type === 0 ? parseAuthString(f.value) : null;
  if (t === null) return { ok: false, code: 'no-auth', reason: 'no auth field' };
  return verifyAuth(classicSignedText(msg), t, authkeys, opts);
}
