// The one interface every heartbeat medium implements (Heartbeat's HBcomm plugin split:
// bcast, ucast, mcast, serial), plus what a medium needs from the daemon. No I/O here.
import type { Log } from '../log/types.js';
import type { WireFormat } from '../wire/types.js';

export type MediumKind = 'bcast' | 'ucast' | 'mcast' | 'serial' | 'memory';

export type PacketHandler = (buf: Buffer, from: string) => void;

export interface Medium {
  readonly kind: MediumKind;
  /** Heartbeat's words for logs: "bcast eth1", "ucast eth0", "mcast eth0", "serial /dev/ttyS0". */
  readonly name: string;
  /** Link name for link status: the LOCAL interface name (eth0) or the tty path. */
  readonly linkName: string;
  /**
   * The framing Heartbeat itself sends on this medium. UDP media carry netstring; serial carries
   * classic `>>>`/`<<<` text only (serial.c converts netstring to classic and re-signs it, and a
   * real serial reader skips every line until `>>>`), so the daemon must encode classic for it.
   */
  readonly format: WireFormat;
  /** Binds/opens; rejects with HaError('HA_E_MEDIA') naming the medium. from = source ip or tty. */
  open(onPacket: PacketHandler): Promise<void>;
  /**
   * Never blocks, never throws. Failures are logged through the medium's WriteErrorLimiter in
   * Heartbeat's words (write_child: rate-limited, "Is a cable unplugged on bcast eth1?").
   */
  send(buf: Buffer): void;
  /** Idempotent. */
  close(): Promise<void>;
}

/** One IPv4 address of an interface, as os.networkInterfaces() reports it. */
export interface IfaceAddrInfo {
  readonly address: string;
  readonly netmask: string;
  readonly family: string | number;
}

export type InterfaceTable = Readonly<Record<string, readonly IfaceAddrInfo[] | undefined>>;

export interface MediumDeps {
  readonly log: Log;
  /**
   * Interface table (default os.networkInterfaces, plus `ip -4 -o addr show` for interfaces it hides
   * because they are down or have no carrier); tests inject addresses such as 127.0.0.2.
   */
  readonly interfaces?: () => InterfaceTable;
  /** Whether an interface exists without any address (default: /sys/class/net/NAME exists). */
  readonly ifaceExists?: (name: string) => boolean;
  /** UUCP lock directory for serial lines (default /var/lock, Heartbeat's HA_VARLOCKDIR). */
  readonly lockDir?: string;
}
