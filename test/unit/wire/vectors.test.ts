// HEARTBEAT-WIRE.md §13 test vectors and captures/auth-test-vectors.json, byte for byte.
import { expect } from 'chai';
import { crc, digest, sign, verifyDecoded, verifyInner } from '../../../src/wire/auth.js';
import { decodeDatagram } from '../../../src/wire/message.js';
import { classicSignedText } from '../../../src/wire/classic.js';
import { buildPingPayload } from '../../../src/wire/build.js';
import { AUTH_VECTORS, BASE_KEYS, CRC_KEYS, MD5_KEYS, bytes, keysForVector } from './helpers.js';

const TV1 = '###\n10:(0)t=NS_st,10:(0)st=ping,12:(0)info=ping,19:(0)src=203.0.113.62,14:(0)ts=6b01fea5,50:(0)auth=1 e0db523a66dd085d6cffde099757ea9a8f55e45b,%%%\n42:1 614158c9facdddf9f99608b4443bb4e602fa8516,';
const TV3 = '###\n10:(0)t=NS_st,10:(0)st=ping,12:(0)info=ping,19:(0)src=203.0.113.62,14:(0)ts=6b02004a,42:(0)auth=3 9c6afcba7b356e87e196798f5dd9bb43,%%%\n34:3 49445595f7b290250fe59aef73be9e3f,';
const TV4 = '###\n10:(0)t=NS_st,10:(0)st=ping,12:(0)info=ping,19:(0)src=203.0.113.62,14:(0)ts=6b020339,18:(0)auth=2 d0f079a7,%%%\n9:2 2e30278,';

describe('wire test vectors (HEARTBEAT-WIRE.md §13)', () => {
  it('TV1: sha1 ping payload, inner and outer digests and signed length 147', () => {
    const pkt = bytes(TV1);
    expect(digest('sha1', 'wfTestKey', bytes('t=NS_st\\nst=ping\\ninfo=ping\\nsrc=203.0.113.62\\nts=6b01fea5\\n'))).to.equal('e0db523a66dd085d6cffde099757ea9a8f55e45b');
    const d = decodeDatagram(pkt);
    if (!d.ok) throw new Error(d.reason);
    expect(d.signedLength).to.equal(147);
    expect(sign(pkt.subarray(0, 147), BASE_KEYS)).to.equal('1 614158c9facdddf9f99608b4443bb4e602fa8516');
    expect(verifyDecoded(d, BASE_KEYS).ok).to.equal(true);
    expect(verifyInner(d.message, BASE_KEYS).ok).to.equal(true);
  });

  it('TV1/TV3/TV4: the ping payload builder reproduces the captured payload byte for byte', () => {
    expect(buildPingPayload({ pingAddress: '203.0.113.62', tsSec: 0x6b01fea5, authkeys: BASE_KEYS }).toString('latin1')).to.equal(bytes(TV1).toString('latin1'));
    expect(buildPingPayload({ pingAddress: '203.0.113.62', tsSec: 0x6b02004a, authkeys: MD5_KEYS }).toString('latin1')).to.equal(bytes(TV3).toString('latin1'));
    expect(buildPingPayload({ pingAddress: '203.0.113.62', tsSec: 0x6b020339, authkeys: CRC_KEYS }).toString('latin1')).to.equal(bytes(TV4).toString('latin1'));
  });

  it('TV3: md5 uses only the first token of "Md5-Secret key" and verifies with auth 3', () => {
    const d = decodeDatagram(bytes(TV3));
    if (!d.ok) throw new Error(d.reason);
    expect(d.signedLength).to.equal(139);
    expect(d.trailer).to.deep.equal({ index: 3, digest: '49445595f7b290250fe59aef73be9e3f' });
    expect(verifyDecoded(d, MD5_KEYS).ok).to.equal(true);
    expect(digest('md5', 'Md5-Secret', classicSignedText(d.message))).to.equal('9c6afcba7b356e87e196798f5dd9bb43');
  });

  it('TV4: crc digests are printed without leading zeros (7 digits here)', () => {
    const d = decodeDatagram(bytes(TV4));
    if (!d.ok) throw new Error(d.reason);
    expect(d.signedLength).to.equal(115);
    expect(crc(d.signedBytes)).to.equal('2e30278');
    expect(crc(bytes('t=NS_st\\nst=ping\\ninfo=ping\\nsrc=203.0.113.62\\nts=6b020339\\n'))).to.equal('d0f079a7');
    expect(verifyDecoded(d, CRC_KEYS).ok).to.equal(true);
  });

  it('crc of the empty input is ffffffff', () => {
    expect(crc(Buffer.alloc(0))).to.equal('ffffffff');
  });

  it('crc of "123456789" is 765e7680 (CRC-32/CKSUM check value, which is not the cksum command)', () => {
    // The CRC catalogue's CRC-32/CKSUM (poly 04C11DB7, init 0, xorout ffffffff) has check
    // 765e7680; the cksum command also folds in the length and prints 930766865 (377a6011).
    expect(crc(Buffer.from('123456789'))).to.equal('765e7680');
    expect(crc(Buffer.from('123456789'))).to.not.equal((930766865).toString(16));
  });
});

describe('captures/auth-test-vectors.json', () => {
  for (const [i, v] of AUTH_VECTORS.entries()) {
    it(`vector ${i} (${v.source}, ${v.carrier}, ${v.method}) decodes, signs and verifies exactly`, () => {
      const pkt = Buffer.from(v.packet_hex, 'hex');
      const d = decodeDatagram(pkt);
      if (!d.ok) throw new Error(d.reason);
      const keys = keysForVector(v);
      expect(d.signedLength).to.equal(v.outer_signed_len);
      expect(sign(pkt.subarray(0, v.outer_signed_len), keys)).to.equal(v.outer_auth);
      expect(verifyDecoded(d, keys)).to.include({ ok: true });
      if (v.inner_signed_text !== undefined && v.inner_auth !== undefined) {
        expect(classicSignedText(d.message).toString('latin1')).to.equal(bytes(v.inner_signed_text).toString('latin1'));
        expect(sign(classicSignedText(d.message), keys)).to.equal(v.inner_auth);
        expect(verifyInner(d.message, keys).ok).to.equal(true);
      }
    });
  }
});
