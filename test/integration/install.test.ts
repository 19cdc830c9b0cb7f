import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { locateScript } from '../../src/resources/resource-d.js';

describe('etc-ha.d/install.sh into a staging root', function () {
  this.timeout(60_000);
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'hbts-install-'));
    // An operator's existing ha.cf must survive the install.
    mkdirSync(join(root, 'etc/ha.d'), { recursive: true });
    writeFileSync(join(root, 'etc/ha.d/ha.cf'), '# mine\n');
    // And an operator's own IPaddr, which must survive too.
    mkdirSync(join(root, 'etc/ha.d/resource.d'), { recursive: true });
    writeFileSync(join(root, 'etc/ha.d/resource.d/IPaddr'), '#!/bin/sh\n# my IPaddr\n', { mode: 0o755 });
    execFileSync('sh', ['etc-ha.d/install.sh'], { env: { ...process.env, DESTDIR: root, HBTS_SKIP_DEPS: '1' }, stdio: 'pipe' });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('installs the classic command names as wrappers around the compiled program', () => {
    expect(readFileSync(join(root, 'usr/sbin/heartbeat'), 'utf8')).to.contain('/usr/lib/heartbeat-ts/dist/cli/heartbeat.js');
    for (const b of ['cl_status', 'hb_standby', 'hb_takeover']) {
      expect(statSync(join(root, 'usr/bin', b)).mode & 0o777).to.equal(0o755);
      expect(statSync(join(root, 'usr/lib/heartbeat-ts/dist/cli', `${b}.js`)).isFile()).to.equal(true);
    }
  });

  it('installs authkeys mode 600 and keeps an existing ha.cf', () => {
    expect(statSync(join(root, 'etc/ha.d/authkeys')).mode & 0o777).to.equal(0o600);
    expect(readFileSync(join(root, 'etc/ha.d/ha.cf'), 'utf8')).to.equal('# mine\n');
    expect(readFileSync(join(root, 'etc/ha.d/haresources'), 'utf8')).to.contain('IPaddr::192.0.2.10');
  });

  it('installs the init script, systemd unit, logrotate snippet and resource scripts', () => {
    expect(statSync(join(root, 'etc/init.d/heartbeat')).mode & 0o111).to.not.equal(0);
    expect(readFileSync(join(root, 'lib/systemd/system/heartbeat.service'), 'utf8')).to.contain('ExecStart=/usr/sbin/heartbeat start --foreground');
    expect(readFileSync(join(root, 'etc/logrotate.d/heartbeat'), 'utf8')).to.contain('/var/log/ha-log');
    expect(statSync(join(root, 'etc/ha.d/resource.d/myop.sh')).mode & 0o111).to.not.equal(0);
  });

  it("runs the operator's /etc/init.d/httpd for `httpd` in haresources, not a shipped one", () => {
    mkdirSync(join(root, 'etc/init.d'), { recursive: true });
    writeFileSync(join(root, 'etc/init.d/httpd'), '#!/bin/sh\n# Apache\n', { mode: 0o755 });
    writeFileSync(join(root, 'etc/ha.d/ha.cf'), 'logfile /dev/null\nkeepalive 1\ndeadtime 10\nbcast eth0\nnode node1\nnode node2\n');
    const r = loadConfig({ dir: join(root, 'etc/ha.d'), nodeName: 'node1', initDir: join(root, 'etc/init.d') });
    expect(r.issues.filter((i) => i.severity === 'error')).to.deep.equal([]);
    expect(r.config?.groups[0]?.resources.map((x) => x.name)).to.include('httpd');
    expect(locateScript('httpd', { haDir: join(root, 'etc/ha.d'), initDir: join(root, 'etc/init.d') })).to.deep.equal({ ok: true, path: join(root, 'etc/init.d/httpd') });
  });

  it("keeps the operator's resource scripts (ours beside them as .dist) and installs no demo httpd", () => {
    expect(readFileSync(join(root, 'etc/ha.d/resource.d/IPaddr'), 'utf8')).to.equal('#!/bin/sh\n# my IPaddr\n');
    expect(readFileSync(join(root, 'etc/ha.d/resource.d/IPaddr.dist'), 'utf8')).to.equal(readFileSync('resource.d/IPaddr', 'utf8'));
    expect(existsSync(join(root, 'etc/ha.d/resource.d/httpd'))).to.equal(false);
  });
});
