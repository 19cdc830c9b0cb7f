// ha.cf media lines (bcast, udp, ucast, mcast, serial, ping, ping_group) with Heartbeat's checks
// and wording (HBcomm plugins bcast.c, ucast.c, mcast.c, serial.c). Pure.
import { issue } from './ha-cf-state.js';
import type { HaCfState } from './ha-cf-state.js';
import type { Where } from './types.js';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function ipv4Octets(text: string): number[] | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  return o.every((n) => n <= 255) ? o : null;
}

function ifaceMissing(s: HaCfState, iface: string): boolean {
  return s.host.interfaces !== undefined && !s.host.interfaces.has(iface);
}

export function addBcast(s: HaCfState, iface: string, where: Where): void {
  if (ifaceMissing(s, iface)) {
    issue(s, where, 'error', `Illegal bcast [UDP/IP broadcast] in config file [${iface}]: IP interface [${iface}] does not exist`);
    return;
  }
  s.media.push({ kind: 'bcast', iface, port: s.udpport, where });
}

export function addUcast(s: HaCfState, rest: string, where: Where): void {
  const [iface, peer, ...extra] = rest.split(/[ \t]+/).filter(Boolean);
  if (iface === undefined) {
    issue(s, where, 'error', 'ucast: missing interface and target IP address/hostname (ucast IFACE PEER)');
    return;
  }
  if (peer === undefined) {
    issue(s, where, 'error', `ucast: [${iface}] missing target IP address/hostname`);
    return;
  }
  // The real one accepts a missing interface here and dies when it opens it; we refuse up front.
  if (ifaceMissing(s, iface)) {
    issue(s, where, 'error', `ucast: interface [${iface}] does not exist`);
    return;
  }
  if (extra.length > 0) issue(s, where, 'warning', `ucast: extra words [${extra.join(' ')}] ignored, as Heartbeat does`);
  s.media.push({ kind: 'ucast', iface, peer, port: s.udpport, where });
}

export function addMcast(s: HaCfState, rest: string, where: Where): void {
  const w = rest.split(/[ \t]+/).filter(Boolean);
  const [iface, group, portText, ttlText, loopText] = w;
  const names = ['interface', 'mcast address', 'port', 'ttl', 'loop'];
  const missing = w.length < 5 ? names[w.length] : undefined;
  if (iface === undefined || group === undefined || portText === undefined || ttlText === undefined || loopText === undefined) {
    issue(s, where, 'error', `mcast [${iface ?? ''}] missing ${missing ?? 'argument'} (mcast IFACE GROUP PORT TTL LOOP)`);
    return;
  }
  const o = ipv4Octets(group);
  if (!o || (o[0] ?? 0) < 224 || (o[0] ?? 0) > 239) {
    issue(s, where, 'error', `mcast [${iface}] bad addr [${group}] (must be class D, 224.0.0.0 - 239.255.255.255)`);
    return;
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    issue(s, where, 'error', `mcast [${iface}] bad port [${portText}]`);
    return;
  }
  const ttl = Number(ttlText);
  // Heartbeat stores the ttl in a byte: 256 silently becomes 0. We refuse what is not 0-255.
  if (!/^\d+$/.test(ttlText) || ttl > 255) {
    issue(s, where, 'error', `mcast [${iface}] bad ttl [${ttlText}] (1-255)`);
    return;
  }
  if (ttl === 0) issue(s, where, 'warning', `mcast [${iface}] ttl [0]: packets never leave this host (use 1 for the local subnet)`);
  if (loopText !== '0' && loopText !== '1') {
    issue(s, where, 'error', `mcast [${iface}] bad loop [${loopText}] (0 or 1)`);
    return;
  }
  if (ifaceMissing(s, iface)) {
    issue(s, where, 'error', `mcast [${iface}]: IP interface [${iface}] does not exist`);
    return;
  }
  if (w.length > 5) issue(s, where, 'warning', `mcast: extra words [${w.slice(5).join(' ')}] ignored`);
  s.media.push({ kind: 'mcast', iface, group, port, ttl, loop: loopText === '1', where });
}

export function addSerial(s: HaCfState, device: string, where: Where): void {
  if (s.host.exists && !s.host.exists(device)) {
    issue(s, where, 'error', `Nonexistent serial port [${device}] in config file`);
    return;
  }
  s.media.push({ kind: 'serial', device, baud: s.baud, where });
}

export function addPing(s: HaCfState, host: string, where: Where): void {
  // A ping node counts as a medium for Heartbeat's "No heartbeat media defined" check only
  // through its own plugin; heartbeat-ts keeps it apart, in pingNodes.
  s.pingNodes.push(host);
  void where;
}

export function addPingGroup(s: HaCfState, rest: string, where: Where): void {
  const [name, ...hosts] = rest.split(/[ \t]+/).filter(Boolean);
  if (name === undefined || hosts.length === 0) {
    issue(s, where, 'error', 'ping_group: needs a group name and at least one address (ping_group NAME ADDR...)');
    return;
  }
  s.pingGroups.push({ name: name.toLowerCase(), hosts, where });
}
