// Refused packets are logged once per window per sending address and reason, not per claimed
// `src`: the name is not authenticated, and a sender that changes it on every packet must not
// get a line for each (issue 15, replay and flood safety). Runtimes in virtual time.
import { expect } from 'chai';
import { MemoryMedium } from '../../src/media/memory.js';
import { MemoryLog } from '../../src/log/types.js';
import { encodeSigned } from '../../src/wire/build.js';
import { str } from '../../src/wire/fields.js';
import { Cluster } from './cluster-harness.js';

describe('@integration refused packets are rate-limited by sender address', function () {
  this.timeout(30_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  it('40 forged statuses with 40 names from one address: one log line, 40 counted', async () => {
    c = new Cluster();
    const n1 = c.node('node1');
    await n1.start();
    await c.advance(1000);
    const forger = new MemoryMedium(c.bus, { address: 'forger', linkName: 'mem0' }, { log: new MemoryLog() });
    await forger.open(() => undefined);
    const wrong = { file: 'authkeys', activeIndex: 1, keys: new Map([[1, { method: 'sha1' as const, key: 'guess' }]]) };
    for (let k = 0; k < 40; k++) {
      const ctx = { src: `node${k + 3}`, uuid: Buffer.alloc(16, k), seq: k + 1, hg: 1, tsSec: 0, ld: '0', ttl: 3, msgfmt: 'netstring' as const, authkeys: wrong };
      forger.send(encodeSigned([str('t', 'status'), str('st', 'active')], ctx));
      await c.advance(50);
    }
    const lines = n1.text().split('\n').filter((l) => l.includes('Cannot authenticate packet'));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/from \[node3 \(forger\)\]/);
    const st = await n1.control('status');
    expect(st.out).to.match(/dropped packets: .*bad-digest=40/);
  });
});
