// Test drivers for the resource planner: one node fed scripted peer messages, or two planners wired
// together with a FIFO "network" and a shell that finishes every group operation successfully.
import { initPlan, stepPlan, type PlanConfig, type PlanEffect, type PlanEvent, type PlanState } from '../../../src/resources/plan.js';
import type { HbMessage } from '../../../src/wire/types.js';
import { LEVEL_WORD } from '../../../src/log/types.js';

export const VIP = 'IPaddr::203.0.113.10/26/eth0';

export function config(thisNode: string, over: Partial<PlanConfig> = {}): PlanConfig {
  return {
    thisNode,
    peer: thisNode === 'alpha' ? 'bravo' : 'alpha',
    groups: [{ key: VIP, node: 'alpha' }],
    autoFailback: 'on',
    rscrcvdDelayMs: 10_000,
    bothStartSettleMs: 200,
    standbyReplyTimeoutMs: 10_000,
    standbyRunTimeoutMs: 3_600_000,
    pid: 4242,
    ...over,
  };
}

export const fmt = (m: HbMessage): string => m.fields.map((f) => `${f.name}=${f.type === 0 ? f.value : '<bin>'}`).join(' ');

export function parse(text: string): HbMessage {
  return {
    fields: text.split(' ').map((kv) => {
      const i = kv.indexOf('=');
      return { name: kv.slice(0, i), type: 0 as const, value: kv.slice(i + 1) };
    }),
  };
}

/** One planner; records what it sent, logged and asked the shell to do. */
export class Node {
  state: PlanState;
  sent: string[] = [];
  logs: string[] = [];
  ops: string[] = [];
  effects: PlanEffect[] = [];
  pending: { group: number; op: 'start' | 'stop' }[] = [];
  constructor(readonly cfg: PlanConfig) {
    this.state = initPlan(cfg);
  }
  get name(): string {
    return this.cfg.thisNode;
  }
  ev(e: PlanEvent): PlanEffect[] {
    const r = stepPlan(this.state, e);
    this.state = r.state;
    this.effects.push(...r.effects);
    for (const fx of r.effects) {
      if (fx.kind === 'send') this.sent.push(fmt(fx.msg));
      else if (fx.kind === 'log') this.logs.push(`${LEVEL_WORD[fx.level]}: ${fx.text}`);
      else if (fx.kind === 'start-group' || fx.kind === 'stop-group') {
        this.ops.push(`${fx.kind === 'start-group' ? 'start' : 'stop'} ${fx.group}`);
        this.pending.push({ group: fx.group, op: fx.kind === 'start-group' ? 'start' : 'stop' });
      } else if (fx.kind === 'reannounce') this.ops.push(`reannounce ${fx.group}`);
    }
    return r.effects;
  }
  peerSays(at: number, text: string): PlanEffect[] {
    return this.ev({ kind: 'message', at, from: this.cfg.peer, msg: parse(text) });
  }
  /** Finish every pending group operation (and any they lead to) successfully. */
  finishOps(at: number): void {
    for (let p = this.pending.shift(); p !== undefined; p = this.pending.shift()) {
      this.ev({ kind: 'group-done', at, group: p.group, op: p.op, ok: true });
    }
  }
  take(): { sent: string[]; logs: string[]; ops: string[] } {
    const out = { sent: this.sent, logs: this.logs, ops: this.ops };
    this.sent = [];
    this.logs = [];
    this.ops = [];
    return out;
  }
  held(): number[] {
    return this.state.groups.flatMap((g, i) => (g === 'yes' ? [i] : []));
  }
}

/** Two planners connected by an in-order network; the shell finishes operations at once. */
export class Pair {
  readonly a: Node;
  readonly b: Node;
  private wire: { to: Node; text: string }[] = [];
  readonly trace: string[] = [];
  /** Links cut: messages are lost (split brain). */
  cut = false;
  constructor(cfgA: PlanConfig, cfgB: PlanConfig) {
    this.a = new Node(cfgA);
    this.b = new Node(cfgB);
  }
  other(n: Node): Node {
    return n === this.a ? this.b : this.a;
  }
  /** Feed one event to one node, then run the network and the shells until both are quiet. */
  ev(n: Node, e: PlanEvent): void {
    this.route(n, n.ev(e));
    this.run(e.at);
  }
  run(at: number): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const w = this.wire.shift();
      if (w !== undefined) {
        const from = this.other(w.to);
        this.route(w.to, w.to.ev({ kind: 'message', at, from: from.name, msg: parse(w.text) }));
        this.checkExclusive();
        continue;
      }
      const n = this.a.pending.length > 0 ? this.a : this.b.pending.length > 0 ? this.b : null;
      if (n === null) return;
      const p = n.pending.shift();
      if (p !== undefined) this.route(n, n.ev({ kind: 'group-done', at, group: p.group, op: p.op, ok: true }));
      this.checkExclusive();
    }
    throw new Error('no quiescence');
  }
  /** The exclusivity promise: while the links work, no group runs on both nodes. */
  private checkExclusive(): void {
    if (this.cut) return;
    const both = this.a.state.groups.findIndex((g, i) => g === 'yes' && this.b.state.groups[i] === 'yes');
    if (both >= 0 && !this.allowOverlap) throw new Error(`group ${both} runs on both nodes`);
  }
  /** Set while a split brain heals: both still hold what they took. */
  allowOverlap = false;
  private route(from: Node, fx: PlanEffect[]): void {
    for (const f of fx) {
      if (f.kind !== 'send') continue;
      const text = fmt(f.msg);
      this.trace.push(`${from.name} ${text}`);
      if (this.cut) continue;
      this.wire.push({ to: this.other(from), text });
    }
  }
}

/** Bring a single node to "stable, holding `local`" as after s1. */
export function stableAlpha(): Node {
  const n = new Node(config('alpha'));
  n.ev({ kind: 'comm-up', at: 3517, peerUp: true });
  n.peerSays(4408, 't=starting');
  n.peerSays(15422, 't=resource rsc_hold=local rtype=full isstable=1');
  n.finishOps(15700);
  n.take();
  return n;
}
