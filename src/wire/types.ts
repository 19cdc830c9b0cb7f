// A Heartbeat message is an ordered list of typed fields (HEARTBEAT-WIRE.md §2).
// Order matters: the inner auth is computed over the fields in order.

export type HbField =
  | { readonly name: string; readonly type: 0; readonly value: string }
  | { readonly name: string; readonly type: 1 | 2 | 3 | 4 | 5; readonly value: Buffer };

export interface HbMessage {
  readonly fields: readonly HbField[];
}

/** How a datagram was framed: `###\n` netstring or `>>>\n` classic (HEARTBEAT-WIRE.md §3). */
export type WireFormat = 'netstring' | 'classic';

/** The outer auth trailer `len:N hex,` of a netstring datagram (§4.3). */
export interface AuthTrailer {
  readonly index: number;
  readonly digest: string;
}

/** Why a datagram could not be decoded. Branch on `code`; `reason` is for the log. */
export type DecodeErrorCode =
  | 'truncated'
  | 'bad-length'
  | 'missing-comma'
  | 'bad-type'
  | 'no-equals'
  | 'bad-name'
  | 'bad-value'
  | 'oversized'
  | 'unknown-framing'
  | 'compressed'
  | 'too-deep'
  | 'bad-trailer'
  | 'trailing-bytes';

export interface DecodeFailure {
  readonly ok: false;
  readonly code: DecodeErrorCode;
  readonly reason: string;
}

export interface Decoded {
  readonly ok: true;
  readonly format: WireFormat;
  readonly message: HbMessage;
  /**
   * The bytes the signature covers. Netstring: the datagram from `###\n` through `%%%\n`
   * (outer auth). Classic: the marker-less classic text of every field but `auth` (inner auth).
   */
  readonly signedBytes: Buffer;
  /** Netstring: the datagram prefix length covered by the trailer. Classic: 0. */
  readonly signedLength: number;
  /** Netstring: the outer trailer. Classic: the inner `auth` field parsed, or null when absent. */
  readonly trailer: AuthTrailer | null;
}

export type DecodeResult = Decoded | DecodeFailure;
