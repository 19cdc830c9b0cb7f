// The runtime's outgoing side (split from runtime.ts for size): which media this host opens, and
// every message completed, signed and encoded once per wire format, sent on every medium and kept
// for NS_rexmit answers.
import { openSync, readSync } from 'node:fs';
import type { ClusterConfig } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { Log } from '../log/types.js';
import { createMedium, localIPv4Addresses, mediaForHost, type Medium } from '../media/index.js';
import { buildMessage, encodeMessageSigned, withInnerAuth } from '../wire/build.js';
import { encodeClassic } from '../wire/classic.js';
import { KnownDatagrams } from '../wire/known.js';
import type { HbMessage } from '../wire/types.js';

/** Heartbeat keeps the last 500 sent messages for retransmission (MAXMSGHIST). */
const HISTORY = 500;
/** The kernel recomputes the load average every 5 s; reading it more often only costs syscalls. */
const LOADAVG_MS = 5000;

/** What the runtime stamps on each message, read at send time. */
export interface OutboxStamp {
  readonly uuid: Buffer;
  readonly generation: number;
  readonly pingTargets: number;
}

export function createMedia(cfg: ClusterConfig, log: Log): Medium[] {
  const sel = mediaForHost(cfg.haCf.media, localIPv4Addresses());
  for (const s of sel.skipped) log.log('info', s.message);
  return sel.media.map((m) => createMedium(m, { log }));
}

export class Outbox {
  /** Peers' uuids, learned from their srcuuid: for destuuid on addressed messages. */
  readonly peerUuids = new Map<string, Buffer>();
  /** What we sent (our broadcast comes back to us) and what the runtime has verified. */
  readonly known = new KnownDatagrams();
  private readonly history = new SentHistory(HISTORY);
  private cfg: ClusterConfig;
  private readonly clock: Clock;
  private readonly loadavg: (() => string) | undefined;
  private ld = '';
  private ldAt = -Infinity;

  constructor(cfg: ClusterConfig, clock: Clock, loadavg: (() => string) | undefined) {
    this.cfg = cfg;
    this.clock = clock;
    this.loadavg = loadavg;
  }

  /**
   * New keys (reload). Datagrams remembered as authentic were checked with the old ones, and
   * their copies must not pass unchecked once a key is gone. The rexmit history keeps its old
   * signatures, which a peer with the old key still accepts, as before the reload.
   */
  setAuthkeys(authkeys: ClusterConfig['authkeys']): void {
    this.cfg = { ...this.cfg, authkeys };
    this.known.clear();
  }

  /**
   * A peer's srcuuid, kept only when it changes and as a copy of its own: the decoded field is a
   * slice of a shared allocation-pool chunk, which holding it would keep alive (issue 24).
   */
  learnUuid(node: string, uuid: Buffer): void {
    const old = this.peerUuids.get(node);
    if (old !== undefined && old.equals(uuid)) return;
    const own = Buffer.allocUnsafeSlow(uuid.length);
    uuid.copy(own);
    this.peerUuids.set(node, own);
  }

  /** Complete, sign and send one message on every medium; keep it for NS_rexmit answers. */
  send(media: readonly Medium[], stamp: OutboxStamp, fields: HbMessage['fields'], seq: number | undefined, dest: string | undefined): void {
    const h = this.cfg.haCf;
    // Heartbeat stamps destuuid on a message addressed to itself too (ip-request-resp dest=self):
    // its own uuid is in its node table like a peer's (seen in the interop capture).
    const destUuid = dest === undefined ? undefined : dest === this.cfg.thisNode ? stamp.uuid : this.peerUuids.get(dest);
    const ctx = {
      src: this.cfg.thisNode,
      uuid: stamp.uuid,
      seq: seq ?? 0,
      hg: stamp.generation,
      tsSec: Math.floor(this.clock.wallTime().getTime() / 1000),
      ld: this.currentLoadavg(),
      ttl: h.hopfudge + h.nodes.length + stamp.pingTargets,
      msgfmt: h.msgfmt,
      authkeys: this.cfg.authkeys,
      ...(destUuid ? { destUuid } : {}),
    };
    const msg = buildMessage(fields, ctx);
    const net = encodeMessageSigned(msg, this.cfg.authkeys);
    const wantClassic = media.some((m) => m.format === 'classic');
    const classic = wantClassic ? encodeClassic(h.msgfmt === 'classic' ? msg : withInnerAuth(msg, this.cfg.authkeys)) : null;
    for (const m of media) m.send(m.format === 'classic' && classic ? classic : net);
    this.known.add(net, msg, true);
    if (seq !== undefined && seq > 0) this.history.put(seq, net, classic);
  }

