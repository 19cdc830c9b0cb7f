// Interface lookups for UDP media: the IPv4 address, netmask and directed broadcast address of
// `eth1`, and the set of this host's own addresses. Reads os.networkInterfaces() (or an injected
// table); never touches sockets.
// os.networkInterfaces() is libuv's uv_interface_addresses(), which leaves out every interface that
// is not both UP and RUNNING: an unplugged cable, or a link whose carrier the kernel has not yet
// reported (linkwatch, up to a second or more on a busy host). Heartbeat asks the kernel with
// ioctls that do not care (bcast.c if_get_broadaddr), so it starts such a medium and uses it once
// the link comes up. To match, an interface libuv hides is looked up with `ip -4 -o addr show`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { HaError } from '../lib/errors.js';
import type { IfaceAddrInfo, InterfaceTable, MediumDeps } from './medium.js';

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

function prefixToMask(bits: number): string {
  return intToIp(bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
}

/**
 * Parses `ip -4 -o addr show` ("2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\ ...")
 * into a table keyed by device name (not label: `eth0:0` aliases belong to eth0), in kernel order,
 * so the primary address comes first.
 */
export function parseIpAddr(out: string): InterfaceTable {
  const t: Record<string, IfaceAddrInfo[]> = {};
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+([^\s@]+)\s+inet\s+(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    (t[m[1]] ??= []).push({ address: m[2], netmask: prefixToMask(Number(m[3] ?? 32)), family: 'IPv4' });
  }
  return t;
}

/** The kernel's IPv4 addresses whatever the link state; {} when `ip` is missing or fails. */
function ipAddrTable(): InterfaceTable {
  try {
    const out = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return parseIpAddr(out);
  } catch {
    return {};
  }
}

/** os.networkInterfaces(), plus the interfaces it hides because they are down or without carrier. */
function systemTable(): InterfaceTable {
  const t: Record<string, readonly IfaceAddrInfo[] | undefined> = { ...(networkInterfaces() as InterfaceTable) };
  for (const [name, addrs] of Object.entries(ipAddrTable())) if (t[name] === undefined) t[name] = addrs;
  return t;
}

function table(deps: Pick<MediumDeps, 'interfaces'>): InterfaceTable {
  return deps.interfaces ? deps.interfaces() : systemTable();
}

const isV4 = (family: string | number): boolean => family === 'IPv4' || family === 4;

/**
 * The first IPv4 address of IFACE (the primary one: IPaddr's VIPs are added after it).
 * Throws HaError HA_E_MEDIA: "bcast: interface [eth9] not found" or "bcast: no IPv4 address on [eth1]".
 */
export function ifaceIPv4(kind: string, iface: string, deps: Pick<MediumDeps, 'interfaces' | 'ifaceExists'>): IfaceIPv4 {
  // Only a hidden interface costs a spawn of `ip`.
  const addrs = deps.interfaces ? deps.interfaces()[iface] : ((networkInterfaces() as InterfaceTable)[iface] ?? ipAddrTable()[iface]);
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
