// Re-runs the real Heartbeat 3.0.6 on a few representative corpus cases (fresh namespaces each,
// see test/fixtures/config/run-real.sh) to prove the recorded verdicts still hold on this machine.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runReal } from '../fixtures/config/record-real.js';
import { isRoot } from './netns.js';
import { CASES_DIR, loadCase, readCase } from '../unit/config/corpus-helpers.js';

const REPRESENTATIVE = [
  'ok-basic', 'ok-udpport-after-media', 'ok-auto-failback-missing',
  'bad-authkeys-644', 'bad-deadtime', 'bad-haresources-node', 'bad-illegal-directive', 'bad-mcast-addr',
];

describe('@lab config verdicts of the real Heartbeat 3.0.6', function () {
  this.timeout(15000);

  before(function () {
    if (!isRoot() || !existsSync('/usr/libexec/heartbeat/heartbeat')) this.skip();
  });

  for (const name of REPRESENTATIVE) {
    it(`${name}: the real one still gives the recorded verdict, and so do we`, () => {
      const recorded = readCase(name).real;
      const now = runReal(join(CASES_DIR, name), 1);
      expect(now.verdict, now.lines.join('\n')).to.equal(recorded?.verdict);
      expect(now.exit).to.equal(recorded?.exit);
      const ours = loadCase(name).result.config === null ? 'refused' : 'started';
      expect(ours).to.equal(now.verdict === 'started' ? 'started' : 'refused');
    });
  }
});
