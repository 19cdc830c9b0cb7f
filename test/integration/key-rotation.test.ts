// Rotating the authkeys key without downtime, as the README says: add the new key on both nodes
// (reload), switch `auth` on one node, then the other, remove the old key. Nothing is refused,
// nobody is declared dead, the group does not move. Two runtimes in virtual time; the reload's
// verdict and its wiring are tested in test/unit/control/runtime-reload.test.ts and cli.test.ts.
import { expect } from 'chai';
import type { AuthMethod } from '../../src/config/types.js';
import { Cluster } from './cluster-harness.js';

type Line = [number, { method: AuthMethod; key: string }];
const keys = (active: number, ...lines: Line[]) => ({ file: 'authkeys', activeIndex: active, keys: new Map(lines) });
const OLD: Line = [1, { method: 'sha1', key: 'test-key' }];
const NEW: Line = [2, { method: 'sha1', key: 'rotated-key' }];

describe('@integration authkeys rotation on a running pair', function () {
  this.timeout(30_000);
  let c: Cluster;
  afterEach(async () => {
    await c.stopAll();
  });

  it('loses nothing while each node switches in turn, and refuses the old key once it is gone', async () => {
    c = new Cluster();
    const [n1, n2] = [c.node('node1'), c.node('node2')];
    await c.startAll();
    await c.until(() => c.holders().join() === 'node1', 30_000, 'node1 holds');
    await c.advance(2000);
    const quiet = (): string[] =>
      [n1, n2].flatMap((n) => n.text().split('\n').filter((l) => /is dead|Cannot authenticate|refused|dropped/i.test(l)));
    const steps: [string, () => void][] = [
      ['new key on both', () => [n1, n2].forEach((n) => n.rt.applyAuthkeys(keys(1, OLD, NEW)))],
      ['node1 sends with it', () => n1.rt.applyAuthkeys(keys(2, OLD, NEW))],
      ['node2 too', () => n2.rt.applyAuthkeys(keys(2, OLD, NEW))],
      ['old key removed', () => [n1, n2].forEach((n) => n.rt.applyAuthkeys(keys(2, NEW)))],
    ];
    for (const [what, step] of steps) {
      step();
      await c.advance(5000);
      expect(quiet(), what).to.deep.equal([]);
      expect(c.holders(), what).to.deep.equal(['node1']);
    }
    // A node still on the old key alone is now a stranger: its packets are refused, and said so
    // (looked at within deadtime: after that it is a split brain the harness would rightly flag).
    n2.rt.applyAuthkeys(keys(1, OLD));
    await c.advance(600);
    expect(n1.text()).to.match(/Cannot authenticate packet from \[node2 .*: unknown auth index 1\. Check authkeys on both nodes\./);
  });
});
