// `bcast IFACE`: Heartbeat's bcast.c sends to the interface's directed broadcast address on
// udpport. We bind the send socket to the interface's IPv4 address (the kernel then routes the
// broadcast out of that interface) and the receive socket to BROADCAST:port, which only receives
// broadcasts for that subnet: our per-interface filter in place of SO_BINDTODEVICE.
// Our own broadcasts loop back and are delivered like any other packet: Heartbeat counts them as
// its own link being up ("Link alpha:eth1 up."), so the core decides what to do with them.
import { ifaceIPv4 } from './iface.js';
import type { MediumDeps } from './medium.js';
import { UdpMedium, type UdpBound, type UdpOptions } from './udp-medium.js';

export type BcastOptions = UdpOptions;

export class BcastMedium extends UdpMedium<BcastOptions> {
  constructor(opts: BcastOptions, deps: MediumDeps) {
    super('bcast', opts, deps);
  }

  protected async bind(): Promise<UdpBound> {
    const { iface, port } = this.opts;
    const ip = ifaceIPv4('bcast', iface, this.deps);
    // without SO_BROADCAST, send fails with EACCES
    const { rx, tx } = await this.bindPair(ip.broadcast, ip.address, undefined, (s) => s.setBroadcast(true));
    const started = `glib: UDP Broadcast heartbeat started on port ${port} (${port}) interface ${iface}`;
    return { rx, tx, dest: ip.broadcast, started };
  }
}
