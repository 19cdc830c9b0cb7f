// The scale bench tells a false death (a node heard, then declared dead) from a node declared dead
// at initdead before it was ever heard (not launched yet).
import { expect } from 'chai';
import { classifyStartup } from '../../../bench/scale.js';

describe('bench: start-up log classification', () => {
  it('counts a death of a node heard before as false, of a node never heard as not yet started', () => {
    const log = [
      'heartbeat: [1]: info: Status update for node node2: status up',
      'heartbeat: [1]: WARN: node node3: is dead',
      'heartbeat: [1]: info: Link node4:eth1 up.',
      'heartbeat: [1]: WARN: Late heartbeat: Node node2: interval 612 ms',
      'heartbeat: [1]: WARN: node node2: is dead',
      'heartbeat: [1]: WARN: node node4: is dead',
    ].join('\n');
    expect(classifyStartup(log)).to.deep.equal({ falseDeaths: 2, deadNeverHeard: 1, late: 1 });
  });
});
