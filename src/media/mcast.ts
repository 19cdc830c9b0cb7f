// `mcast IFACE GROUP PORT TTL LOOP` (Heartbeat's mcast.c): join GROUP on IFACE's address, send
// to GROUP:PORT out of IFACE with the given TTL and loopback flag. The receive socket is bound to
// GROUP:PORT so it only sees that group, and coexists with bcast/ucast sockets on the same port.
import type { Socket } from 'node:dgram';
import { HaError } from '../lib/errors.js';
import { ifaceIPv4 } from './iface.js';
import type { Medium, MediumDeps, PacketHandler } from './medium.js';
import { bindUdp, closeUdp, sendUdp } from './udp.js';
import { WriteErrorLimiter, strerror } from './write-errors.js';

export interface McastOptions {
  readonly iface: string;
  readonly group: string;
  readonly port: number;
  readonly ttl: number;
  readonly loop: boolean;
}

export class McastMedium implements Medium {
  readonly kind = 'mcast';
  readonly format = 'netstring';
  readonly name: string;
  readonly linkName: string;
  private tx: Socket | null = null;
  private rx: Socket | null = null;
  private readonly errors: WriteErrorLimiter;

  constructor(
    private readonly opts: McastOptions,
    private readonly deps: MediumDeps,
  ) {
    this.name = `mcast ${opts.iface}`;
    this.linkName = opts.iface;
    this.errors = new WriteErrorLimiter(deps.log, 'mcast', opts.iface);
  }

  async open(onPacket: PacketHandler): Promise<void> {
    const { iface, group, port, ttl, loop } = this.opts;
    const ip = ifaceIPv4('mcast', iface, this.deps);
    const rx = await bindUdp('mcast', group, port, this.deps.log, this.name);
    let tx: Socket | null = null;
    try {
      try {
        rx.addMembership(group, ip.address);
      } catch (err) {
        throw new HaError('HA_E_MEDIA', `mcast: Can't join multicast group ${group} on interface ${iface}: ${strerror(err)}`, { cause: err });
      }
      tx = await bindUdp('mcast', ip.address, 0, this.deps.log, this.name);
      tx.setMulticastInterface(ip.address);
      tx.setMulticastTTL(ttl);
      tx.setMulticastLoopback(loop);
    } catch (err) {
      await Promise.all([closeUdp(rx), closeUdp(tx)]);
      throw err;
    }
    rx.on('message', (buf, rinfo) => onPacket(buf, rinfo.address));
    this.rx = rx;
    this.tx = tx;
    this.deps.log.log('info', `glib: UDP multicast heartbeat started for group ${group} port ${port} interface ${iface} (ttl=${ttl} loop=${loop ? 1 : 0})`);
  }

  send(buf: Buffer): void {
    if (!this.tx) return;
    sendUdp(this.tx, buf, this.opts.group, this.opts.port, 'mcast', this.opts.iface, this.errors);
  }

  async close(): Promise<void> {
    const { rx, tx } = this;
    this.rx = this.tx = null;
    await Promise.all([closeUdp(rx), closeUdp(tx)]);
  }
}
