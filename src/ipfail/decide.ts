// ipfail's decision core: compare ping reachability with the peer and decide when this node gives its
// resource groups away. Speaks ipfail's client messages (num_ping_nodes, you_are_dead, abort_giveup,
// from_id=ipfail/to_id=ipfail) so a real Heartbeat ipfail on the other node understands us.
// Pure: no I/O, no timers.
//
// Rule (ours; Heartbeat's ipfail gives up after a 2-keepalive "delayed giveup" and has no guard
// against flapping):
// - Leaving is quick but debounced twice: a ping node is lost only after deadping without a reply
//   (ping-nodes.ts), and we give all our groups to the peer only when it has been strictly better
//   for confirmMs (2 keepalives, at least 400 ms) without interruption. The confirmation absorbs the
//   skew between two nodes noticing the same router loss (their last replies differ by up to one
//   keepalive), so "both lost the same" moves nothing.
// - No move within minMoveIntervalMs (30 s) of the last one (ours, a foreign giveback, or any change
//   of our stable rscstatus class): a flapping router moves the VIP at most once per 30 s.
// - Coming back is slow: with auto_failback on, equal counts held for holdDownMs = max(deadping, 3 s)
//   (and the 30 s interval) make the holder of foreign groups give them back. With it off, nothing.
import type { AutoFailback } from '../config/types.js';
import type { Level } from '../log/types.js';
import type { HbMessage } from '../wire/types.js';
import { ABORT_GIVEUP, HBAPI_CLSTAT, NUM_PING_NODES, YOU_ARE_DEAD } from '../wire/types-v1.js';

export interface DecideConfig {
  readonly thisNode: string;
  readonly peer: string;
  readonly autoFailback: AutoFailback;
  /** How long the peer must be strictly better before we give up (after deadping already ran). */
  readonly confirmMs: number;
  /** How long counts must be equal again before auto_failback gives foreign groups back. */
  readonly holdDownMs: number;
  readonly minMoveIntervalMs: number;
}

export function decideConfig(
  thisNode: string,
  peer: string,
  autoFailback: AutoFailback,
  deadpingMs: number,
  keepaliveMs = 1000,
): DecideConfig {
  return {
    thisNode,
    peer,
    autoFailback,
    confirmMs: Math.max(2 * keepaliveMs, 400),
    holdDownMs: Math.max(deadpingMs, 3000),
    minMoveIntervalMs: 30_000,
  };
}

export type RscClass = 'none' | 'local' | 'foreign' | 'all' | 'transition';

export type DecideEvent =
  | { readonly kind: 'local-count'; readonly at: number; readonly up: number; readonly total: number }
  | { readonly kind: 'peer-status'; readonly at: number; readonly active: boolean }
  | { readonly kind: 'rscstatus'; readonly at: number; readonly value: RscClass }
  /** An API client message from the peer (num_ping_nodes, you_are_dead, abort_giveup, hbapi-clstat). */
  | { readonly kind: 'message'; readonly at: number; readonly from: string; readonly msg: HbMessage }
  | { readonly kind: 'tick'; readonly at: number };

export type DecideEffect =
  | { readonly kind: 'send'; readonly msg: HbMessage }
  | { readonly kind: 'log'; readonly level: Level; readonly text: string }
  /** Tell the planner: ipfail-giveup (ask_resources rsc_hold=which info=me, from ipfail). */
  | { readonly kind: 'giveup'; readonly which: 'all' | 'foreign' }
  | { readonly kind: 'wake-at'; readonly at: number };

export interface DecideState {
  readonly cfg: DecideConfig;
  readonly localUp: number;
  readonly total: number;
  /** Peer's count from num_ping_nodes; null when unknown (or stale after a you_are_dead). */
  readonly peerUp: number | null;
  /** The peer said you_are_dead and we have not seen our count rise since. */
  readonly peerSaysBetter: boolean;
  readonly peerActive: boolean;
  readonly rsc: RscClass;
  readonly lastClass: RscClass | null;
  readonly betterSince: number | null;
  readonly worseSince: number | null;
  readonly equalSince: number | null;
  readonly lastMoveAt: number | null;
  readonly lastSent: number | null;
  readonly toldDead: boolean;
}

