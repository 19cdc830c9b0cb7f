// Reading and making message fields. Pure. Readers are strict and return undefined on anything
// malformed, so callers treat a bad field like a missing one.
import type { HbField, HbMessage } from './types.js';

/** A string field. */
export function str(name: string, value: string): HbField {
  return { name, type: 0, value };
}

/** A binary field (e.g. srcuuid, destuuid: 16 raw bytes). */
export function bin(name: string, value: Buffer): HbField {
  return { name, type: 1, value };
}

/** The first field with this name, of any type. */
export function field(msg: HbMessage, name: string): HbField | undefined {
  return msg.fields.find((f) => f.name === name);
}

/** The first string field with this name (Heartbeat's ha_msg_value). */
export function get(msg: HbMessage, name: string): string | undefined {
  const f = field(msg, name);
  return f !== undefined && f.type === 0 ? f.value : undefined;
}

export function has(msg: HbMessage, name: string): boolean {
  return field(msg, name) !== undefined;
}

/** Lowercase or uppercase hex without sign or prefix, up to 13 digits (safe integer). */
export function getHex(msg: HbMessage, name: string): number | undefined {
  const v = get(msg, name);
  return v !== undefined && /^[0-9a-fA-F]{1,13}$/.test(v) ? parseInt(v, 16) : undefined;
}

/** Plain decimal, up to 15 digits (ttl, protocol, NS_rexmit firstseq/lastseq). */
export function getDec(msg: HbMessage, name: string): number | undefined {
  const v = get(msg, name);
  return v !== undefined && /^[0-9]{1,15}$/.test(v) ? Number(v) : undefined;
}

/** The first binary field with this name. */
export function getBinary(msg: HbMessage, name: string): Buffer | undefined {
  const f = field(msg, name);
  return f !== undefined && f.type === 1 ? f.value : undefined;
}

/** A 16-byte binary field as a UUID string (srcuuid, destuuid), else undefined. */
export function getUuid(msg: HbMessage, name: string): string | undefined {
  const b = getBinary(msg, name);
  return b !== undefined && b.length === 16 ? uuidToString(b) : undefined;
}

export function uuidToString(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Parses "2878fb10-d17c-4d44-9da7-e45c924a23fd" (hyphens optional) into 16 bytes. */
export function uuidFromString(s: string): Buffer | undefined {
  const h = s.replace(/-/g, '');
  return /^[0-9a-fA-F]{32}$/.test(h) ? Buffer.from(h, 'hex') : undefined;
}

/** The message type `t`. */
export function msgType(msg: HbMessage): string | undefined {
  return get(msg, 't');
}

/** A copy without any field of this name (e.g. to drop `auth` before re-signing). */
export function without(msg: HbMessage, name: string): HbMessage {
  return { fields: msg.fields.filter((f) => f.name !== name) };
}
