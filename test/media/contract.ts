// Shared contract every Medium adapter must keep (the MQTT.js abstract_client pattern): run it
// with a factory that returns two connected media. Used by test/unit/media/contract.test.ts.
import { expect } from 'chai';
import type { Medium } from '../../src/media/medium.js';

export interface MediumPair {
  readonly a: Medium;
  readonly b: Medium;
  /** The `from` that b sees for a's packets, and a sees for b's. */
  readonly aFrom: string;
  readonly bFrom: string;
  cleanup(): Promise<void>;
}

interface Got {
  buf: Buffer;
  from: string;
}

/** A classic-text message: every medium (serial included) must carry it byte for byte. */
export function classic(fields: Record<string, string | number>): Buffer {
  const body = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  return Buffer.from(`>>>\n${body}<<<\n`, 'latin1');
}

/** Polls cond every 5 ms; `what` may be a function so the error shows the state at the timeout. */
export async function waitFor(cond: () => boolean, timeoutMs = 1500, what: string | (() => string) = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function mediumContract(label: string, makePair: () => Promise<MediumPair>): void {
  describe(`Medium contract: ${label}`, function () {
    let pair: MediumPair;
    let atA: Got[];
    let atB: Got[];

    beforeEach(async function () {
      pair = await makePair();
      atA = [];
      atB = [];
      await pair.a.open((buf, from) => atA.push({ buf, from }));
      await pair.b.open((buf, from) => atB.push({ buf, from }));
    });

    afterEach(async function () {
      await pair.a.close();
      await pair.b.close();
      await pair.cleanup();
    });

    it('has a Heartbeat-style name that starts with its kind, and a link name', function () {
      for (const m of [pair.a, pair.b]) {
        expect(m.name.startsWith(`${m.kind} `)).to.equal(true);
        expect(m.linkName).to.be.a('string').and.not.equal('');
        expect(['netstring', 'classic']).to.include(m.format);
      }
    });

    it('delivers what a sends to b byte for byte, with a as the source', async function () {
      const msg = classic({ t: 'status', st: 'active', src: 'alpha', seq: 1 });
      pair.a.send(msg);
      await waitFor(() => atB.length > 0, 1500, 'b to receive');
      expect(atB[0]?.buf.equals(msg)).to.equal(true);
      expect(atB[0]?.from).to.equal(pair.aFrom);
    });

    it('works in both directions at once', async function () {
      pair.a.send(classic({ t: 'status', src: 'alpha' }));
      pair.b.send(classic({ t: 'status', src: 'bravo' }));
      await waitFor(() => atA.some((g) => g.from === pair.bFrom) && atB.some((g) => g.from === pair.aFrom), 1500, 'both sides');
      expect(atA.find((g) => g.from === pair.bFrom)?.buf.toString()).to.contain('src=bravo');
      expect(atB.find((g) => g.from === pair.aFrom)?.buf.toString()).to.contain('src=alpha');
    });

    it('delivers a burst of messages, each exactly once and whole', async function () {
      const sent = Array.from({ length: 20 }, (_, i) => classic({ t: 'status', src: 'alpha', seq: (i + 1).toString(16) }));
      for (const m of sent) pair.a.send(m);
      await waitFor(() => atB.length >= sent.length, 3000, 'the burst');
      expect(atB.map((g) => g.buf.toString()).sort()).to.deep.equal(sent.map((m) => m.toString()).sort());
    });

    it('carries a message larger than one serial fragment (512 bytes) intact', async function () {
      const msg = classic({ t: 'rexmit', src: 'alpha', info: 'x'.repeat(1800) });
      pair.a.send(msg);
      await waitFor(() => atB.length > 0, 3000, 'the large message');
      expect(atB[0]?.buf.equals(msg)).to.equal(true);
    });

    it('returns from send at once and never throws, even after close', async function () {
      const t0 = Date.now();
      for (let i = 0; i < 50; i++) pair.a.send(classic({ t: 'status', seq: i }));
      expect(Date.now() - t0).to.be.below(200);
      await pair.a.close();
      expect(() => pair.a.send(classic({ t: 'late' }))).not.to.throw();
      await pair.a.close(); // idempotent
    });

    it('stops delivering to a closed medium', async function () {
      await pair.b.close();
      const before = atB.length;
      pair.a.send(classic({ t: 'status', src: 'alpha', seq: 99 }));
      await new Promise((r) => setTimeout(r, 50));
      expect(atB.length).to.equal(before);
    });
  });
}
