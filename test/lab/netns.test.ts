import { expect } from 'chai';
import { NetnsRun, isRoot, sh } from './netns.js';

describe('@lab netns toolkit', function () {
  before(function () {
    if (!isRoot()) this.skip();
  });

  it('links two namespaces with a veth pair and removes everything at teardown', async () => {
    const run = new NetnsRun();
    try {
      const a = run.addNs('a');
      const b = run.addNs('b');
      run.link(a, 'eth0', '192.0.2.1/24', b, 'eth0', '192.0.2.2/24');
      const out = run.exec(a, 'ping', ['-c', '1', '-W', '1', '192.0.2.2']);
      expect(out).to.match(/1 received/);
    } finally {
      await run.teardown();
    }
    expect(sh('ip', ['netns', 'list'])).not.to.contain(run.prefix);
  });
});
