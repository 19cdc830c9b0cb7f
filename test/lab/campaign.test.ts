// The real-lab fault campaign (bench/campaign.ts) in CI: the audits on hand-made records (each one
// fires on a broken run and stays quiet on a sound one), then a short campaign on two heartbeat-ts
// daemons whose first four faults are sabotage (each must trip exactly its audit) followed by 20
// random faults that must trip none. `npm run campaign` runs the long ones.
import { expect } from 'chai';
import type { ProbeRecord } from './http-probe.js';
import { isRoot } from './netns.js';
import {
  auditDeaths, auditDualHolders, auditNoHolder, auditNotServed, campaignBounds, errorLines, Timeline,
  type CampEvent, type HolderSample, type LedgerEntry,
} from '../../bench/campaign-audit.js';
import { planFaults, SABOTAGE_KINDS } from '../../bench/campaign-faults.js';
import { runCampaign } from '../../bench/campaign-run.js';
import { TIMERS_200MS } from '../../bench/contender.js';
import { loadOurRunner, Ours } from '../../bench/ours.js';

const B = campaignBounds(200, 1000, 2000, 1500);
const N = ['node1', 'node2'];
const T0 = 1_000_000;
/** Samples every 100 ms over [from, to) with the given holders. */
const hold = (from: number, to: number, holders: string[]): HolderSample[] =>
  Array.from({ length: Math.ceil((to - from) / 100) }, (_, i) => ({ t: T0 + from + i * 100, holders }));
const up = (t: number, node: string): CampEvent => ({ t: T0 + t, kind: 'start-done', node });
const both: CampEvent[] = [up(0, 'node1'), up(0, 'node2')];
const webUp: LedgerEntry[] = [
  { t: T0 + 500, phase: 'E', node: 'node1', script: 'labweb', op: 'start', exit: 0, note: '-' },
  { t: T0 + 500, phase: 'E', node: 'node2', script: 'labweb', op: 'start', exit: 0, note: '-' },
];

describe('campaign audits', () => {
  it('(a) reports two holders that outlast the bound with every link up, not while partitioned', () => {
    const samples = [...hold(0, 1000, ['node1']), ...hold(1000, 6000, ['node1', 'node2']), ...hold(6000, 7000, ['node1'])];
    expect(auditDualHolders(samples, new Timeline(both, N), B)).to.have.length(1);
    const split = [...both, { t: T0 + 900, kind: 'partition' as const }, { t: T0 + 4000, kind: 'heal' as const }];
    expect(auditDualHolders(samples, new Timeline(split, N), B)).to.deep.equal([]);
  });

  it('(b) reports a missing holder past the takeover bound, not while nobody could hold', () => {
    const samples = [...hold(0, 1000, ['node1']), ...hold(1000, 5000, []), ...hold(5000, 6000, ['node2'])];
    expect(auditNoHolder(samples, new Timeline(both, N), [], B)).to.have.length(1);
    const dead = [...both, { t: T0 + 1000, kind: 'kill' as const, node: 'node1' }, { t: T0 + 1000, kind: 'kill' as const, node: 'node2' }];
    expect(auditNoHolder(samples, new Timeline(dead, N), [], B)).to.deep.equal([]);
    const fast = [...hold(0, 1000, ['node1']), ...hold(1000, 3000, []), ...hold(3000, 6000, ['node2'])];
    expect(auditNoHolder(fast, new Timeline(both, N), [], B)).to.deep.equal([]);
  });

  it('(c) reports a client not served while one node holds and serves (stale ARP), not during a cut', () => {
    const samples = hold(0, 8000, ['node1']);
    const recs: ProbeRecord[] = Array.from({ length: 80 }, (_, i) => ({ t: T0 + i * 100, ms: 5, ok: i < 20 || i > 60, node: 'node1' }));
    const v = auditNotServed(recs, samples, new Timeline(both, N), webUp, 'labweb', B);
    expect(v).to.have.length(1);
    expect(v[0]!.to - v[0]!.from).to.be.within(4000, 4200);
    const cut = [...both, { t: T0 + 1900, kind: 'cut' as const, node: 'node1' }, { t: T0 + 6200, kind: 'restore' as const, node: 'node1' }];
    expect(auditNotServed(recs, samples, new Timeline(cut, N), webUp, 'labweb', B)).to.deep.equal([]);
  });

  it('(d) reports every death the monitor saw', () => {
    expect(auditDeaths(new Timeline([...both, { t: T0 + 5, kind: 'died', node: 'node2' }], N))).to.have.length(1);
  });

  it('(e) reads ERROR/CRIT lines of both log formats', () => {
    const log = [
      'Dec 07 12:17:24 node2 heartbeat: [8928]: ERROR: Both machines own our resources!',
      'heartbeat[1]: 2026/12/07_12:17:25 CRIT: Cluster node node1 returning after partition.',
      '2026/12/07_13:24:24  ResourceManager(default)[15127]:    CRIT: Giving up resources due to failure of labweb',
      'Dec 07 12:17:24 node2 heartbeat: [8928]: info: Running x',
    ].join('\n');
    expect(errorLines('node2', log, 2026).map((l) => l.level)).to.deep.equal(['ERROR', 'CRIT', 'CRIT']);
  });

  it('draws the same plan from the same seed', () => {
    expect(planFaults(7, 30, TIMERS_200MS)).to.deep.equal(planFaults(7, 30, TIMERS_200MS));
    expect(planFaults(7, 30, TIMERS_200MS)).not.to.deep.equal(planFaults(8, 30, TIMERS_200MS));
  });
});

describe('@lab fault campaign on two heartbeat-ts daemons (200ms/1s, auto_failback off)', function () {
  this.timeout(900_000);

  it('trips each audit once on the four sabotage faults, and none on 20 random faults', async function () {
    if (!isRoot()) this.skip();
    await loadOurRunner();
    const c = new Ours();
    if (c.unavailable()) this.skip();
    const lines: string[] = [];
    const r = await runCampaign({
      contender: c, timers: TIMERS_200MS, autoFailback: false, faults: 20, seed: 14,
      sabotage: [...SABOTAGE_KINDS], say: (m) => lines.push(m),
    });
    const why = `${lines.join('\n')}\n${r.violations.map((v) => `#${v.fault} ${v.kind}: ${v.text}`).join('\n')}`;
    expect(r.aborted, why).to.equal(undefined);
    expect(r.faults, why).to.have.length(24);
    const bySabotage = r.violations.filter((v) => v.fault !== null && v.fault <= 4).map((v) => `${v.fault} ${v.kind}`);
    expect(bySabotage, why).to.include.members(['1 no-holder', '2 dual-holder', '3 not-served', '4 daemon-died']);
    expect(r.violations.filter((v) => v.fault === null || v.fault > 4), why).to.deep.equal([]);
  });
});
