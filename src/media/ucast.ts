// `ucast IFACE PEER`: one datagram per message to PEER:udpport (Heartbeat's ucast.c).
// Heartbeat binds its receive socket to 0.0.0.0:694 with SO_BINDTODEVICE(IFACE); Node cannot set
// SO_BINDTODEVICE, and a second 0.0.0.0:694 socket would steal datagrams from the others, so we
// bind the receive socket to IFACE's own IPv4 address instead. That coexists with bcast
// (BROADCAST:694) and mcast (GROUP:694) sockets and with ucast on other interfaces in one
// namespace. Like Heartbeat, we accept datagrams from any source; the core checks auth and src.
import type { Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { HaError } from '../lib/errors.js';
import { ifaceIPv4 } from './iface.js';
import type { Medium, MediumDeps, PacketHandler } from './medium.js';
import { bindUdp, closeUdp, sendUdp } from './udp.js';
import { WriteErrorLimiter } from './write-errors.js';

export interface UcastOptions {
  readonly iface: string;
  /** IPv4 address or host name (resolved once, at open). */
  readonly peer: string;
  readonly port: number;
}

export class UcastMedium implements Medium {
  readonly kind = 'ucast';
  readonly format = 'netstring';
  readonly name: string;
  readonly linkName: string;
  private tx: Socket | null = null;
  private rx: Socket | null = null;
  private dest = '';
  private readonly errors: WriteErrorLimiter;

  constructor(
    private readonly opts: UcastOptions,
    private readonly deps: MediumDeps,
  ) {
    this.name = `ucast ${opts.iface}`;
    this.linkName = opts.iface;
    this.errors = new WriteErrorLimiter(deps.log, 'ucast', opts.iface);
  }

  async open(onPacket: PacketHandler): Promise<void> {
    const { iface, peer, port } = this.opts;
    const ip = ifaceIPv4('ucast', iface, this.deps);
    this.dest = isIPv4(peer) ? peer : await resolvePeer(peer);
    const rx = await bindUdp('ucast', ip.address, port, this.deps.log, this.name);
    let tx: Socket;
    try {
      tx = await bindUdp('ucast', ip.address, 0, this.deps.log, this.name);
    } catch (err) {
      await closeUdp(rx);
      throw err;
    }
    rx.on('message', (buf, rinfo) => onPacket(buf, rinfo.address));
    this.rx = rx;
    this.tx = tx;
    this.deps.log.log('info', `glib: ucast: started on port ${port} interface ${iface} to ${this.dest}`);
  }

  send(buf: Buffer): void {
    if (!this.tx) return;
    sendUdp(this.tx, buf, this.dest, this.opts.port, 'ucast', this.opts.iface, this.errors);
  }

  async close(): Promise<void> {
    const { rx, tx } = this;
    this.rx = this.tx = null;
    await Promise.all([closeUdp(rx), closeUdp(tx)]);
  }
}

async function resolvePeer(peer: string): Promise<string> {
  try {
    return (await lookup(peer, { family: 4 })).address;
  } catch (err) {
    throw new HaError('HA_E_MEDIA', `ucast: cannot resolve hostname [${peer}]`, { cause: err });
  }
}
