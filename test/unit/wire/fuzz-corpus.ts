// Deterministic mutated-packet generator for fuzzing receive paths. Not a test file: import it
// from any fuzz test (the membership core will feed the same packets through its step()).
// Seeded PRNG, so every run and every machine sees the same 100,000 packets.

/** mulberry32: small, fast, good enough for test-case generation. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzCase {
  readonly buf: Buffer;
  /** Which mutation made it (for failure messages). */
  readonly kind: string;
  /** Index into the seed list of the packet it came from (the first one for splices). */
  readonly origin: number;
}

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

function bitFlips(r: Rand, b: Buffer): Buffer {
  const out = Buffer.from(b);
  const n = 1 + int(r, 4);
  for (let i = 0; i < n && out.length > 0; i++) out[int(r, out.length)]! ^= 1 << int(r, 8);
  return out;
}

function byteSet(r: Rand, b: Buffer): Buffer {
  const out = Buffer.from(b);
  const specials = [0x00, 0x0a, 0x13, 0x14, 0x28, 0x29, 0x2c, 0x3a, 0x3d, 0x23, 0x25, 0x3e, 0x3c, 0x30, 0x39, 0xff];
  if (out.length > 0) out[int(r, out.length)] = r() < 0.5 ? specials[int(r, specials.length)]! : int(r, 256);
  return out;
}

function truncate(r: Rand, b: Buffer): Buffer {
  return b.subarray(0, int(r, b.length + 1));
}

/** Rewrites one run of decimal digits (a netstring length, a seq, an index...). */
function tamperLength(r: Rand, b: Buffer): Buffer {
  const s = b.toString('latin1');
  const runs = [...s.matchAll(/[0-9]+(?=:)/g)];
  const m = runs.length > 0 ? runs[int(r, runs.length)]! : undefined;
  if (m === undefined || m.index === undefined) return byteSet(r, b);
  const old = Number(m[0]);
  const choices = [old + 1, old - 1, old * 10, 0, old + 1000, 99999999, old + int(r, 40) - 20];
  const repl = r() < 0.1 ? `0${old}` : String(Math.max(0, choices[int(r, choices.length)]!));
  return Buffer.from(s.slice(0, m.index) + repl + s.slice(m.index + m[0].length), 'latin1');
}

function splice(r: Rand, a: Buffer, c: Buffer): Buffer {
  return Buffer.concat([a.subarray(0, int(r, a.length + 1)), c.subarray(int(r, c.length + 1))]);
}

/** Moves one byte range elsewhere (field reorder, duplicated or dropped fields). */
function shuffle(r: Rand, b: Buffer): Buffer {
  const i = int(r, b.length + 1);
  const j = i + int(r, Math.min(64, b.length - i) + 1);
  const piece = b.subarray(i, j);
  const rest = Buffer.concat([b.subarray(0, i), b.subarray(j)]);
  const at = int(r, rest.length + 1);
  const dup = r() < 0.3 ? piece : Buffer.alloc(0);
  return Buffer.concat([rest.subarray(0, at), piece, dup, rest.subarray(at)]);
}

function garbage(r: Rand): Buffer {
  const heads = ['###\n', '>>>\n', '', '##', '%%%\n'];
  const body = Buffer.alloc(int(r, 400));
  for (let i = 0; i < body.length; i++) body[i] = r() < 0.7 ? 0x20 + int(r, 0x5f) : int(r, 256);
  return Buffer.concat([Buffer.from(heads[int(r, heads.length)]!, 'latin1'), body]);
}

/** `count` mutated packets from `seeds`, deterministic for a given `seed`. */
export function* fuzzCases(seeds: readonly Buffer[], count: number, seed = 0x5eed): Generator<FuzzCase> {
  const r = prng(seed);
  for (let n = 0; n < count; n++) {
    const origin = int(r, seeds.length);
    const b = seeds[origin]!;
    const k = int(r, 100);
    if (k < 30) yield { buf: bitFlips(r, b), kind: 'bit-flip', origin };
    else if (k < 45) yield { buf: byteSet(r, b), kind: 'byte-set', origin };
    else if (k < 55) yield { buf: truncate(r, b), kind: 'truncate', origin };
    else if (k < 70) yield { buf: tamperLength(r, b), kind: 'length', origin };
    else if (k < 82) yield { buf: splice(r, b, seeds[int(r, seeds.length)]!), kind: 'splice', origin };
    else if (k < 94) yield { buf: shuffle(r, b), kind: 'shuffle', origin };
    else if (k < 97) yield { buf: garbage(r), kind: 'garbage', origin };
    else yield { buf: Buffer.from(b), kind: 'identity', origin };
  }
}
