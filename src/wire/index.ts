// The wire module's public surface: decode + verify received bytes, build + sign outgoing ones.
// Pure: nothing here does I/O or uses timers (STYLE.md §1).
export type * from './types.js';
export { MAXMSG, MAX_DEPTH, decodeDatagram, parseAuthString } from './message.js';
export { appendTrailer, decodeNetstringDatagram, encodeNetstring } from './netstring.js';
export { classicSignedText, decodeClassic, decodeClassicDatagram, encodeClassic, splitClassicStream } from './classic.js';
export type { VerifyFailureCode, VerifyOptions, VerifyResult } from './auth.js';
export { METHOD_STRENGTH, crc, digest, hmacMd5, hmacSha1, sign, verifyAuth, verifyDecoded, verifyInner } from './auth.js';
export type { MsgFmt, PingContext, SendContext } from './build.js';
export { buildMessage, buildPingPayload, encodeMessageSigned, encodeSigned, isControlType, withInnerAuth } from './build.js';
export {
  bin, field, get, getBinary, getDec, getHex, getUuid, has, msgType, str, uuidFromString, uuidToString, without,
} from './fields.js';
export type { Verdict } from './receive.js';
export { receiveDatagram } from './receive.js';
