import { expect } from 'chai';
import { parseIpAddr } from '../../../src/media/iface.js';

// os.networkInterfaces() hides interfaces that are not UP+RUNNING (no carrier yet, cable out), so
// iface.ts falls back to `ip -4 -o addr show`; this is that output, as iproute2 prints it.
const OUT = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 192.0.2.10/24 brd 192.0.2.255 scope global secondary eth0:0\\       valid_lft forever preferred_lft forever',
  '3: eth1    inet 198.51.100.2/26 brd 198.51.100.63 scope global eth1\\       valid_lft forever preferred_lft forever',
  '4: tun0    inet 203.0.113.9 peer 203.0.113.8/32 scope global tun0\\       valid_lft forever preferred_lft forever',
  '',
].join('\n');

describe('interface lookup through `ip -4 -o addr show` (interfaces libuv hides)', () => {
  it('keys addresses by device, primary first, with the netmask from the prefix length', () => {
    const t = parseIpAddr(OUT);
    expect(Object.keys(t)).to.deep.equal(['lo', 'eth0', 'eth1', 'tun0']);
    expect(t['eth0']).to.deep.equal([
      { address: '192.0.2.2', netmask: '255.255.255.0', family: 'IPv4' },
      { address: '192.0.2.10', netmask: '255.255.255.0', family: 'IPv4' },
    ]);
    expect(t['eth1']).to.deep.equal([{ address: '198.51.100.2', netmask: '255.255.255.192', family: 'IPv4' }]);
    expect(t['lo']?.[0]?.netmask).to.equal('255.0.0.0');
  });

  it('reads an address without a prefix as a /32', () => {
    expect(parseIpAddr(OUT)['tun0']).to.deep.equal([{ address: '203.0.113.9', netmask: '255.255.255.255', family: 'IPv4' }]);
  });

  it('ignores anything else', () => {
    expect(parseIpAddr('Device "eth9" does not exist.\n\n')).to.deep.equal({});
  });
});
