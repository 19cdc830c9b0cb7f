import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privilegeProblem, ROOT_HINT, unprivilegedPortStart } from '../../../src/cli/privilege.js';

describe('privilege check', () => {
  it('never objects for root', () => {
    expect(privilegeProblem({ pidfile: '/var/run/heartbeat.pid', stateDir: '/var/lib/heartbeat' }, 694, 0)).to.equal(null);
  });

  it('names the pidfile a non-root user cannot write', function () {
    if (process.getuid?.() === 0) this.skip(); // root can write anywhere, so access() says yes
    expect(privilegeProblem({ pidfile: '/proc/heartbeat.pid', stateDir: '/tmp' }, null, 1000)).to.include('pidfile');
  });

  it('objects to a privileged udpport for a non-root user with writable paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-priv-'));
    try {
      const p = { pidfile: join(dir, 'hb.pid'), stateDir: join(dir, 'state') };
      if (unprivilegedPortStart() > 694) expect(privilegeProblem(p, 694, 1000)).to.equal('udpport [694] needs root to bind');
      expect(privilegeProblem(p, 50694, 1000)).to.equal(null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hints at sudo in the words the brief promises', () => {
    expect(ROOT_HINT).to.equal('heartbeat: must be run as root (try: sudo heartbeat start)');
  });
});
