// The runtime's outbox: destuuid on addressed messages, as Heartbeat 3.0.6 stamps it.
import { expect } from 'chai';
import type { ClusterConfig } from '../../../src/config/types.js';
import { Outbox, SentHistory } from '../../../src/control/runtime-send.js';
import { FakeClock } from '../../../src/lib/clock.js';
import type { Medium } from '../../../src/media/index.js';
import { decodeDatagram } from '../../../src/wire/message.js';
import { getBinary } from '../../../src/wire/fields.js';

const cfg = {
  dir: '/x', thisNode: 'node1', groups: [],
  haCf: { keepaliveMs: 1000, deadtimeMs: 3000, nodes: ['node1', 'node2'], hopfudge: 1, msgfmt: 'netstring', media: [] },
  authkeys: { file: 'authkeys', activeIndex: 1, keys: new Map([[1, { method: 'sha1' as const, key: 'k' }]]) },
} as unknown as ClusterConfig;

function sentBy(dest: string | undefined, peerUuid?: Buffer): Buffer | undefined {
  const out: Buffer[] = [];
  const medium = { format: 'netstring', send: (b: Buffer) => void out.push(b) } as unknown as Medium;
  const box = new Outbox(cfg, new FakeClock(), () => '0.00 0.00 0.00 1/1 1');
  if (peerUuid) box.peerUuids.set('node2', peerUuid);
  const fields = [{ name: 't', type: 0, value: 'ip-request-resp' }, ...(dest ? [{ name: 'dest', type: 0, value: dest }] : [])];
  box.send([medium], { uuid: Buffer.alloc(16, 1), generation: 1, pingTargets: 0 }, fields as never, 1, dest);
  const d = decodeDatagram(out[0]!);
  if (!d.ok) throw new Error('undecodable');
  return getBinary(d.message, 'destuuid');
}

describe('runtime outbox: destuuid', () => {
  it('carries our own uuid on a message to ourselves (ip-request-resp dest=self), as Heartbeat does', () => {
    expect(sentBy('node1')).to.deep.equal(Buffer.alloc(16, 1));
  });
  it("carries the peer's uuid once known, and none before or on a broadcast", () => {
    expect(sentBy('node2', Buffer.alloc(16, 2))).to.deep.equal(Buffer.alloc(16, 2));
    expect(sentBy('node2')).to.equal(undefined);
    expect(sentBy(undefined, Buffer.alloc(16, 2))).to.equal(undefined);
  });
});

describe('runtime outbox: the NS_rexmit history (issue 24)', () => {
  it('answers a resend with the very bytes sent, for the last 500 seqs only, from copies it owns', () => {
    const out: Buffer[] = [];
    const medium = { format: 'netstring', send: (b: Buffer) => void out.push(Buffer.from(b)) } as unknown as Medium;
    const box = new Outbox(cfg, new FakeClock(), () => '0.00 0.00 0.00 1/1 1');
    const stamp = { uuid: Buffer.alloc(16, 1), generation: 1, pingTargets: 0 };
    for (let seq = 1; seq <= 1200; seq++) box.send([medium], stamp, [{ name: 't', type: 0, value: 'status' }, { name: 'n', type: 0, value: 'x'.repeat(seq % 7 === 0 ? 900 : 10) }] as never, seq, undefined);
    const sent = out.slice();
    expect(box.historySize).to.equal(500);
    out.length = 0;
    box.resend([medium], 700); // 1200 - 500: gone
    box.resend([medium], 1);
    expect(out).to.have.length(0);
    for (const seq of [701, 1001, 1197, 1200]) {
      box.resend([medium], seq);
      expect(out.pop(), `seq ${seq}`).to.deep.equal(sent[seq - 1]);
    }
  });

  it('keeps a skipped seq only until its slot is reused: the bound holds by construction', () => {
    const h = new SentHistory(4);
    h.put(1, Buffer.from('one'), null);
    h.put(2, Buffer.from('two'), Buffer.from('TWO'));
    h.put(9, Buffer.from('nine'), null); // skips 3..8; takes 1's slot
    expect(h.size).to.equal(2);
    expect(h.net(1)).to.equal(undefined);
    expect(h.net(9)?.toString()).to.equal('nine');
    expect(h.classic(2)?.toString()).to.equal('TWO');
    expect(h.classic(9)).to.equal(undefined);
    const src = Buffer.from('mutable');
    h.put(4, src, null);
    src.fill(0);
    expect(h.net(4)?.toString()).to.equal('mutable');
  });
});
