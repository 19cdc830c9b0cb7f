// Netstring framing `###\n len:(t)name=value, ... %%%\n len:N hex,` (HEARTBEAT-WIRE.md §3.1),
// the format every real 3.0.6 datagram uses. Pure: no I/O, no timers; decoders never throw.
import type { DecodeFailure, DecodeResult, HbField, HbMessage } from './types.js';
import {
  MAXMSG, MAX_DEPTH, NS_END, NS_START, fail, isCompressionField, parseAuthString, validName,
} from './codec-common.js';

/** One field's value as latin1 text: one char per byte, so its length is its size on the wire. */
function valueText(f: HbField): string {
  return f.type === 0 ? f.value : f.value.toString('latin1');
}

function assertEncodable(f: HbField): void {
  if (!validName(f.name)) throw new TypeError(`wire: bad field name [${f.name}]`);
  if (f.type === 0 && /[^\u0001-\u00ff]/.test(f.value)) {
    // String values are byte strings (one char per byte, latin1); NUL would cut a C string.
    throw new TypeError(`wire: field [${f.name}] has a character outside 0x01..0xff`);
  }
}

// Encoding builds one latin1 string and converts it once: a heartbeat is sent every keepalive,
// and a Buffer per piece made most of its cost.

/** One field as `len:(t)name=value,`. */
function fieldText(f: HbField): string {
  assertEncodable(f);
  const body = `(${f.type})${f.name}=${valueText(f)}`;
  return `${body.length}:${body},`;
}

/** The netstring body `###\n...%%%\n`, without auth trailer (also the form of a struct value). */
export function encodeNetstring(msg: HbMessage): Buffer {
  let text = '###\n';
  for (const f of msg.fields) text += fieldText(f);
  return Buffer.from(`${text}%%%\n`, 'latin1');
}

/** Appends the outer trailer `len:authstring,` to a netstring body. */
export function appendTrailer(body: Buffer, authString: string): Buffer {
  return Buffer.concat([body, Buffer.from(`${authString.length}:${authString},`, 'latin1')]);
}

type Span = { readonly start: number; readonly end: number; readonly next: number };

// Decoding works on the datagram as latin1 text (one char per byte, so offsets are byte offsets):
// string builtins instead of a JavaScript loop per byte and a Buffer view per piece. Received
// heartbeats are decoded a few times a second on cold caches, where that difference is most of
// the cost.

const NS_START_TEXT = NS_START.toString('latin1');
const NS_END_TEXT = NS_END.toString('latin1');
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * Reads one `len:bytes,` netstring at `pos` within text[0..limit). Strict: 1-7 digits, no
 * leading zeros, ':' right after the digits, the declared bytes inside the limit, then ','.
 */
function readNetstring(text: string, pos: number, limit: number): Span | DecodeFailure {
  let p = pos;
  while (p < limit && p - pos < 8) {
    const c = text.charCodeAt(p);
    if (c < DIGIT_0 || c > DIGIT_9) break;
    p++;
  }
  if (p === limit) return fail('truncated', `truncated in a length at offset ${pos}`);
  if (p === pos) return fail('bad-length', `expected a decimal length at offset ${pos}`);
  if (p - pos > 7) return fail('bad-length', `length too long at offset ${pos}`);
  if (text.charCodeAt(pos) === DIGIT_0 && p - pos > 1) return fail('bad-length', `length with leading zero at offset ${pos}`);
  if (text.charCodeAt(p) !== 0x3a) return fail('bad-length', `expected ':' after the length at offset ${p}`);
  const len = Number(text.slice(pos, p));
  const start = p + 1;
  if (len > limit - start - 1) {
    return fail('truncated', `truncated: length ${len} at offset ${pos} runs past the end`);
  }
  if (text.charCodeAt(start + len) !== 0x2c) return fail('missing-comma', `missing ',' after field at offset ${pos}`);
  return { start, end: start + len, next: start + len + 1 };
}

