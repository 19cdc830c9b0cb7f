// Heartbeat 3.0.6's message types (the `t` field), in one vocabulary: the cores name these constants
// instead of comparing strings of their own. HEARTBEAT-WIRE.md lists what each one carries.

// Membership (heartbeat.c): statuses and the unnumbered NS_* control messages.
export const STATUS = 'status';
export const NS_ST = 'NS_st';
export const NS_REXMIT = 'NS_rexmit';
export const NS_ACKMSG = 'NS_ackmsg';
export const REQNODES = 'reqnodes';
export const REPNODES = 'repnodes';
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

/** NS_* messages are unnumbered control traffic (no seq, no ld; HEARTBEAT-WIRE.md §5). */
export function isNsType(t: string): boolean {
  return t.startsWith('NS_');
}
