// Classic text format `>>>\n[(t)]name=value\n...<<<\n` (HEARTBEAT-WIRE.md §2, §3.2): the FIFO
// format, an accepted UDP format, and the text the inner `auth` field signs (§4.3).
// Pure: no I/O, no timers; decoders never throw.
import type { DecodeFailure, DecodeResult, HbField, HbMessage } from './types.js';
import {
  CL_END_LINE, CL_START, MAXMSG, MAX_DEPTH, decodeBase64Strict, depthSymbol, fail, isCompressionField,
  parseAuthString, validName,
} from './codec-common.js';
import { decodeNetstringBody, encodeNetstring } from './netstring.js';

const NL = 0x0a;
/** cluster-glue renders a newline inside a string value as byte 0x13 in classic text. */
const STRING_NL = 0x13;

function swapByte(b: Buffer, from: number, to: number): Buffer {
  const out = Buffer.from(b);
  for (let i = 0; i < out.length; i++) if (out[i] === from) out[i] = to;
  return out;
}

/** Classic rendering of a value at `depth` as latin1 text (struct values are held in netstring form). */
function renderValue(f: HbField, depth: number): string {
  switch (f.type) {
    case 0:
      return f.value.replaceAll('\n', String.fromCharCode(STRING_NL));
    case 1:
    case 4:
      return f.value.toString('base64');
    case 3:
      return f.value.toString('latin1');
    case 2:
    case 5: {
      const inner = decodeNetstringBody(f.value, 0, f.value.length, depth + 1);
      if (!inner.ok) throw new TypeError(`wire: struct field [${f.name}] is not a netstring message`);
      return classicText({ fields: inner.fields }, depth + 1, true, false).replaceAll('\n', String.fromCharCode(depthSymbol(depth)));
    }
  }
}

function classicText(msg: HbMessage, depth: number, markers: boolean, skipAuth: boolean): string {
  let text = markers ? '>>>\n' : '';
  for (const f of msg.fields) {
    if (skipAuth && f.name === 'auth') continue;
    // Strings carry no "(0)" prefix; every other type does (seen in the inner auth text, §4.3).
    const head = f.type === 0 ? `${f.name}=` : `(${f.type})${f.name}=`;
    text += `${head}${renderValue(f, depth)}\n`;
  }
  return markers ? `${text}${CL_END_LINE}\n` : text;
}

/** `>>>\n...<<<\n`, as hb_standby writes to the FIFO and as a classic datagram. */
export function encodeClassic(msg: HbMessage): Buffer {
  return Buffer.from(classicText(msg, 0, true, false), 'latin1');
}

/** The inner-auth text: every field except `auth`, no markers, no NUL (§4.3). */
export function classicSignedText(msg: HbMessage): Buffer {
  return Buffer.from(classicText(msg, 0, false, true), 'latin1');
}

function parseLine(line: Buffer, depth: number): HbField | DecodeFailure {
  const eq = line.indexOf(0x3d);
  if (eq < 0) return fail('no-equals', "line without '=' in classic message");
  let nameStart = 0;
  let t = 0;
  if (line[0] === 0x28) {
    if (eq < 3 || line[2] !== 0x29) return fail('bad-type', 'bad type prefix in classic line');
    t = line[1]! - 0x30;
    if (t < 0 || t > 5) return fail('bad-type', 'bad type digit in classic line');
    nameStart = 3;
  }
  const nameBytes = line.subarray(nameStart, eq);
  if (!validName(nameBytes)) return fail('bad-name', 'bad field name in classic line');
  const name = nameBytes.toString('latin1');
  const raw = line.subarray(eq + 1);
  if (t === 4 || isCompressionField(name)) return fail('compressed', `compressed message (field ${name}) not supported`);
  switch (t) {
    case 0:
      if (raw.includes(0)) return fail('bad-value', `NUL in string field ${name}`);
      return { name, type: 0, value: swapByte(raw, STRING_NL, NL).toString('latin1') };
    case 1: {
      const b = decodeBase64Strict(raw.toString('latin1'));
      return b === null ? fail('bad-value', `bad base64 in field ${name}`) : { name, type: 1, value: b };
    }
    case 3:
      return { name, type: 3, value: Buffer.from(raw) };
    default: {
      const inner = decodeClassicAt(swapByte(raw, depthSymbol(depth), NL), depth + 1);
      if (!inner.ok) return inner;
      return { name, type: t as 2 | 5, value: encodeNetstring({ fields: inner.fields }) };
    }
  }
}

