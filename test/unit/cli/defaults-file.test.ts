import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDefaultsText, readDefaultsFile } from '../../../src/cli/defaults-file.js';
import { resolveGlobals, globalsToArgv } from '../../../src/cli/options.js';

describe('/etc/default/heartbeat', () => {
  it('reads plain KEY=value lines, quoted or not, and ignores keys that are the init script\'s', () => {
    const r = parseDefaultsText('# comment\nCONFIG_DIR=/srv/ha.d\nNODE_NAME="alpha"\nDEBUG=2\nHEARTBEAT=/usr/sbin/heartbeat\n');
    expect(r).to.deep.equal({ values: { configDir: '/srv/ha.d', node: 'alpha', debug: 2 }, problems: [] });
  });

  it('names the key for lines the shell and the CLI would read differently', () => {
    const r = parseDefaultsText('export PIDFILE=/run/hb.pid\nSTOP_TIMEOUT=soon\n', '/etc/default/heartbeat');
    expect(r.values).to.deep.equal({});
    expect(r.problems).to.deep.equal([
      "/etc/default/heartbeat: export PIDFILE: write KEY=value without 'export'",
      '/etc/default/heartbeat: STOP_TIMEOUT: [soon] is not a whole number; ignored',
    ]);
  });

  it('treats a missing file as no defaults', () => {
    expect(readDefaultsFile('/nonexistent/heartbeat')).to.deep.equal({ values: {}, problems: [] });
  });

  it('lets the command line win over the file, and the file over built-ins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-def-'));
    try {
      const file = join(dir, 'heartbeat');
      writeFileSync(file, 'CONFIG_DIR=/srv/ha.d\nPIDFILE=/run/hb.pid\nDEBUG=1\nSTOP_TIMEOUT=30\n');
      const g = resolveGlobals({ defaultsFile: file, pidfile: '/tmp/x.pid', debug: 2 }, {});
      expect(g.configDir).to.equal('/srv/ha.d');
      expect(g.pidfile).to.equal('/tmp/x.pid');
      expect(g.stateDir).to.equal('/var/lib/heartbeat');
      expect(g.debug).to.equal(3);
      expect(g.stopTimeoutSec).to.equal(30);
      // The detached daemon re-reads the file, so only our own -d count is passed on.
      expect(globalsToArgv(g).filter((a) => a === '-d')).to.have.length(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