/** Parses `(t)name=value` into a field; struct values are checked recursively. */
function parseField(text: string, sp: Span, depth: number): HbField | DecodeFailure {
  const { start, end } = sp;
  if (end - start < 3 || text.charCodeAt(start) !== 0x28 || text.charCodeAt(start + 2) !== 0x29) {
    return fail('bad-type', `bad type prefix at offset ${start}`);
  }
  const t = text.charCodeAt(start + 1) - DIGIT_0;
  if (t < 0 || t > 5) return fail('bad-type', `bad type digit at offset ${start + 1}`);
  const eq = text.indexOf('=', start + 3);
  if (eq < 0 || eq >= end) return fail('no-equals', `no '=' in field at offset ${start}`);
  const name = text.slice(start + 3, eq);
  if (!validName(name)) return fail('bad-name', `bad field name at offset ${start + 3}`);
  const raw = text.slice(eq + 1, end);
  if (t === 4 || isCompressionField(name)) {
    return fail('compressed', `compressed message (field ${name}) not supported`);
  }
  if (t === 0) {
    if (raw.includes('\0')) return fail('bad-value', `NUL in string field ${name}`);
    return { name, type: 0, value: raw };
  }
  if (t === 2 || t === 5) {
    const inner = bodyOf(raw, 0, raw.length, depth + 1);
    if (!inner.ok) return inner;
    if (inner.next !== raw.length) return fail('trailing-bytes', `bytes after struct in field ${name}`);
  }
  return { name, type: t as 1 | 2 | 3 | 5, value: Buffer.from(raw, 'latin1') };
}

type Body = { readonly ok: true; readonly fields: HbField[]; readonly next: number };

function bodyOf(text: string, pos: number, limit: number, depth: number): Body | DecodeFailure {
  if (depth > MAX_DEPTH) return fail('too-deep', `structs nested deeper than ${MAX_DEPTH}`);
  if (!text.startsWith(NS_START_TEXT, pos)) {
    return limit - pos < NS_START_TEXT.length ? fail('truncated', 'truncated before ###') : fail('unknown-framing', 'struct does not start with ###');
  }
  const fields: HbField[] = [];
  let p = pos + NS_START_TEXT.length;
  for (;;) {
    if (p >= limit) return fail('truncated', 'truncated: no %%% end marker');
    if (p + NS_END_TEXT.length <= limit && text.startsWith(NS_END_TEXT, p)) return { ok: true, fields, next: p + NS_END_TEXT.length };
    const s = readNetstring(text, p, limit);
    if ('ok' in s) return s;
    const f = parseField(text, s, depth);
    if ('ok' in f) return f;
    fields.push(f);
    p = s.next;
  }
}

/**
 * Parses `###\n fields %%%\n` starting at `pos`; `next` is the offset after `%%%\n`.
 * Exported for struct values and for tests; datagrams go through decodeNetstringDatagram.
 */
export function decodeNetstringBody(buf: Buffer, pos: number, limit: number, depth: number): Body | DecodeFailure {
  return bodyOf(buf.toString('latin1'), pos, limit, depth);
}

/** Decodes a whole `###\n` datagram: body, then exactly one auth trailer, then nothing. */
export function decodeNetstringDatagram(buf: Buffer): DecodeResult {
  if (buf.length > MAXMSG) return fail('oversized', `message of ${buf.length} bytes exceeds MAXMSG ${MAXMSG}`);
  const text = buf.toString('latin1');
  const body = bodyOf(text, 0, text.length, 0);
  if (!body.ok) return body;
  if (body.next === text.length) return fail('truncated', 'truncated: no auth trailer');
  const s = readNetstring(text, body.next, text.length);
  if ('ok' in s) return s.code === 'truncated' ? s : fail('bad-trailer', `bad auth trailer: ${s.reason}`);
  const trailer = parseAuthString(text.slice(s.start, s.end));
  if (trailer === null) return fail('bad-trailer', 'bad auth trailer: not "<index> <hex digest>"');
  if (s.next !== text.length) return fail('trailing-bytes', `${text.length - s.next} byte(s) after the auth trailer`);
  const message: HbMessage = { fields: body.fields };
  return {
    ok: true,
    format: 'netstring',
    message,
    signedBytes: buf.subarray(0, body.next),
    signedLength: body.next,
    trailer,
  };
}
