// Builds the adapter for one configured medium. The daemon calls mediaForHost() first, then this.
import type { MediumConfig } from '../config/types.js';
import { BcastMedium } from './bcast.js';
import { McastMedium } from './mcast.js';
import type { Medium, MediumDeps } from './medium.js';
import { SerialMedium } from './serial.js';
import { UcastMedium } from './ucast.js';

export function createMedium(cfg: MediumConfig, deps: MediumDeps): Medium {
  switch (cfg.kind) {
    case 'bcast':
      return new BcastMedium({ iface: cfg.iface, port: cfg.port }, deps);
    case 'ucast':
      return new UcastMedium({ iface: cfg.iface, peer: cfg.peer, port: cfg.port }, deps);
    case 'mcast':
      return new McastMedium({ iface: cfg.iface, group: cfg.group, port: cfg.port, ttl: cfg.ttl, loop: cfg.loop }, deps);
    case 'serial':
      return new SerialMedium({ device: cfg.device, baud: cfg.baud }, deps);
  }
}

export type { Medium, MediumDeps, MediumKind, PacketHandler, InterfaceTable, IfaceAddrInfo } from './medium.js';
export { BcastMedium } from './bcast.js';
export { UcastMedium } from './ucast.js';
export { McastMedium } from './mcast.js';
export { SerialMedium, sttyArgs } from './serial.js';
export { MemoryBus, MemoryMedium } from './memory.js';
export { mediaForHost, mediumName, type MediaForHost, type SkippedMedium } from './select.js';
export { ifaceIPv4, localIPv4Addresses, broadcastOf, type IfaceIPv4 } from './iface.js';
export { WriteErrorLimiter, strerror } from './write-errors.js';
export { SerialFramer, fragmentDelayMs } from './serial-frame.js';
export { ttyLock, ttyUnlock, lockName } from './tty-lock.js';