export function initDecide(cfg: DecideConfig, total: number): DecideState {
  return {
    cfg,
    localUp: 0,
    total,
    peerUp: null,
    peerSaysBetter: false,
    peerActive: false,
    rsc: 'transition',
    lastClass: null,
    betterSince: null,
    worseSince: null,
    equalSince: null,
    lastMoveAt: null,
    lastSent: null,
    toldDead: false,
  };
}

type Mut = { -readonly [K in keyof DecideState]: DecideState[K] };
interface Ctx {
  readonly s: Mut;
  readonly fx: DecideEffect[];
  readonly at: number;
}

function clientMsg(c: Ctx, t: string, extra: readonly (readonly [string, string])[], withSrc: boolean): void {
  const pairs: (readonly [string, string])[] = [['t', t]];
  if (withSrc) pairs.push(['src', c.s.cfg.thisNode]);
  pairs.push(...extra, ['dest', c.s.cfg.peer], ['from_id', 'ipfail'], ['to_id', 'ipfail'], ['client_gen', '0']);
  c.fx.push({ kind: 'send', msg: { fields: pairs.map(([name, value]) => ({ name, type: 0 as const, value })) } });
}

const log = (c: Ctx, level: Level, text: string): void => {
  c.fx.push({ kind: 'log', level, text });
};

function sendCount(c: Ctx): void {
  if (!c.s.peerActive) return;
  log(c, 'info', 'Asking other side for ping node count.');
  clientMsg(c, NUM_PING_NODES, [['num_ping', String(c.s.localUp)]], true);
  c.s.lastSent = c.s.localUp;
}

export function stepDecide(state: DecideState, e: DecideEvent): { state: DecideState; effects: DecideEffect[] } {
  const c: Ctx = { s: { ...state }, fx: [], at: e.at };
  const s = c.s;
  switch (e.kind) {
    case 'local-count': {
      const rose = e.up > s.localUp;
      s.total = e.total;
      if (e.up !== s.localUp) {
        s.localUp = e.up;
        if (rose) s.peerSaysBetter = false; // their you_are_dead was about our old count
        sendCount(c);
      }
      break;
    }
    case 'peer-status':
      if (e.active && !s.peerActive) {
        s.peerActive = true;
        sendCount(c);
      } else if (!e.active) {
        Object.assign(s, { peerActive: false, peerUp: null, peerSaysBetter: false, toldDead: false });
      }
      break;
    case 'rscstatus':
      if (e.value !== 'transition') {
        if (s.lastClass !== null && s.lastClass !== e.value) s.lastMoveAt = e.at;
        s.lastClass = e.value;
      }
      s.rsc = e.value;
      break;
    case 'message':
      if (e.from === s.cfg.peer) onMessage(c, e.msg);
      break;
    case 'tick':
      break;
  }
  evaluate(c);
  const wake = nextWake(s, e.at);
  if (wake !== null) c.fx.push({ kind: 'wake-at', at: wake });
  return { state: s, effects: c.fx };
}

