// Heartbeat 3.0.6's message types (the `t` field), in one vocabulary: the cores name these constants
// instead of comparing strings of their own. HEARTBEAT-WIRE.md lists what each one carries.
import type { HbMessage } from './types.js';

// Membership (heartbeat.c): statuses and the unnumbered NS_* control messages.
export const STATUS = 'status';
export const NS_ST = 'NS_st';
export const NS_REXMIT = 'NS_rexmit';
export const NS_ACKMSG = 'NS_ackmsg';
// v1 resources (hb_resource.c, rc.d scripts).
export const STARTING = 'starting';
export const RESOURCE = 'resource';
export const ASK_RESOURCES = 'ask_resources';
export const HB_TAKEOVER = 'hb_takeover';
export const SHUTDONE = 'shutdone';
export const IP_REQUEST = 'ip-request';
export const IP_REQUEST_RESP = 'ip-request-resp';
export const STONITH = 'stonith';
// ipfail (contrib/ipfail) and the API status it listens to.
export const NUM_PING_NODES = 'num_ping_nodes';
export const YOU_ARE_DEAD = 'you_are_dead';
export const ABORT_GIVEUP = 'abort_giveup';
export const HBAPI_CLSTAT = 'hbapi-clstat';

export const V1_RESOURCE_TYPES = [STARTING, RESOURCE, ASK_RESOURCES, HB_TAKEOVER, SHUTDONE, IP_REQUEST, IP_REQUEST_RESP, STONITH] as const;
export type MessageType =
  | typeof STATUS
  | typeof NS_ST
  | typeof NS_REXMIT
  | typeof NS_ACKMSG
  | (typeof V1_RESOURCE_TYPES)[number]
  | typeof NUM_PING_NODES
  | typeof YOU_ARE_DEAD
  | typeof ABORT_GIVEUP
  | typeof HBAPI_CLSTAT;

/** The `t` of a message (undefined when it has none). */
export function typeOf(m: HbMessage): string | undefined {
  for (const f of m.fields) if (f.name === 't' && f.type === 0) return f.value;
  return undefined;
}
