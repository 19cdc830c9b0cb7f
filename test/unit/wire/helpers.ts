// Shared test data for wire tests: the capture authkeys and the fixture files (copied from
// ../shared/protocol/captures so CI never reads outside the repo).
import { readFileSync } from 'node:fs';
import type { AuthKey, Authkeys } from '../../../src/config/types.js';

function keys(activeIndex: number, entries: Array<[number, AuthKey]>): Authkeys {
  return { file: '/etc/ha.d/authkeys', activeIndex, keys: new Map(entries) };
}

/** config/base/authkeys: `auth 1` / `1 sha1 wfTestKey`. */
export const BASE_KEYS = keys(1, [[1, { method: 'sha1', key: 'wfTestKey' }]]);
/** config/authkeys.md5: `auth 3` / `1 crc` / `3 md5 Md5-Secret key` (key is the first token). */
export const MD5_KEYS = keys(3, [[1, { method: 'crc', key: '' }], [3, { method: 'md5', key: 'Md5-Secret' }]]);
/** config/authkeys.crc: `auth 2` / `2 crc`. */
export const CRC_KEYS = keys(2, [[2, { method: 'crc', key: '' }]]);

export const KEYS = { base: BASE_KEYS, md5: MD5_KEYS, crc: CRC_KEYS } as const;

export function makeKeys(activeIndex: number, entries: Array<[number, AuthKey]>): Authkeys {
  return keys(activeIndex, entries);
}

export interface AuthVector {
  source: string;
  carrier: string;
  method: 'crc' | 'md5' | 'sha1';
  key: string;
  packet_hex: string;
  outer_signed_len: number;
  outer_auth: string;
  inner_signed_text?: string;
  inner_auth?: string;
}

export interface CapturedDatagram {
  scenario: string;
  carrier: 'udp' | 'icmp-echo';
  keys: keyof typeof KEYS;
  expect: 'ok' | 'bad';
  hex: string;
}

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/wire/${name}`, import.meta.url), 'utf8');

export const AUTH_VECTORS: readonly AuthVector[] = JSON.parse(fixture('auth-test-vectors.json')) as AuthVector[];
export const CAPTURED: readonly CapturedDatagram[] = JSON.parse(fixture('captured-datagrams.json')) as CapturedDatagram[];

/** Authkeys that match a vector's method/key with the index its auth string names. */
export function keysForVector(v: AuthVector): Authkeys {
  const index = Number(v.outer_auth.split(' ')[0]);
  return keys(index, [[index, { method: v.method, key: v.key }]]);
}

/** "###\n..." with \n and \xNN escapes, as written in HEARTBEAT-WIRE.md, to bytes. */
export function bytes(s: string): Buffer {
  return Buffer.from(s.replace(/\\n/g, '\n'), 'latin1');
}
