// Building outgoing datagrams: byte-exact against real Heartbeat packets (§3.1, §5).
import { expect } from 'chai';
import { buildMessage, encodeSigned, isControlType } from '../../../src/wire/build.js';
import type { SendContext } from '../../../src/wire/build.js';
import { decodeDatagram } from '../../../src/wire/message.js';
import { verifyDecoded, verifyInner } from '../../../src/wire/auth.js';
import { get, getBinary, getDec, getHex, str, uuidFromString } from '../../../src/wire/fields.js';
import type { HbField, HbMessage } from '../../../src/wire/types.js';
import { AUTH_VECTORS, BASE_KEYS, CAPTURED, KEYS } from './helpers.js';

const ALPHA_UUID = uuidFromString('2878fb10-d17c-4d44-9da7-e45c924a23fd')!;
const BRAVO_UUID = uuidFromString('09c74a55-47ae-46fd-8d65-126c132104d6')!;

function ctx(over: Partial<SendContext> = {}): SendContext {
  return {
    src: 'alpha', uuid: ALPHA_UUID, seq: 1, hg: 0x6b01fea6, tsSec: 0x6b01fea5,
    ld: '3.14 1.46 0.57 5/103 9864', ttl: 4, msgfmt: 'classic', authkeys: BASE_KEYS, ...over,
  };
}

/** Splits a received message back into type-specific fields and a SendContext. */
function rebuildInputs(msg: HbMessage, keys: SendContext['authkeys']): { fields: HbField[]; ctx: SendContext } {
  const names = msg.fields.map((f) => f.name);
  // A client may set src itself (hbapi-clstat); the core then keeps it where it is.
  const cut = names.indexOf(names.includes('destuuid') ? 'destuuid' : 'srcuuid');
  const fields = msg.fields.slice(0, cut);
  const c: SendContext = {
    src: get(msg, 'src')!, uuid: getBinary(msg, 'srcuuid')!, seq: getHex(msg, 'seq') ?? 0,
    hg: getHex(msg, 'hg')!, tsSec: getHex(msg, 'ts')!, ld: get(msg, 'ld') ?? '', ttl: getDec(msg, 'ttl')!,
    msgfmt: names.includes('auth') ? 'classic' : 'netstring', authkeys: keys,
    ...(names.includes('destuuid') ? { destUuid: getBinary(msg, 'destuuid')! } : {}),
  };
  return { fields, ctx: c };
}

describe('wire build (encodeSigned)', () => {
  it('encodes the §3.1 status packet (TV2) byte for byte from its fields', () => {
    const out = encodeSigned([str('t', 'status'), str('st', 'init'), str('dt', '1f40'), str('protocol', '1')], ctx());
    expect(out.toString('hex')).to.equal(AUTH_VECTORS[1]!.packet_hex);
    expect(out.length).to.equal(308);
  });

  it('puts destuuid after the type-specific fields and leaves seq and ld out of NS_* messages', () => {
    const m = buildMessage([str('t', 'NS_ackmsg'), str('dest', 'bravo'), str('ackseq', '5')], ctx({ destUuid: BRAVO_UUID }));
    expect(m.fields.map((f) => f.name)).to.deep.equal(['t', 'dest', 'ackseq', 'destuuid', 'src', 'srcuuid', 'hg', 'ts', 'ttl', 'auth']);
    expect(isControlType(m.fields)).to.equal(true);
  });

  it('keeps a src the caller set, in place, and adds no inner auth with msgfmt netstring', () => {
    const m = buildMessage([str('t', 'x'), str('src', 'me')], ctx({ msgfmt: 'netstring' }));
    expect(m.fields.map((f) => f.name)).to.deep.equal(['t', 'src', 'srcuuid', 'seq', 'hg', 'ts', 'ld', 'ttl']);
    expect(get(m, 'src')).to.equal('me');
  });

  it('writes seq, hg and ts in lowercase hex and ttl in decimal', () => {
    const m = buildMessage([str('t', 'status')], ctx({ seq: 0x3f, hg: 0xabc, tsSec: 0x6b0204de, ttl: 12 }));
    expect([get(m, 'seq'), get(m, 'hg'), get(m, 'ts'), get(m, 'ttl')]).to.deep.equal(['3f', 'abc', '6b0204de', '12']);
  });

  const rebuildable = CAPTURED.filter((c) => c.carrier === 'udp' && c.expect === 'ok');
  it(`rebuilds ${rebuildable.length} captured UDP datagrams byte for byte from their fields (where Heartbeat order holds)`, () => {
    let rebuilt = 0;
    for (const c of rebuildable) {
      const pkt = Buffer.from(c.hex, 'hex');
      const d = decodeDatagram(pkt);
      if (!d.ok) throw new Error(`${c.scenario}: ${d.reason}`);
      if (d.format !== 'netstring') continue;
      const keys = KEYS[c.keys];
      expect(verifyDecoded(d, keys).ok, c.scenario).to.equal(true);
      if (get(d.message, 'auth') !== undefined && !verifyInner(d.message, keys).ok) continue; // s12 P2: bad inner on purpose
      if (!d.message.fields.some((f) => f.name === 'srcuuid')) continue; // s12 P6: no srcuuid on purpose
      const { fields, ctx: c2 } = rebuildInputs(d.message, keys);
      expect(encodeSigned(fields, c2).toString('latin1'), `${c.scenario} ${get(d.message, 't')}`).to.equal(pkt.toString('latin1'));
      rebuilt++;
    }
    expect(rebuilt).to.be.greaterThan(120);
  });
});
