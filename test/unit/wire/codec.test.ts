// Netstring and classic codecs: round trips of real captures, equivalence, and every malformed
// input rejected with its reason, never thrown.
import { expect } from 'chai';
import { decodeDatagram, MAXMSG } from '../../../src/wire/message.js';
import { appendTrailer, encodeNetstring } from '../../../src/wire/netstring.js';
import { classicSignedText, decodeClassic, encodeClassic, splitClassicStream } from '../../../src/wire/classic.js';
import { get } from '../../../src/wire/fields.js';
import type { DecodeErrorCode, HbMessage } from '../../../src/wire/types.js';
import { CAPTURED, bytes } from './helpers.js';

const latin = (b: Buffer): string => b.toString('latin1');

describe('wire codec round trips', () => {
  it(`re-encodes all ${CAPTURED.length} captured datagrams to the same bytes`, () => {
    for (const c of CAPTURED) {
      const pkt = Buffer.from(c.hex, 'hex');
      const d = decodeDatagram(pkt);
      if (!d.ok) throw new Error(`${c.scenario}: ${d.reason}`);
      if (d.format === 'netstring') {
        expect(latin(appendTrailer(encodeNetstring(d.message), `${d.trailer!.index} ${d.trailer!.digest}`))).to.equal(latin(pkt));
      } else {
        expect(latin(encodeClassic(d.message))).to.equal(latin(pkt));
      }
    }
  });

  it('decodes the same message from the netstring and the classic rendering', () => {
    for (const c of CAPTURED) {
      const d = decodeDatagram(Buffer.from(c.hex, 'hex'));
      if (!d.ok) throw new Error(d.reason);
      const back = decodeClassic(encodeClassic(d.message));
      if (!back.ok) throw new Error(back.reason);
      expect(latin(encodeNetstring(back.message))).to.equal(latin(encodeNetstring(d.message)));
    }
  });

  it('accepts the classic datagram the s12 injection test sent and exposes its inner auth', () => {
    const c = CAPTURED.find((x) => Buffer.from(x.hex, 'hex').subarray(0, 4).toString() === '>>>\n')!;
    const d = decodeDatagram(Buffer.from(c.hex, 'hex'));
    if (!d.ok) throw new Error(d.reason);
    expect(d.format).to.equal('classic');
    expect(d.trailer?.index).to.equal(1);
    expect(get(d.message, 'src')).to.equal('bravo');
    expect(latin(d.signedBytes)).to.match(/^t=status\n.*\(1\)srcuuid=CcdKVUeuRv2NZRJsEyEE1g==\n.*ttl=4\n$/s);
  });

  it('renders newlines in strings as 0x13 in classic text and restores them', () => {
    const m: HbMessage = { fields: [{ name: 'info', type: 0, value: 'a\nb' }] };
    expect(latin(classicSignedText(m))).to.equal('info=a\x13b\n');
    const back = decodeClassic(encodeClassic(m));
    expect(back.ok && get(back.message, 'info')).to.equal('a\nb');
  });

  it('renders nested structs with the depth byte 0x14, 0x15 ... in classic and round-trips them', () => {
    const inner2: HbMessage = { fields: [{ name: 'z', type: 0, value: '1' }] };
    const inner1: HbMessage = { fields: [{ name: 'y', type: 0, value: 'a\nb' }, { name: 'deep', type: 2, value: encodeNetstring(inner2) }] };
    const top: HbMessage = { fields: [{ name: 't', type: 0, value: 'x' }, { name: 'child', type: 2, value: encodeNetstring(inner1) }, { name: 'l', type: 3, value: Buffer.from('1:a,2:bc,') }] };
    const text = latin(encodeClassic(top));
    expect(text).to.equal('>>>\nt=x\n(2)child=>>>\x14y=a\x13b\x14(2)deep=>>>\x15z=1\x15<<<\x15\x14<<<\x14\n(3)l=1:a,2:bc,\n<<<\n');
    const back = decodeClassic(Buffer.from(text, 'latin1'));
    if (!back.ok) throw new Error(back.reason);
    expect(latin(encodeNetstring(back.message))).to.equal(latin(encodeNetstring(top)));
    const ns = decodeDatagram(appendTrailer(encodeNetstring(top), '1 ab'));
    expect(ns.ok).to.equal(true);
  });

  it('splits a FIFO stream into hb_standby messages and keeps the unfinished tail', () => {
    const one = '>>>\nt=ask_resources\nrsc_hold=all\ninfo=me\n<<<\n';
    const { messages, rest } = splitClassicStream(Buffer.from(`${one}${one}>>>\nt=hb_ta`, 'latin1'));
    expect(messages).to.have.length(2);
    expect(messages.every((m) => m.ok && get(m.message, 'rsc_hold') === 'all')).to.equal(true);
    expect(latin(rest)).to.equal('>>>\nt=hb_ta');
  });

  it('skips blank lines in classic text as Heartbeat does', () => {
    const r = decodeClassic(Buffer.from('>>>\n\nt=x\n\n<<<\n', 'latin1'));
    expect(r.ok && r.message.fields.length).to.equal(1);
  });

  it('allows empty values (delnodelist=" " and truly empty)', () => {
    const d = decodeDatagram(bytes('###\\n16:(0)delnodelist= ,5:(0)e=,%%%\\n4:1 ab,'));
    expect(d.ok && d.message.fields.map((f) => f.value)).to.deep.equal([' ', '']);
  });
});

