import { expect } from 'chai';
import { hostUp, initPing, nextPingExpiry, pingCount, pingResult } from '../../../src/ipfail/ping-nodes.js';

const targets = [
  { name: '203.0.113.62', hosts: ['203.0.113.62'] },
  { name: 'routers', hosts: ['198.51.100.1', '198.51.100.2'] },
];

describe('ipfail ping nodes', () => {
  it('counts nothing up before the first reply', () => {
    expect(pingCount(initPing(targets, 5000), 0)).to.deep.equal({ up: 0, total: 2, upNames: [] });
  });

  it('keeps a ping node up until deadping after its last reply', () => {
    const s = pingResult(initPing(targets, 5000), '203.0.113.62', true, 1000);
    expect(hostUp(s, '203.0.113.62', 5999)).to.equal(true);
    expect(hostUp(s, '203.0.113.62', 6000)).to.equal(false);
    expect(nextPingExpiry(s, 2000)).to.equal(6000);
  });

  it('counts a ping group once, up while any member answers', () => {
    let s = initPing(targets, 5000);
    s = pingResult(s, '198.51.100.1', true, 0);
    s = pingResult(s, '198.51.100.2', true, 3000);
    expect(pingCount(s, 4000).upNames).to.deep.equal(['routers']);
    expect(pingCount(s, 6000).up).to.equal(1);
    expect(pingCount(s, 8000).up).to.equal(0);
  });

  it('keeps a host up through missed echoes until deadping has passed since its last reply', () => {
    let s = pingResult(initPing(targets, 5000), '203.0.113.62', true, 0);
    s = pingResult(s, '203.0.113.62', false, 1000);
    s = pingResult(s, '203.0.113.62', false, 2000);
    expect(pingCount(s, 4999).up).to.equal(1);
    expect(pingCount(s, 5000).up).to.equal(0);
  });
});
