// `ucast IFACE PEER`: one datagram per message to PEER:udpport (Heartbeat's ucast.c).
// Heartbeat binds its receive socket to 0.0.0.0:694 with SO_BINDTODEVICE(IFACE); Node cannot set
// SO_BINDTODEVICE, and a second 0.0.0.0:694 socket would steal datagrams from the others, so we
// bind the receive socket to IFACE's own IPv4 address instead. That coexists with bcast
// (BROADCAST:694) and mcast (GROUP:694) sockets and with ucast on other interfaces in one
// namespace. Like Heartbeat, we accept datagrams from any source; the core checks auth and src.
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { HaError } from '../lib/errors.js';
import { ifaceIPv4 } from './iface.js';
import type { MediumDeps } from './medium.js';
import { UdpMedium, type UdpBound, type UdpOptions } from './udp-medium.js';

export interface UcastOptions extends UdpOptions {
  /** IPv4 address or host name (resolved once, at open). */
  readonly peer: string;
}

export class UcastMedium extends UdpMedium<UcastOptions> {
  constructor(opts: UcastOptions, deps: MediumDeps) {
    super('ucast', opts, deps);
  }

  protected async bind(): Promise<UdpBound> {
    const { iface, peer, port } = this.opts;
    const ip = ifaceIPv4('ucast', iface, this.deps);
    const dest = isIPv4(peer) ? peer : await resolvePeer(peer);
    const { rx, tx } = await this.bindPair(ip.address, ip.address);
    return { rx, tx, dest, started: `glib: ucast: started on port ${port} interface ${iface} to ${dest}` };
  }
}

async function resolvePeer(peer: string): Promise<string> {
  try {
    return (await lookup(peer, { family: 4 })).address;
  } catch (err) {
    throw new HaError('HA_E_MEDIA', `ucast: cannot resolve hostname [${peer}]`, { cause: err });
  }
}