type Parsed = { readonly ok: true; readonly fields: HbField[] };

function decodeClassicAt(buf: Buffer, depth: number): Parsed | DecodeFailure {
  if (depth > MAX_DEPTH) return fail('too-deep', `structs nested deeper than ${MAX_DEPTH}`);
  if (buf.length < CL_START.length || buf.compare(CL_START, 0, 4, 0, 4) !== 0) {
    return buf.length < CL_START.length ? fail('truncated', 'truncated before >>>') : fail('unknown-framing', 'classic message does not start with >>>');
  }
  const fields: HbField[] = [];
  let p = CL_START.length;
  while (p < buf.length) {
    const nl = buf.indexOf(NL, p);
    if (nl < 0) return fail('truncated', 'truncated: classic line without newline');
    const line = buf.subarray(p, nl);
    p = nl + 1;
    if (line.length === 0) continue; // Heartbeat skips blank lines.
    if (line.toString('latin1') === CL_END_LINE) {
      return p === buf.length ? { ok: true, fields } : fail('trailing-bytes', `${buf.length - p} byte(s) after <<<`);
    }
    const f = parseLine(line, depth);
    if ('ok' in f) return f;
    fields.push(f);
  }
  return fail('truncated', 'truncated: no <<< end marker');
}

/** Decodes one classic message (FIFO line block); the whole buffer must be that message. */
export function decodeClassic(buf: Buffer): { ok: true; message: HbMessage } | DecodeFailure {
  const r = decodeClassicAt(buf, 0);
  return r.ok ? { ok: true, message: { fields: r.fields } } : r;
}

/**
 * Decodes a classic `>>>` datagram. Only its inner `auth` field can authenticate it (§4.4);
 * signedBytes is the re-rendered text Heartbeat would hash, so equivalent spellings (blank
 * lines, an explicit "(0)") sign the same, as they do in Heartbeat.
 */
export function decodeClassicDatagram(buf: Buffer): DecodeResult {
  if (buf.length > MAXMSG) return fail('oversized', `message of ${buf.length} bytes exceeds MAXMSG ${MAXMSG}`);
  const r = decodeClassic(buf);
  if (!r.ok) return r;
  const auth = r.message.fields.find((f) => f.name === 'auth');
  const trailer = auth !== undefined && auth.type === 0 ? parseAuthString(auth.value) : null;
  return { ok: true, format: 'classic', message: r.message, signedBytes: classicSignedText(r.message), signedLength: 0, trailer };
}

/**
 * Splits a byte stream (the FIFO) into classic messages. Complete blocks are decoded; `rest`
 * is the unfinished tail to keep for the next read. A bad block yields its failure in place.
 */
export function splitClassicStream(buf: Buffer): { messages: Array<{ ok: true; message: HbMessage } | DecodeFailure>; rest: Buffer } {
  const messages: Array<{ ok: true; message: HbMessage } | DecodeFailure> = [];
  const endMarker = Buffer.from(`\n${CL_END_LINE}\n`, 'latin1');
  let p = 0;
  for (;;) {
    const e = buf.indexOf(endMarker, p);
    if (e < 0) break;
    const next = e + endMarker.length;
    const start = buf.indexOf(CL_START, p);
    messages.push(start < 0 || start > e ? fail('unknown-framing', 'classic block without >>>') : decodeClassic(buf.subarray(start, next)));
    p = next;
  }
  return { messages, rest: buf.subarray(p) };
}
