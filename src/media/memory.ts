// In-process medium for tests: media on one MemoryBus hear each other, like hosts on one
// broadcast segment. Delivery is asynchronous (setImmediate), as a real network is. The bus can
// be cut (sends fail with "Network is unreachable", reported like Heartbeat's write_child) or
// given a filter to drop packets.
import { HaError } from '../lib/errors.js';
import type { Medium, MediumDeps, PacketHandler } from './medium.js';
import { WriteErrorLimiter } from './write-errors.js';

export class MemoryBus {
  private readonly members = new Set<MemoryMedium>();
  /** When true, every send fails with ENETUNREACH (a pulled cable). */
  down = false;
  /** Return false to drop a packet from `from` to `to`. */
  filter: ((buf: Buffer, from: string, to: string) => boolean) | null = null;

  /** @internal */ join(m: MemoryMedium): void {
    this.members.add(m);
  }
  /** @internal */ leave(m: MemoryMedium): void {
    this.members.delete(m);
  }
  /** @internal */ deliver(sender: MemoryMedium, buf: Buffer): void {
    for (const m of this.members) {
      if (m === sender && !sender.loopback) continue;
      if (this.filter && !this.filter(buf, sender.address, m.address)) continue;
      const copy = Buffer.from(buf);
      setImmediate(() => m.receive(copy, sender.address));
    }
  }
}

export interface MemoryOptions {
  /** The `from` that receivers see (an address or node name). */
  readonly address: string;
  /** Link name for link status (default "mem0"). */
  readonly linkName?: string;
  /** Deliver our own packets back to us, as bcast does (default false). */
  readonly loopback?: boolean;
}

export class MemoryMedium implements Medium {
  readonly kind = 'memory';
  readonly format = 'netstring';
  readonly name: string;
  readonly linkName: string;
  readonly address: string;
  readonly loopback: boolean;
  private handler: PacketHandler | null = null;
  private readonly errors: WriteErrorLimiter;

  constructor(
    private readonly bus: MemoryBus,
    opts: MemoryOptions,
    deps: MediumDeps,
  ) {
    this.address = opts.address;
    this.linkName = opts.linkName ?? 'mem0';
    this.loopback = opts.loopback ?? false;
    this.name = `memory ${this.linkName}`;
    this.errors = new WriteErrorLimiter(deps.log, 'memory', this.linkName);
  }

  async open(onPacket: PacketHandler): Promise<void> {
    if (this.handler) throw new HaError('HA_E_MEDIA', `${this.name}: already open`);
    this.handler = onPacket;
    this.bus.join(this);
  }

  send(buf: Buffer): void {
    if (!this.handler) return;
    if (this.bus.down) {
      const reason = 'Network is unreachable';
      this.errors.failed(`glib: memory_write: Unable to send HBcomm packet ${this.linkName} bus len=${buf.length} [-1]: ${reason}`, reason);
      return;
    }
    this.errors.succeeded();
    this.bus.deliver(this, buf);
  }

  /** @internal */ receive(buf: Buffer, from: string): void {
    this.handler?.(buf, from);
  }

  async close(): Promise<void> {
    this.handler = null;
    this.bus.leave(this);
  }
}
