// 100,000 mutated packets through decode + verify: no throw, bounded time, and nothing
// verifies unless its signed bytes and auth string are exactly those of a real packet.
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { receiveDatagram } from '../../../src/wire/receive.js';
import { decodeDatagram } from '../../../src/wire/message.js';
import { encodeClassic } from '../../../src/wire/classic.js';
import { appendTrailer, encodeNetstring } from '../../../src/wire/netstring.js';
import type { HbMessage } from '../../../src/wire/types.js';
import { CAPTURED, KEYS } from './helpers.js';
import { fuzzCases } from './fuzz-corpus.js';

const COUNT = 100_000;

describe('wire fuzz', function () {
  this.timeout(60_000);

  it(`survives ${COUNT.toLocaleString('en')} random and mutated packets and never verifies a changed one`, () => {
    const seeds: Buffer[] = CAPTURED.map((c) => Buffer.from(c.hex, 'hex'));
    const keys = CAPTURED.map((c) => KEYS[c.keys]);
    // Classic renderings of netstring seeds too, so the '>>>' path gets mutated as much.
    for (const [i, s] of seeds.slice(0, 40).entries()) {
      const d = decodeDatagram(s);
      if (d.ok) { seeds.push(encodeClassic(d.message)); keys.push(keys[i]!); }
    }
    const genuine = new Set<string>();
    for (const s of seeds) {
      const d = decodeDatagram(s);
      if (d.ok && d.trailer) genuine.add(`${d.format} ${d.trailer.index} ${d.trailer.digest} ${d.signedBytes.toString('hex')}`);
    }
    const tally = new Map<string, number>();
    let worstMs = 0;
    const t0 = performance.now();
    for (const c of fuzzCases(seeds, COUNT)) {
      const t = performance.now();
      const v = receiveDatagram(c.buf, keys[c.origin]!);
      worstMs = Math.max(worstMs, performance.now() - t);
      const key = v.ok ? 'accepted' : `${v.stage}:${v.code}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      if (v.ok) {
        const d = v.decoded;
        const id = `${d.format} ${d.trailer!.index} ${d.trailer!.digest} ${d.signedBytes.toString('hex')}`;
        if (!genuine.has(id)) expect.fail(`${c.kind} mutation of seed ${c.origin} verified: ${c.buf.toString('hex')}`);
      } else {
        expect(v.reason).to.be.a('string').and.not.equal('');
      }
    }
    const totalMs = performance.now() - t0;
    if (process.env['WIRE_FUZZ_TALLY']) console.log(Object.fromEntries(tally), totalMs.toFixed(0), worstMs.toFixed(2));
    expect(totalMs, `total ${totalMs.toFixed(0)} ms`).to.be.below(20_000);
    expect(worstMs, `worst single packet ${worstMs.toFixed(1)} ms`).to.be.below(200);
    expect(tally.get('accepted') ?? 0).to.be.greaterThan(0); // identity cases must still pass
    expect([...tally.keys()].filter((k) => k.startsWith('decode:')).length).to.be.greaterThan(8);
  });

  it('decodes worst-case large inputs (deepest structs, 30,000 fields) within bounded time', () => {
    let deep: HbMessage = { fields: [{ name: 'a', type: 0, value: 'x'.repeat(200_000) }] };
    for (let i = 0; i < 15; i++) deep = { fields: [{ name: 's', type: 2, value: encodeNetstring(deep) }, { name: 'auth', type: 0, value: '1 ab' }] };
    const many: HbMessage = { fields: Array.from({ length: 30_000 }, (_, i) => ({ name: 'f', type: 0 as const, value: String(i % 10) })) };
    for (const m of [deep, many]) {
      for (const b of [encodeClassic(m), appendTrailer(encodeNetstring(m), '1 ab')]) {
        const t = performance.now();
        const v = receiveDatagram(b, KEYS.base);
        expect(v.ok).to.equal(false);
        expect(performance.now() - t).to.be.below(1000);
      }
    }
  });
});
