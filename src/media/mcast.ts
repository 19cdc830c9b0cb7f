// `mcast IFACE GROUP PORT TTL LOOP` (Heartbeat's mcast.c): join GROUP on IFACE's address, send
// to GROUP:PORT out of IFACE with the given TTL and loopback flag. The receive socket is bound to
// GROUP:PORT so it only sees that group, and coexists with bcast/ucast sockets on the same port.
import type { Socket } from 'node:dgram';
import { HaError } from '../lib/errors.js';
import { ifaceIPv4 } from './iface.js';
import type { MediumDeps } from './medium.js';
import { UdpMedium, type UdpBound, type UdpOptions } from './udp-medium.js';
import { strerror } from './write-errors.js';

export interface McastOptions extends UdpOptions {
  readonly group: string;
  readonly ttl: number;
  readonly loop: boolean;
}

export class McastMedium extends UdpMedium<McastOptions> {
  constructor(opts: McastOptions, deps: MediumDeps) {
    super('mcast', opts, deps);
  }

  protected async bind(): Promise<UdpBound> {
    const { iface, group, port, ttl, loop } = this.opts;
    const ip = ifaceIPv4('mcast', iface, this.deps);
    const join = (rx: Socket): void => {
      try {
        rx.addMembership(group, ip.address);
      } catch (err) {
        throw new HaError('HA_E_MEDIA', `mcast: Can't join multicast group ${group} on interface ${iface}: ${strerror(err)}`, { cause: err });
      }
    };
    const setupTx = (tx: Socket): void => {
      tx.setMulticastInterface(ip.address);
      tx.setMulticastTTL(ttl);
      tx.setMulticastLoopback(loop);
    };
    const { rx, tx } = await this.bindPair(group, ip.address, join, setupTx);
    const started = `glib: UDP multicast heartbeat started for group ${group} port ${port} interface ${iface} (ttl=${ttl} loop=${loop ? 1 : 0})`;
    return { rx, tx, dest: group, started };
  }
}