const GOOD = '###\\n11:(0)t=status,%%%\\n4:1 ab,';
const cases: Array<[string, Buffer, DecodeErrorCode, RegExp]> = [
  ['an empty datagram', Buffer.alloc(0), 'truncated', /truncated/],
  ['a datagram cut inside ###', Buffer.from('##'), 'truncated', /truncated/],
  ['an unknown start', Buffer.from('GET / HTTP/1.0\r\n'), 'unknown-framing', /unknown message framing/],
  ['a cut after a length', bytes('###\\n11'), 'truncated', /truncated/],
  ['a length that runs past the end', bytes('###\\n99:(0)t=status,%%%\\n4:1 ab,'), 'truncated', /runs past the end/],
  ['a length with a leading zero', bytes('###\\n011:(0)t=status,%%%\\n4:1 ab,'), 'bad-length', /leading zero/],
  ['a length without colon', bytes('###\\n11;(0)t=status,%%%\\n4:1 ab,'), 'bad-length', /':'/],
  ['a non-digit length', bytes('###\\nxx:(0)t=status,%%%\\n4:1 ab,'), 'bad-length', /decimal length/],
  ['an 8-digit length', bytes('###\\n00000011:(0)t=status,%%%\\n4:1 ab,'), 'bad-length', /too long/],
  ['a length one short (no comma where expected)', bytes('###\\n10:(0)t=status,%%%\\n4:1 ab,'), 'missing-comma', /missing ','/],
  ['a type digit 7', bytes('###\\n11:(7)t=status,%%%\\n4:1 ab,'), 'bad-type', /type digit/],
  ['no type prefix', bytes('###\\n10:t=status__,%%%\\n4:1 ab,'), 'bad-type', /type prefix/],
  ['no = in a field', bytes('###\\n11:(0)t_status,%%%\\n4:1 ab,'), 'no-equals', /no '='/],
  ['an empty field name', bytes('###\\n10:(0)=status,%%%\\n4:1 ab,'), 'bad-name', /name/],
  ['a NUL in a string', Buffer.from('###\n11:(0)t=sta\0us,%%%\n4:1 ab,', 'latin1'), 'bad-value', /NUL/],
  ['a compressed field type', bytes('###\\n11:(4)t=status,%%%\\n4:1 ab,'), 'compressed', /compressed/],
  ['a _compressed_payload field', bytes('###\\n24:(1)_compressed_payload=x,%%%\\n4:1 ab,'), 'compressed', /not supported/],
  ['no %%% end', bytes('###\\n11:(0)t=status,'), 'truncated', /%%%/],
  ['no auth trailer', bytes('###\\n11:(0)t=status,%%%\\n'), 'truncated', /no auth trailer/],
  ['a trailer without comma', bytes('###\\n11:(0)t=status,%%%\\n4:1 ab;'), 'bad-trailer', /auth trailer/],
  ['a trailer with uppercase hex', bytes('###\\n11:(0)t=status,%%%\\n4:1 AB,'), 'bad-trailer', /index> <hex/],
  ['a trailer without index', bytes('###\\n3: ab,'.replace('3: ab', '11:(0)t=status,%%%\\n3: ab')), 'bad-trailer', /auth trailer/],
  ['bytes after the trailer', bytes(`${GOOD}\\n`), 'trailing-bytes', /after the auth trailer/],
  ['a bad struct value', bytes('###\\n11:(2)s=###\\nxx,%%%\\n4:1 ab,'), 'bad-length', /length/],
  ['a classic line without =', Buffer.from('>>>\nt=x\nbogus\n<<<\n'), 'no-equals', /without '='/],
  ['a classic message without <<<', Buffer.from('>>>\nt=x\n'), 'truncated', /<<</],
  ['a classic binary with bad base64', Buffer.from('>>>\n(1)u=@@@@\n<<<\n'), 'bad-value', /base64/],
  ['a classic binary with non-canonical base64', Buffer.from('>>>\n(1)u=QR==\n<<<\n'), 'bad-value', /base64/],
  ['bytes after <<<', Buffer.from('>>>\nt=x\n<<<\nmore'), 'trailing-bytes', /after <<</],
  ['an oversized datagram', Buffer.concat([bytes('###\\n'), Buffer.alloc(MAXMSG)]), 'oversized', /MAXMSG/],
];

describe('wire decode of malformed input', () => {
  it('decodes the well-formed base case used below', () => {
    expect(decodeDatagram(bytes(GOOD)).ok).to.equal(true);
  });
  for (const [what, buf, code, reason] of cases) {
    it(`rejects ${what} as ${code}`, () => {
      const r = decodeDatagram(buf);
      expect(r.ok).to.equal(false);
      if (r.ok) return;
      expect(r.code).to.equal(code);
      expect(r.reason).to.match(reason);
    });
  }

  it('rejects structs nested deeper than MAX_DEPTH', () => {
    let v = encodeNetstring({ fields: [{ name: 'a', type: 0, value: 'b' }] });
    for (let i = 0; i < 20; i++) v = encodeNetstring({ fields: [{ name: 's', type: 2, value: v }] });
    const r = decodeDatagram(appendTrailer(v, '1 ab'));
    expect(r.ok === false && r.code).to.equal('too-deep');
  });
});
