// 100,000 random and mutated packets through the whole receive path as the daemon runs it
// (control/runtime.ts onPacket): decode + verify, then the membership core (a 'message' event when
// the packet authenticates, a 'dropped' event when it does not), with the core's timers driven on a
// fake clock. The core must never throw, must keep sending its own heartbeats on time, must not let a
// refused packet change anything it knows about a node, and must count every drop by its reason.
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { Membership } from '../../../src/membership/cluster.js';
import type { Effect, MembershipConfig, MembershipEvent, NodeView } from '../../../src/membership/types.js';
import { receiveDatagram } from '../../../src/wire/receive.js';
import { decodeDatagram } from '../../../src/wire/message.js';
import { encodeClassic } from '../../../src/wire/classic.js';
import { get } from '../../../src/wire/fields.js';
import type { Authkeys } from '../../../src/config/types.js';
import { CAPTURED, KEYS } from './helpers.js';
import { fuzzCases, prng } from './fuzz-corpus.js';
import { PING, config } from '../membership/helpers.js';

const COUNT = 100_000;
const KEEPALIVE_MS = 1000;

/** The captures' cluster as the membership tests build it: alpha (us here), bravo, ping node PING. */
const coreConfig = (): MembershipConfig => config({ keepaliveMs: KEEPALIVE_MS, rng: prng(7) });

/** What a node looks like from outside: the state a forged packet must not touch. */
const snapshot = (nodes: readonly NodeView[]): string =>
  JSON.stringify(nodes.map((n) => [n.name, n.status, n.generation, n.deadIntervalMs, n.links.map((l) => `${l.name}=${l.status}`)]));

describe('wire + membership core fuzz', function () {
  this.timeout(60_000);

  it(`feeds ${COUNT.toLocaleString('en')} random and mutated packets through decode, verify and the membership core without a throw, a stalled heartbeat or a forged state change`, () => {
    const seeds: Buffer[] = CAPTURED.map((c) => Buffer.from(c.hex, 'hex'));
    const keys: Authkeys[] = CAPTURED.map((c) => KEYS[c.keys]);
    for (const [i, s] of seeds.slice(0, 40).entries()) {
      const d = decodeDatagram(s);
      if (d.ok) {
        seeds.push(encodeClassic(d.message));
        keys.push(keys[i]!);
      }
    }
    const core = new Membership(coreConfig());
    const r = prng(99);
    let at = 0;
    let wake = Infinity;
    const statusSends: number[] = [];
    const feed = (e: MembershipEvent): Effect[] => {
      const fx = core.handle(e);
      for (const f of fx) {
        if (f.kind === 'wake-at') wake = f.at;
        if (f.kind === 'send' && f.fields.some((x) => x.name === 't' && x.type === 0 && x.value === 'status')) statusSends.push(at);
      }
      return fx;
    };
    feed({ kind: 'start', at });
    const wireDrops: Record<string, number> = {};
    let accepted = 0;
    let forged = 0;
    let worstMs = 0;
    /** Node state as last seen; only ticks and accepted messages may change it. */
    let known: string | null = null;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const c of fuzzCases(seeds, COUNT, 0xc0de)) {
      at += 1; // 1 ms apart: 100 s of simulated time, 100 keepalives
      while (wake <= at) {
        const due = wake;
        wake = Infinity;
        const prev = at;
        at = due;
        feed({ kind: 'tick', at: due });
        at = prev;
        known = null;
      }
      const t = performance.now();
      const v = receiveDatagram(c.buf, keys[c.origin]!);
      if (v.ok) {
        accepted++;
        const src = get(v.decoded.message, 'src');
        const link = src === PING ? PING : r() < 0.5 ? 'eth0' : 'eth1';
        feed({ kind: 'message', msg: v.decoded.message, link, at });
        known = null;
      } else {
        forged++;
        const before = (known ??= snapshot(core.status().nodes));
        const who = v.stage === 'auth' ? (get(v.decoded.message, 'src') ?? '203.0.113.2') : '203.0.113.2';
        const fx = feed({ kind: 'dropped', reason: v.code, from: who, at });
        wireDrops[v.code] = (wireDrops[v.code] ?? 0) + 1;
        expect(snapshot(core.status().nodes), `${c.kind} mutation of seed ${c.origin} (refused: ${v.code}) changed node state`).to.equal(before);
        for (const f of fx) expect(['log', 'wake-at', 'send']).to.include(f.kind, `a refused packet caused ${f.kind}`);
      }
      worstMs = Math.max(worstMs, performance.now() - t);
    }
    const totalMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const st = core.status();

    // Our own heartbeats never stalled: one status message every keepalive, on the dot.
    expect(statusSends.length).to.be.at.least(COUNT / KEEPALIVE_MS - 1);
    const gaps = statusSends.slice(1).map((x, i) => x - statusSends[i]!);
    expect(Math.max(...gaps), 'longest gap between our status messages').to.be.at.most(KEEPALIVE_MS);
    // Drops counted per reason: every wire/auth reason the core was told about, exactly.
    expect(Object.keys(wireDrops).length).to.be.greaterThan(8);
    for (const [reason, n] of Object.entries(wireDrops)) expect(st.counters.dropped[reason], `drops counted for ${reason}`).to.equal(n);
    expect(st.counters.received).to.equal(accepted);
    expect(accepted + forged).to.equal(COUNT);
    expect(accepted, 'some genuine packets got through').to.be.greaterThan(0);
    // CPU time, not wall time: CI machines run several suites at once (wall was 2-3x CPU here).
    expect(cpuMs, `CPU ${cpuMs.toFixed(0)} ms (wall ${totalMs.toFixed(0)} ms)`).to.be.below(15_000);
    expect(worstMs, `worst single packet ${worstMs.toFixed(1)} ms`).to.be.below(200);
    if (process.env['WIRE_FUZZ_TALLY']) console.log({ wireDrops, core: st.counters, accepted, totalMs: Math.round(totalMs), cpuMs: Math.round(cpuMs) });
  });

  it('a refused packet that names a live node neither revives a dead one nor kills a live one', () => {
    const core = new Membership(coreConfig());
    core.handle({ kind: 'start', at: 0 });
    const bravoStatus = CAPTURED.map((c) => ({ c, d: decodeDatagram(Buffer.from(c.hex, 'hex')) })).find(
      (x) => x.c.carrier === 'udp' && x.d.ok && get(x.d.message, 'src') === 'bravo' && get(x.d.message, 't') === 'status',
    );
    expect(bravoStatus, 'a captured status from bravo').to.not.equal(undefined);
    const bravo = () => core.status().nodes.find((n) => n.name === 'bravo')!;
    // Never heard: initdead passes, bravo is dead; 1000 refused packets "from bravo" change nothing.
    for (let t = 1000; t <= 13_000; t += 1000) core.handle({ kind: 'tick', at: t });
    expect(bravo().status).to.equal('dead');
    for (let i = 0; i < 1000; i++) core.handle({ kind: 'dropped', reason: 'bad-digest', from: 'bravo (203.0.113.2)', at: 13_000 + i });
    expect(bravo().status).to.equal('dead');
    expect(core.status().counters.dropped['bad-digest']).to.equal(1000);
  });
});
