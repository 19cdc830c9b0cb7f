// KnownDatagrams: a copy of an authentic datagram is recognised by its bytes alone; anything that
// differs by one byte is not, so it still goes through decoding and authentication.
import { expect } from 'chai';
import { KnownDatagrams } from '../../../src/wire/known.js';
import type { HbMessage } from '../../../src/wire/types.js';

const msg = (n: number): HbMessage => ({ fields: [{ name: 'seq', type: 0, value: String(n) }] });
const bytes = (n: number): Buffer => Buffer.from(`###\n6:(0)seq=${n},%%%\n3:1 x,`, 'latin1');

describe('KnownDatagrams', () => {
  it('returns the message of an identical copy, not of a copy with one byte changed', () => {
    const k = new KnownDatagrams(4);
    const m = msg(1);
    k.add(bytes(1), m);
    expect(k.find(Buffer.from(bytes(1)))).to.deep.equal({ message: m, own: false });
    const forged = Buffer.from(bytes(1));
    forged[forged.length - 2] = forged[forged.length - 2]! ^ 1;
    expect(k.find(forged)).to.equal(undefined);
    expect(k.find(bytes(1).subarray(1))).to.equal(undefined);
  });

  it('remembers which datagrams are our own', () => {
    const k = new KnownDatagrams(4);
    k.add(bytes(1), msg(1), true);
    k.add(bytes(2), msg(2));
    expect([k.find(bytes(1))?.own, k.find(bytes(2))?.own]).to.deep.equal([true, false]);
  });

  it('forgets the oldest once full', () => {
    const k = new KnownDatagrams(3);
    for (let i = 1; i <= 4; i++) k.add(bytes(i), msg(i));
    expect(k.find(bytes(1))).to.equal(undefined);
    expect([2, 3, 4].map((i) => k.find(bytes(i))?.message.fields[0])).to.deep.equal([2, 3, 4].map((i) => msg(i).fields[0]));
  });
});
