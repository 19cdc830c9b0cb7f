// A Heartbeat message is an ordered list of typed fields (HEARTBEAT-WIRE.md §2).
// Order matters: the inner auth is computed over the fields in order.

export type HbField =
  | { readonly name: string; readonly type: 0; readonly value: string }
  | { readonly name: string; readonly type: 1 | 2 | 3 | 4 | 5; readonly value: Buffer };

export interface HbMessage {
  readonly fields: readonly HbField[];
}
