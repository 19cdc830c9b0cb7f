// The runtime's outbox: destuuid on addressed messages, as Heartbeat 3.0.6 stamps it.
import { expect } from 'chai';
import type { ClusterConfig } from '../../../src/config/types.js';
import { Outbox } from '../../../src/control/runtime-send.js';
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
