// Small helpers to read and build HbMessage fields. Pure.
import type { HbField, HbMessage } from '../wire/types.js';

/** Value of the first string (type 0) field with this name. */
export function str(msg: HbMessage, name: string): string | undefined {
  for (const f of msg.fields) {
    if (f.name === name) return f.type === 0 ? f.value : undefined;
  }
  return undefined;
}

/** Value of the first binary (type 1) field with this name. */
export function bin(msg: HbMessage, name: string): Buffer | undefined {
  for (const f of msg.fields) {
    if (f.name === name) return f.type === 1 ? f.value : undefined;
  }
  return undefined;
}

/** Strict lower/upper-case hex, as Heartbeat writes seq, hg, ts, dt (at most 13 digits: a safe integer). */
export function parseHex(s: string | undefined): number | undefined {
  if (s === undefined || !/^[0-9a-fA-F]{1,13}$/.test(s)) return undefined;
  return parseInt(s, 16);
}

/** Strict decimal (NS_rexmit firstseq/lastseq, protocol). */
export function parseDec(s: string | undefined): number | undefined {
  if (s === undefined || !/^[0-9]{1,15}$/.test(s)) return undefined;
  return Number(s);
}

export function field(name: string, value: string): HbField {
  return { name, type: 0, value };
}

/** Build type-specific fields from [name, value] pairs, keeping their order. */
export function fields(...pairs: [string, string][]): HbField[] {
  return pairs.map(([n, v]) => field(n, v));
}

export const hex = (n: number): string => n.toString(16);