  /** Messages kept for NS_rexmit answers (at most HISTORY). */
  get historySize(): number {
    return this.history.size;
  }

  private currentLoadavg(): string {
    const now = this.clock.now();
    if (now - this.ldAt >= LOADAVG_MS) {
      this.ld = (this.loadavg ?? readLoadavg)();
      this.ldAt = now;
    }
    return this.ld;
  }

  /** An NS_rexmit answer: the kept bytes again, on every medium (nothing when too old). */
  resend(media: readonly Medium[], seq: number): void {
    const net = this.history.net(seq);
    if (net === undefined) return;
    const classic = this.history.classic(seq);
    for (const m of media) m.send(m.format === 'classic' && classic ? classic : net);
  }
}

/**
 * The last `size` sent messages by seq, for NS_rexmit answers: slot seq % size, overwritten by the
 * message `size` seqs later, so the bound holds by construction (a seq that is skipped only leaves
 * its slot to the next one). The bytes are copied into buffers the slots own and reuse: a kept
 * message is a slice of Node's shared 8 KiB allocation pool otherwise, and each one pinned a whole
 * pool chunk (with the encoder's temporaries in it) long enough to be promoted to V8's old space,
 * where it waited minutes for a full collection: the first minutes' RSS climb of issue 24.
 */
export class SentHistory {
  private readonly seqs: Float64Array;
  private readonly nets: (Buffer | undefined)[];
  private readonly netLen: Uint32Array;
  private readonly classics: (Buffer | undefined)[];
  /** Classic length + 1; 0 = none kept for that slot. */
  private readonly classicLen: Uint32Array;
  private kept = 0;

  constructor(readonly capacity: number) {
    this.seqs = new Float64Array(capacity).fill(-1);
    this.nets = new Array<Buffer | undefined>(capacity);
    this.netLen = new Uint32Array(capacity);
    this.classics = new Array<Buffer | undefined>(capacity);
    this.classicLen = new Uint32Array(capacity);
  }

  get size(): number {
    return this.kept;
  }

  put(seq: number, net: Buffer, classic: Buffer | null): void {
    const i = seq % this.capacity;
    if (this.seqs[i] === -1) this.kept++;
    this.seqs[i] = seq;
    this.nets[i] = copyInto(this.nets[i], net);
    this.netLen[i] = net.length;
    if (classic) {
      this.classics[i] = copyInto(this.classics[i], classic);
      this.classicLen[i] = classic.length + 1;
    } else this.classicLen[i] = 0;
  }

  net(seq: number): Buffer | undefined {
    const i = seq % this.capacity;
    return this.seqs[i] === seq ? this.nets[i]?.subarray(0, this.netLen[i]) : undefined;
  }

  classic(seq: number): Buffer | undefined {
    const i = seq % this.capacity;
    const n = this.classicLen[i] ?? 0;
    return this.seqs[i] === seq && n > 0 ? this.classics[i]?.subarray(0, n - 1) : undefined;
  }
}

/** `src` copied into `slot`, or into a new buffer of its own (not from the shared pool) when it does not fit. */
function copyInto(slot: Buffer | undefined, src: Buffer): Buffer {
  const b = slot !== undefined && slot.length >= src.length ? slot : Buffer.allocUnsafeSlow(Math.max(512, 2 ** Math.ceil(Math.log2(src.length))));
  src.copy(b);
  return b;
}

/** /proc/loadavg stays open: a read at offset 0 regenerates it, without an open and close each time. */
let loadavgFd: number | null = null;
const loadavgBuf = Buffer.alloc(128);

function readLoadavg(): string {
  try {
    loadavgFd ??= openSync('/proc/loadavg', 'r');
    const n = readSync(loadavgFd, loadavgBuf, 0, loadavgBuf.length, 0);
    return loadavgBuf.toString('latin1', 0, n).split('\n')[0] ?? '';
  } catch {
    return '0.00 0.00 0.00 1/1 1';
  }
}
