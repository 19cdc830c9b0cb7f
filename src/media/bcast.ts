// `bcast IFACE`: Heartbeat's bcast.c sends to the interface's directed broadcast address on
// udpport. We bind the send socket to the interface's IPv4 address (the kernel then routes the
// broadcast out of that interface) and the receive socket to BROADCAST:port, which only receives
// broadcasts for that subnet: our per-interface filter in place of SO_BINDTODEVICE.
// Our own broadcasts loop back and are delivered like any other packet: Heartbeat counts them as
// its own link being up ("Link alpha:eth1 up."), so the core decides what to do with them.
import type { Socket } from 'node:dgram';
import { ifaceIPv4 } from './iface.js';
import type { Medium, MediumDeps, PacketHandler } from './medium.js';
import { bindUdp, closeUdp, sendUdp } from './udp.js';
import { WriteErrorLimiter } from './write-errors.js';

export interface BcastOptions {
  readonly iface: string;
  readonly port: number;
}

export class BcastMedium implements Medium {
  readonly kind = 'bcast';
  readonly format = 'netstring';
  readonly name: string;
  readonly linkName: string;
  private tx: Socket | null = null;
  private rx: Socket | null = null;
  private dest = '';
  private readonly errors: WriteErrorLimiter;

  constructor(
    private readonly opts: BcastOptions,
    private readonly deps: MediumDeps,
  ) {
    this.name = `bcast ${opts.iface}`;
    this.linkName = opts.iface;
    this.errors = new WriteErrorLimiter(deps.log, 'bcast', opts.iface);
  }

  async open(onPacket: PacketHandler): Promise<void> {
    const { iface, port } = this.opts;
    const ip = ifaceIPv4('bcast', iface, this.deps);
    this.dest = ip.broadcast;
    const rx = await bindUdp('bcast', ip.broadcast, port, this.deps.log, this.name);
    let tx: Socket;
    try {
      tx = await bindUdp('bcast', ip.address, 0, this.deps.log, this.name);
      tx.setBroadcast(true); // without SO_BROADCAST, send fails with EACCES
    } catch (err) {
      await closeUdp(rx);
      throw err;
    }
    rx.on('message', (buf, rinfo) => onPacket(buf, rinfo.address));
    this.rx = rx;
    this.tx = tx;
    this.deps.log.log('info', `glib: UDP Broadcast heartbeat started on port ${port} (${port}) interface ${iface}`);
  }

  send(buf: Buffer): void {
    if (!this.tx) return;
    sendUdp(this.tx, buf, this.dest, this.opts.port, 'bcast', this.opts.iface, this.errors);
  }

  async close(): Promise<void> {
    const { rx, tx } = this;
    this.rx = this.tx = null;
    await Promise.all([closeUdp(rx), closeUdp(tx)]);
  }
}
