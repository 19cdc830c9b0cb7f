// Authentication policy: Heartbeat's receiver quirk, unknown indexes, downgrades, and reasons
// that never reveal the expected digest.
import { expect } from 'chai';
import { createHmac, randomBytes } from 'node:crypto';
import { hmacMd5, hmacSha1, sign, verifyAuth, verifyInner } from '../../../src/wire/auth.js';
import { receiveDatagram } from '../../../src/wire/receive.js';
import { encodeMessageSigned, encodeSigned } from '../../../src/wire/build.js';
import { str, uuidFromString } from '../../../src/wire/fields.js';
import type { Authkeys } from '../../../src/config/types.js';
import { BASE_KEYS, CAPTURED, CRC_KEYS, KEYS, MD5_KEYS, makeKeys } from './helpers.js';

const UUID = uuidFromString('09c74a55-47ae-46fd-8d65-126c132104d6')!;
function status(keys: Authkeys): Buffer {
  return encodeSigned([str('t', 'status'), str('st', 'up')], {
    src: 'bravo', uuid: UUID, seq: 7, hg: 1, tsSec: 2, ld: '0 0 0 1/1 1', ttl: 4, msgfmt: 'classic', authkeys: keys,
  });
}

describe('wire auth', () => {
  it('accepts every good captured datagram and rejects the two bad-outer ones from s12', () => {
    for (const c of CAPTURED) {
      const v = receiveDatagram(Buffer.from(c.hex, 'hex'), KEYS[c.keys]);
      expect(v.ok ? 'ok' : 'bad', `${c.scenario} ${v.ok ? '' : v.reason}`).to.equal(c.expect);
      if (!v.ok) expect(v).to.include({ stage: 'auth', code: 'bad-digest' });
    }
  });

  it('interoperates between nodes with the same authkeys, whatever the method', () => {
    for (const keys of [BASE_KEYS, MD5_KEYS, CRC_KEYS]) expect(receiveDatagram(status(keys), keys).ok).to.equal(true);
  });

  it('rejects an index we have no line for as "unknown auth index N"', () => {
    const v = receiveDatagram(status(makeKeys(5, [[5, { method: 'sha1', key: 'wfTestKey' }]])), BASE_KEYS);
    expect(v).to.include({ ok: false, code: 'unknown-index', reason: 'unknown auth index 5' });
  });

  it('refuses a crc-signed packet when our active method is stronger (downgrade), unless allowed', () => {
    // Same file on both sides except `auth`: the peer still sends with `auth 1` (crc).
    const peer = makeKeys(1, [[1, { method: 'crc', key: '' }], [3, { method: 'md5', key: 'Md5-Secret' }]]);
    const v = receiveDatagram(status(peer), MD5_KEYS);
    expect(v).to.include({ ok: false, code: 'downgrade' });
    expect(v.ok ? '' : v.reason).to.equal('downgrade: auth 1 is crc, weaker than our auth 3 md5');
    // Heartbeat itself would accept it (method of line 1, "key" of crc unused).
    expect(receiveDatagram(status(peer), MD5_KEYS, { allowDowngrade: true }).ok).to.equal(true);
  });

  it('accepts crc when crc is our own method, and reports the method so the caller can warn', () => {
    const v = receiveDatagram(status(CRC_KEYS), CRC_KEYS);
    expect(v.ok && v.method).to.equal('crc');
  });

  it("takes line N's method, and line N's own key or (Heartbeat's quirk) our active one", () => {
    const ours = makeKeys(1, [[1, { method: 'sha1', key: 'active' }], [2, { method: 'sha1', key: 'other' }]]);
    const body = Buffer.from('###\n7:(0)t=x1,%%%\n', 'latin1');
    const withActiveKey = sign(body, makeKeys(2, [[2, { method: 'sha1', key: 'active' }]]));
    const withOwnKey = sign(body, makeKeys(2, [[2, { method: 'sha1', key: 'other' }]]));
    const withStranger = sign(body, makeKeys(2, [[2, { method: 'sha1', key: 'stranger' }]]));
    const parse = (s: string) => ({ index: Number(s.split(' ')[0]), digest: s.split(' ')[1]! });
    expect(verifyAuth(body, parse(withActiveKey), ours).ok).to.equal(true);
    // A peer that has switched to `auth 2` while we still send with 1 (key rotation).
    expect(verifyAuth(body, parse(withOwnKey), ours).ok).to.equal(true);
    expect(verifyAuth(body, parse(withStranger), ours)).to.include({ ok: false, code: 'bad-digest' });
    // Once line 2 is removed, nothing signed with it passes.
    const rotated = makeKeys(1, [[1, { method: 'sha1', key: 'active' }]]);
    expect(verifyAuth(body, parse(withOwnKey), rotated)).to.include({ ok: false, code: 'unknown-index' });
  });

  it('refuses a listed key weaker than the active one even with its own key (no downgrade during a rotation)', () => {
    const ours = makeKeys(2, [[1, { method: 'md5', key: 'old' }], [2, { method: 'sha1', key: 'new' }]]);
    const body = Buffer.from('###\n7:(0)t=x1,%%%\n', 'latin1');
    const s = sign(body, makeKeys(1, [[1, { method: 'md5', key: 'old' }]]));
    expect(verifyAuth(body, { index: 1, digest: s.split(' ')[1]! }, ours)).to.include({ ok: false, code: 'downgrade' });
  });

  it('never puts the expected digest (or the received one) into the reason', () => {
    const good = status(BASE_KEYS);
    const expected = good.toString('latin1').match(/42:1 ([0-9a-f]{40}),$/)![1]!;
    const forged = Buffer.from(good.toString('latin1').replace(expected, 'f'.repeat(40)), 'latin1');
    const v = receiveDatagram(forged, BASE_KEYS);
    expect(v.ok).to.equal(false);
    expect(v.ok ? '' : v.reason).to.equal('authentication failed (auth 1 sha1)');
    expect(JSON.stringify(v.ok ? {} : { r: v.reason, c: v.code })).to.not.contain(expected);
  });

  it('rejects digests of the wrong length without throwing', () => {
    const v = verifyAuth(Buffer.from('x'), { index: 1, digest: 'abc' }, BASE_KEYS);
    expect(v).to.include({ ok: false, code: 'bad-digest' });
  });

  it('checks classic datagrams by their inner auth field only, and refuses them without one', () => {
    const ok = Buffer.from(`>>>\nt=status\nsrc=bravo\nauth=${sign(Buffer.from('t=status\nsrc=bravo\n'), BASE_KEYS)}\n<<<\n`, 'latin1');
    expect(receiveDatagram(ok, BASE_KEYS).ok).to.equal(true);
    const none = Buffer.from('>>>\nt=status\nsrc=bravo\n<<<\n', 'latin1');
    expect(receiveDatagram(none, BASE_KEYS)).to.include({ ok: false, code: 'no-auth' });
  });

  it('computes the same HMAC as createHmac for short, block-sized, long and non-ASCII keys', () => {
    for (const key of ['k', 'benchKey', 'x'.repeat(64), 'y'.repeat(65), 'z'.repeat(200), 'clé-ünïcode']) {
      for (const len of [0, 1, 300, 5000]) {
        const bytes = randomBytes(len);
        expect(hmacSha1(key, bytes), `sha1 ${key.length} ${len}`).to.equal(createHmac('sha1', key).update(bytes).digest('hex'));
        expect(hmacMd5(key, bytes), `md5 ${key.length} ${len}`).to.equal(createHmac('md5', key).update(bytes).digest('hex'));
      }
    }
  });

  it('re-signs a relayed message keeping its inner auth (retransmission form)', () => {
    const v = receiveDatagram(status(BASE_KEYS), BASE_KEYS);
    if (!v.ok) throw new Error(v.reason);
    expect(encodeMessageSigned(v.decoded.message, BASE_KEYS).equals(status(BASE_KEYS))).to.equal(true);
    expect(verifyInner(v.decoded.message, BASE_KEYS).ok).to.equal(true);
  });
});