function onMessage(c: Ctx, m: HbMessage): void {
  const s = c.s;
  const f = new Map(m.fields.filter((x) => x.type === 0).map((x) => [x.name, x.value] as [string, string]));
  switch (f.get('t')) {
    case NUM_PING_NODES: {
      const n = Number.parseInt(f.get('num_ping') ?? '', 10);
      if (!Number.isFinite(n)) return;
      const changed = n !== s.peerUp;
      s.peerUp = n;
      s.peerSaysBetter = false;
      s.peerActive = true;
      if (n === s.localUp) {
        log(c, 'info', 'Ping node count is balanced.');
        clientMsg(c, ABORT_GIVEUP, [], true);
      } else if (n < s.localUp && !s.toldDead) {
        // As Heartbeat's ipfail answers a lower count: at once. A real ipfail restarts its 2 s
        // "delayed giveup" on every you_are_dead, so a late one would only slow it down.
        tellDead(c);
      }
      // Answer with our own count once per change, so two of us converge without ping-pong
      // (a real ipfail never answers with a count, so nothing loops either).
      if (changed || s.lastSent !== s.localUp) sendCount(c);
      return;
    }
    case YOU_ARE_DEAD:
      log(c, 'info', `${s.cfg.peer} says it sees more ping nodes than our ${s.localUp} of ${s.total}.`);
      s.peerSaysBetter = true;
      if (s.peerUp !== null && s.peerUp <= s.localUp) s.peerUp = null;
      return;
    case ABORT_GIVEUP:
      s.peerSaysBetter = false;
      return;
    case HBAPI_CLSTAT:
      if (f.get('st') === 'join' && f.get('from_id') === 'ipfail') sendCount(c);
      return;
    default:
      return;
  }
}

/** For a real ipfail peer, which gives up (after its 2 s delay) on this message. */
function tellDead(c: Ctx): void {
  log(c, 'info', 'Telling other node that we have more visible ping nodes.');
  clientMsg(c, YOU_ARE_DEAD, [], false);
  c.s.toldDead = true;
}

function evaluate(c: Ctx): void {
  const s = c.s;
  const at = c.at;
  const known = s.peerUp !== null;
  const better = s.peerActive && (known ? (s.peerUp as number) > s.localUp : s.peerSaysBetter);
  const worse = s.peerActive && known && (s.peerUp as number) < s.localUp;
  const equal = s.peerActive && known && s.peerUp === s.localUp;
  s.betterSince = better ? (s.betterSince ?? at) : null;
  s.worseSince = worse ? (s.worseSince ?? at) : null;
  s.equalSince = equal ? (s.equalSince ?? at) : null;
  if (!worse) s.toldDead = false;
  const moveOk = s.lastMoveAt === null || at - s.lastMoveAt >= s.cfg.minMoveIntervalMs;
  const stable = s.rsc !== 'transition';
  if (s.betterSince !== null && at - s.betterSince >= s.cfg.confirmMs && moveOk && stable && s.rsc !== 'none') {
    const theirs = known ? `${s.peerUp} of ${s.total}` : `more than ${s.localUp} of ${s.total}`;
    log(c, 'info', `${s.cfg.peer} has better connectivity: ${theirs} ping nodes vs ${s.localUp} of ${s.total}`);
    c.fx.push({ kind: 'giveup', which: 'all' });
    s.lastMoveAt = at;
    s.betterSince = null;
    return;
  }
  if (s.worseSince !== null && at - s.worseSince >= s.cfg.confirmMs && !s.toldDead) {
    tellDead(c); // our count rose above the peer's known one
  }
  const holdsForeign = s.rsc === 'foreign' || s.rsc === 'all';
  if (s.cfg.autoFailback === 'on' && holdsForeign && s.equalSince !== null && at - s.equalSince >= s.cfg.holdDownMs && moveOk) {
    log(c, 'info', 'Giving up foreign resources (auto_failback).');
    c.fx.push({ kind: 'giveup', which: 'foreign' });
    s.lastMoveAt = at;
  }
}

function nextWake(s: Mut, at: number): number | null {
  const ts: number[] = [];
  if (s.betterSince !== null) ts.push(s.betterSince + s.cfg.confirmMs);
  if (s.worseSince !== null) ts.push(s.worseSince + s.cfg.confirmMs);
  if (s.equalSince !== null) ts.push(s.equalSince + s.cfg.holdDownMs);
  if (s.lastMoveAt !== null) ts.push(s.lastMoveAt + s.cfg.minMoveIntervalMs);
  const future = ts.filter((t) => t > at);
  return future.length === 0 ? null : Math.min(...future);
}
