// Building outgoing datagrams in Heartbeat's field order and signing them
// (HEARTBEAT-WIRE.md §4.3 "Sending order", §5, §8.5). Pure: no I/O, no timers.
import type { Authkeys } from '../config/types.js';
import type { HbField, HbMessage } from './types.js';
import { sign } from './auth.js';
import { classicSignedText } from './classic.js';
import { appendTrailer, encodeNetstring } from './netstring.js';
import { bin, str } from './fields.js';
import { NS_ST, isNsType } from './types-v1.js';

export type MsgFmt = 'classic' | 'netstring';

export interface SendContext {
  /** Our node name (lower-cased uname -n). Not added when the fields already carry `src`. */
  readonly src: string;
  /** Our 16-byte node UUID. */
  readonly uuid: Buffer;
  /** Per-process message sequence number; sent in hex, left out on NS_* types. */
  readonly seq: number;
  /** Heartbeat generation (hb_generation). */
  readonly hg: number;
  /** Sender wall clock, whole seconds (time(NULL)). */
  readonly tsSec: number;
  /** First line of /proc/loadavg; left out on NS_* types. */
  readonly ld: string;
  /** hopfudge + number of nodes (ping nodes count). */
  readonly ttl: number;
  /** ha.cf `msgfmt`: classic (default) adds the inner `auth` field. */
  readonly msgfmt: MsgFmt;
  readonly authkeys: Authkeys;
  /** When the message has a `dest`: that node's UUID, inserted as (1)destuuid before src. */
  readonly destUuid?: Buffer;
}

const hex = (n: number): string => Math.trunc(n).toString(16);

/** Heartbeat leaves seq and ld out of its NS_* control messages (§5, seen on NS_ackmsg). */
export function isControlType(fields: readonly HbField[]): boolean {
  const t = fields.find((f) => f.name === 't');
  return t !== undefined && t.type === 0 && isNsType(t.value);
}

/** Appends the inner `auth` field signed over the classic text of every other field. */
export function withInnerAuth(msg: HbMessage, authkeys: Authkeys): HbMessage {
  const base = msg.fields.filter((f) => f.name !== 'auth');
  return { fields: [...base, str('auth', sign(classicSignedText({ fields: base }), authkeys))] };
}

/**
 * The logical message as Heartbeat's core completes it: type-specific fields, then destuuid,
 * src, srcuuid, seq, hg, ts, ld, ttl, then the inner auth (classic msgfmt only).
 */
export function buildMessage(fields: readonly HbField[], ctx: SendContext): HbMessage {
  const control = isControlType(fields);
  const out: HbField[] = [...fields];
  if (ctx.destUuid !== undefined) out.push(bin('destuuid', ctx.destUuid));
  if (!fields.some((f) => f.name === 'src')) out.push(str('src', ctx.src));
  out.push(bin('srcuuid', ctx.uuid));
  if (!control) out.push(str('seq', hex(ctx.seq)));
  out.push(str('hg', hex(ctx.hg)), str('ts', hex(ctx.tsSec)));
  if (!control) out.push(str('ld', ctx.ld));
  out.push(str('ttl', String(ctx.ttl)));
  const msg: HbMessage = { fields: out };
  return ctx.msgfmt === 'classic' ? withInnerAuth(msg, ctx.authkeys) : msg;
}

/**
 * Serialises a complete message to netstring and appends the outer trailer. Also what a
 * retransmission or relay of a received message uses: the inner auth is kept as it is.
 */
export function encodeMessageSigned(msg: HbMessage, authkeys: Authkeys): Buffer {
  const body = encodeNetstring(msg);
  return appendTrailer(body, sign(body, authkeys));
}

/** Builds, signs and serialises an outgoing datagram (netstring, whatever msgfmt says: §3.1). */
export function encodeSigned(fields: readonly HbField[], ctx: SendContext): Buffer {
  return encodeMessageSigned(buildMessage(fields, ctx), ctx.authkeys);
}

export interface PingContext {
  /** The ping node's address: it is the `src` of the payload. */
  readonly pingAddress: string;
  /** `ts` of the status message this ping accompanies (seconds). */
  readonly tsSec: number;
  readonly authkeys: Authkeys;
}

/**
 * The ICMP echo payload for a ping node (§8.5): NS_st with src = the ping address, no seq/hg/
 * uuid/ld, and an inner auth even with msgfmt netstring (the ping plugin adds it itself).
 */
export function buildPingPayload(ctx: PingContext): Buffer {
  const msg = withInnerAuth(
    { fields: [str('t', NS_ST), str('st', 'ping'), str('info', 'ping'), str('src', ctx.pingAddress), str('ts', hex(ctx.tsSec))] },
    ctx.authkeys,
  );
  return encodeMessageSigned(msg, ctx.authkeys);
}
