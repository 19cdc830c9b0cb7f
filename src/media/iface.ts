// Interface lookups for UDP media: the IPv4 address, netmask and directed broadcast address of
// `eth1`, and the set of this host's own addresses. Reads os.networkInterfaces() (or an injected
// table); never touches sockets.
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { HaError } from '../lib/errors.js';
import type { InterfaceTable, MediumDeps } from './medium.js';

export interface IfaceIPv4 {
  readonly iface: string;
  readonly address: string;
  readonly netmask: string;
  /** Directed broadcast addr | ~mask (Heartbeat asks SIOCGIFBRDADDR; `brd +` gives the same). */
  readonly broadcast: string;
}

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function broadcastOf(address: string, netmask: string): string {
  return intToIp((ipToInt(address) | (~ipToInt(netmask) >>> 0)) >>> 0);
}

function table(deps: Pick<MediumDeps, 'interfaces'>): InterfaceTable {
  return deps.interfaces ? deps.interfaces() : (networkInterfaces() as InterfaceTable);
}

const isV4 = (family: string | number): boolean => family === 'IPv4' || family === 4;

/**
 * The first IPv4 address of IFACE (the primary one: IPaddr's VIPs are added after it).
 * Throws HaError HA_E_MEDIA: "bcast: interface [eth9] not found" or "bcast: no IPv4 address on [eth1]".
 */
export function ifaceIPv4(kind: string, iface: string, deps: Pick<MediumDeps, 'interfaces' | 'ifaceExists'>): IfaceIPv4 {
  const addrs = table(deps)[iface];
  const v4 = addrs?.find((a) => isV4(a.family));
  if (!v4) {
    // os.networkInterfaces() omits interfaces that have no address at all, so ask /sys too.
    const exists = addrs !== undefined || (deps.ifaceExists ?? ((n) => existsSync(`/sys/class/net/${n}`)))(iface);
    throw new HaError('HA_E_MEDIA', exists ? `${kind}: no IPv4 address on [${iface}]` : `${kind}: interface [${iface}] not found`);
  }
  return { iface, address: v4.address, netmask: v4.netmask, broadcast: broadcastOf(v4.address, v4.netmask) };
}

/** Every IPv4 address of this host, for mediaForHost (a ucast line aimed at ourselves). */
export function localIPv4Addresses(deps: Pick<MediumDeps, 'interfaces'> = {}): Set<string> {
  const out = new Set<string>();
  for (const addrs of Object.values(table(deps))) {
    for (const a of addrs ?? []) if (isV4(a.family)) out.add(a.address);
  }
  return out;
}
