import { expect } from 'chai';
import type { MediumConfig } from '../../../src/config/types.js';
import { broadcastOf, ifaceIPv4, localIPv4Addresses } from '../../../src/media/iface.js';
import { mediaForHost, mediumName } from '../../../src/media/select.js';
import { HaError } from '../../../src/lib/errors.js';

const where = (line: number) => ({ file: '/etc/ha.d/ha.cf', line });
const media: MediumConfig[] = [
  { kind: 'bcast', iface: 'eth1', port: 694, where: where(10) },
  { kind: 'ucast', iface: 'eth0', peer: '203.0.113.1', port: 694, where: where(11) },
  { kind: 'ucast', iface: 'eth0', peer: '203.0.113.2', port: 694, where: where(12) },
  { kind: 'serial', device: '/dev/ttyS0', baud: 19200, where: where(13) },
];
const table = () => ({
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' }],
  eth0: [
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' },
    { address: '203.0.113.1', netmask: '255.255.255.192', family: 'IPv4' },
    { address: '203.0.113.10', netmask: '255.255.255.192', family: 'IPv4' },
  ],
  eth2: [{ address: 'fe80::2', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' }],
});

describe('mediaForHost', () => {
  it('skips a ucast line aimed at one of our own addresses and says why with file:line', () => {
    const r = mediaForHost(media, ['127.0.0.1', '203.0.113.1']);
    expect(r.media.map(mediumName)).to.deep.equal(['bcast eth1', 'ucast eth0', 'serial /dev/ttyS0']);
    expect(r.media[1]).to.equal(media[2]);
    expect(r.skipped.map((s) => s.message)).to.deep.equal([
      '/etc/ha.d/ha.cf:11: ucast eth0 203.0.113.1: [203.0.113.1] is one of our own addresses; medium skipped',
    ]);
  });

  it('keeps every line on the other node', () => {
    expect(mediaForHost(media, localIPv4Addresses({ interfaces: () => ({ eth0: [{ address: '203.0.113.3', netmask: '255.255.255.192', family: 'IPv4' }] }) })).media).to.have.length(4);
  });
});

describe('interface lookup', () => {
  it('uses the first IPv4 address and its directed broadcast address', () => {
    expect(ifaceIPv4('bcast', 'eth0', { interfaces: table })).to.deep.equal({
      iface: 'eth0',
      address: '203.0.113.1',
      netmask: '255.255.255.192',
      broadcast: '203.0.113.63',
    });
    expect(broadcastOf('203.0.113.65', '255.255.255.192')).to.equal('203.0.113.127');
    expect(broadcastOf('192.0.2.1', '255.255.255.0')).to.equal('192.0.2.255');
  });

  it('names a missing interface: "bcast: interface [eth9] not found"', () => {
    const err = catchErr(() => ifaceIPv4('bcast', 'eth9', { interfaces: table, ifaceExists: () => false }));
    expect(err).to.be.instanceOf(HaError);
    expect(err.code).to.equal('HA_E_MEDIA');
    expect(err.message).to.equal('bcast: interface [eth9] not found');
  });

  it('names an interface without IPv4: "ucast: no IPv4 address on [eth2]"', () => {
    expect(catchErr(() => ifaceIPv4('ucast', 'eth2', { interfaces: table })).message).to.equal('ucast: no IPv4 address on [eth2]');
    // not listed by os.networkInterfaces() at all, but present in /sys/class/net
    expect(catchErr(() => ifaceIPv4('mcast', 'eth3', { interfaces: table, ifaceExists: () => true })).message).to.equal('mcast: no IPv4 address on [eth3]');
  });

  it('collects every local IPv4 address', () => {
    expect([...localIPv4Addresses({ interfaces: table })]).to.deep.equal(['127.0.0.1', '203.0.113.1', '203.0.113.10']);
  });
});

function catchErr(fn: () => unknown): HaError {
  try {
    fn();
  } catch (err) {
    return err as HaError;
  }
  throw new Error('expected a throw');
}
