// Test helpers for the membership core: a two-node cluster (alpha, bravo) with a ping node, like the captures.
import { Membership } from '../../../src/membership/cluster.js';
import type { Effect, MembershipConfig, MembershipEvent } from '../../../src/membership/types.js';
import type { HbField, HbMessage } from '../../../src/wire/types.js';
import { LEVEL_WORD } from '../../../src/log/types.js';

export const PING = '203.0.113.62';
export const HG_B = 0x6b01fea9;

/** Deterministic rng: a fixed value unless a sequence is given. */
export function fixedRng(...values: number[]): () => number {
  let i = 0;
  return () => (values.length ? (values[i++ % values.length] as number) : 0.5);
}

export function config(over: Partial<MembershipConfig> = {}): MembershipConfig {
  return {
    thisNode: 'alpha',
    nodes: ['alpha', 'bravo'],
    pingNodes: [PING],
    links: ['eth0', 'eth1'],
    keepaliveMs: 1000,
    deadtimeMs: 6000,
    warntimeMs: 3000,
    initdeadMs: 12000,
    deadpingMs: 6000,
    autojoin: 'none',
    generation: 0x6b01fea6,
    rng: fixedRng(),
    ...over,
  };
}

export function msg(pairs: Record<string, string>): HbMessage {
  const fields: HbField[] = Object.entries(pairs).map(([name, value]) => ({ name, type: 0, value }));
  return { fields };
}

/** A status message from bravo as the real one sends it. */
export function status(seq: number, extra: Record<string, string> = {}, src = 'bravo', hg = HG_B): HbMessage {
  return msg({ t: 'status', st: 'active', dt: '1770', protocol: '1', src, seq: seq.toString(16), hg: hg.toString(16), ts: '6b01fea5', ...extra });
}

export function other(type: string, seq: number, extra: Record<string, string> = {}, src = 'bravo', hg = HG_B): HbMessage {
  return msg({ t: type, ...extra, src, seq: seq.toString(16), hg: hg.toString(16), ts: '6b01fea5' });
}

export function ping(src = PING): HbMessage {
  return msg({ t: 'NS_st', st: 'ping', info: 'ping', src, ts: '6b01fea5' });
}

export const at = (t: number) => ({ kind: 'tick', at: t }) as const;
export const rx = (m: HbMessage, link: string, t: number): MembershipEvent => ({ kind: 'message', msg: m, link, at: t });

export function logs(effects: readonly Effect[]): string[] {
  return effects.flatMap((e) => (e.kind === 'log' ? [`${LEVEL_WORD[e.level]}: ${e.text}`] : []));
}

export function sends(effects: readonly Effect[]): { t: string; seq?: number; f: Record<string, string> }[] {
  return effects.flatMap((e) => {
    if (e.kind !== 'send') return [];
    const f: Record<string, string> = {};
    for (const x of e.fields) if (x.type === 0) f[x.name] = x.value;
    return [{ t: f.t ?? '', ...(e.seq === undefined ? {} : { seq: e.seq }), f }];
  });
}

export function kinds(effects: readonly Effect[], kind: Effect['kind']): Effect[] {
  return effects.filter((e) => e.kind === kind);
}

/** A started core plus run(events) -> effects. */
export function cluster(over: Partial<MembershipConfig> = {}, startAt = 0) {
  const core = new Membership(config(over));
  const started = core.handle({ kind: 'start', at: startAt });
  const run = (events: readonly MembershipEvent[]): Effect[] => events.flatMap((e) => core.handle(e));
  return { core, started, run };
}

/**
 * Bring bravo and the ping node up at t=100 (bravo on both links) so comm is up; returns bravo's next seq.
 */
export function upCluster(over: Partial<MembershipConfig> = {}) {
  const c = cluster(over);
  const effects = c.run([rx(ping(), PING, 100), rx(status(1, { st: 'up' }), 'eth0', 100), rx(status(1, { st: 'up' }), 'eth1', 100)]);
  return { ...c, effects, nextSeq: 2 };
}
