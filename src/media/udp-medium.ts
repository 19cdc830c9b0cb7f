// What bcast, ucast and mcast share (Heartbeat's three UDP HBcomm plugins): a receive socket and a
// send socket, a write-error limiter named after the plugin, send without blocking, close both.
// Each plugin supplies only where its sockets bind, how they are set up and its own start line.
import type { Socket } from 'node:dgram';
import type { Medium, MediumDeps, PacketHandler } from './medium.js';
import { bindUdp, closeUdp, sendUdp } from './udp.js';
import { WriteErrorLimiter } from './write-errors.js';

export type UdpKind = 'bcast' | 'ucast' | 'mcast';

export interface UdpOptions {
  readonly iface: string;
  readonly port: number;
}

/** What a plugin's bind() hands back: both sockets bound, where to send, its "started" log line. */
export interface UdpBound {
  readonly rx: Socket;
  readonly tx: Socket;
  readonly dest: string;
  readonly started: string;
}

export abstract class UdpMedium<O extends UdpOptions> implements Medium {
  readonly format = 'netstring';
  readonly name: string;
  readonly linkName: string;
  private tx: Socket | null = null;
  private rx: Socket | null = null;
  private dest = '';
  private readonly errors: WriteErrorLimiter;

  constructor(
    readonly kind: UdpKind,
    protected readonly opts: O,
    protected readonly deps: MediumDeps,
  ) {
    this.name = `${kind} ${opts.iface}`;
    this.linkName = opts.iface;
    this.errors = new WriteErrorLimiter(deps.log, kind, opts.iface);
  }

  /** Binds both sockets (closing any it bound when it fails) and says where to send. */
  protected abstract bind(): Promise<UdpBound>;

  async open(onPacket: PacketHandler): Promise<void> {
    const { rx, tx, dest, started } = await this.bind();
    rx.on('message', (buf, rinfo) => onPacket(buf, rinfo.address));
    this.rx = rx;
    this.tx = tx;
    this.dest = dest;
    this.deps.log.log('info', started);
  }

  /**
   * Binds the receive socket to rxAddr:port, runs setupRx on it, then binds the send socket to
   * txAddr (any port) and runs setupTx on it; on any failure closes what it bound and rethrows.
   */
  protected async bindPair(
    rxAddr: string,
    txAddr: string,
    setupRx?: (rx: Socket) => void,
    setupTx?: (tx: Socket) => void,
  ): Promise<{ rx: Socket; tx: Socket }> {
    const rx = await bindUdp(this.kind, rxAddr, this.opts.port, this.deps.log, this.name);
    let tx: Socket | null = null;
    try {
      setupRx?.(rx);
      tx = await bindUdp(this.kind, txAddr, 0, this.deps.log, this.name);
      setupTx?.(tx);
    } catch (err) {
      await Promise.all([closeUdp(rx), closeUdp(tx)]);
      throw err;
    }
    return { rx, tx };
  }

  send(buf: Buffer): void {
    if (!this.tx) return;
    sendUdp(this.tx, buf, this.dest, this.opts.port, this.kind, this.opts.iface, this.errors);
  }

  async close(): Promise<void> {
    const { rx, tx } = this;
    this.rx = this.tx = null;
    await Promise.all([closeUdp(rx), closeUdp(tx)]);
  }
}
