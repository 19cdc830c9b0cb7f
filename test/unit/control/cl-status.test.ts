import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clStatus } from '../../../src/control/cl-status.js';
import { controlRequest, listenControl } from '../../../src/control/control-socket.js';
import type { StatusView } from '../../../src/control/status-view.js';

const view: StatusView = {
  thisNode: 'alpha',
  pid: 4242,
  generation: 7,
  nodes: [
    { name: 'alpha', type: 'normal', status: 'active', links: [{ name: 'eth1', status: 'up' }, { name: 'eth0', status: 'up' }] },
    { name: 'bravo', type: 'normal', status: 'dead', links: [{ name: 'eth1', status: 'dead' }, { name: 'eth0', status: 'up' }] },
    { name: '203.0.113.62', type: 'ping', status: 'ping', links: [{ name: '203.0.113.62', status: 'up' }] },
  ],
  rscstatus: 'local',
  groups: [],
  parameters: { deadtime: '6', keepalive: '1' },
  dropped: {},
};

describe('cl_status rendering', () => {
  it('lists ping nodes first and the local node last, as the real cl_status does', () => {
    expect(clStatus(view, ['listnodes']).out).to.equal('203.0.113.62\nbravo\nalpha\n');
    expect(clStatus(view, ['listnodes', '-n']).out).to.equal('bravo\nalpha\n');
  });

  it('exits 1 for a dead node and 11 for an unknown one', () => {
    expect(clStatus(view, ['nodestatus', 'alpha'])).to.deep.equal({ out: 'active\n', err: '', code: 0 });
    expect(clStatus(view, ['nodestatus', 'bravo']).code).to.equal(1);
    expect(clStatus(view, ['nodestatus', 'nosuchnode'])).to.deep.equal({
      out: 'Error. May be due to incorrect node name\n',
      err: '',
      code: 11,
    });
  });

  it('prints links tab-indented and link status with exit 1 when dead', () => {
    expect(clStatus(view, ['listhblinks', 'alpha']).out).to.equal('\teth1\n\teth0\n');
    expect(clStatus(view, ['hblinkstatus', 'bravo', 'eth1'])).to.include({ out: 'dead\n', code: 1 });
    expect(clStatus(view, ['hblinkstatus', 'bravo', 'eth0'])).to.include({ out: 'up\n', code: 0 });
  });

  it('answers rscstatus, nodetype, hbparameter', () => {
    expect(clStatus(view, ['rscstatus']).out).to.equal('local\n');
    expect(clStatus(view, ['nodetype', '203.0.113.62']).out).to.equal('ping\n');
    expect(clStatus(view, ['hbparameter', '-p', 'deadtime']).out).to.equal('6\n');
    expect(clStatus(view, ['hbparameter', '-p', 'nosuch']).code).to.equal(1);
  });

  it('rejects an unknown sub-command with usage', () => {
    const r = clStatus(view, ['bogus']);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('bogus: invalid sub-command');
  });
});

describe('control socket', () => {
  it('carries a request and its reply over a mode-0660 unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbctl-'));
    const path = join(dir, 'ctl.sock');
    const server = await listenControl(path, (req) => clStatus(view, [req.cmd, ...req.args]));
    try {
      expect(statSync(path).mode & 0o777).to.equal(0o660);
      const reply = await controlRequest(path, { cmd: 'nodestatus', args: ['alpha'] });
      expect(reply).to.deep.equal({ out: 'active\n', err: '', code: 0 });
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects when nothing listens, so clients can say heartbeat is stopped', async () => {
    let err: NodeJS.ErrnoException | null = null;
    await controlRequest('/nonexistent/ctl.sock', { cmd: 'hbstatus', args: [] }).catch((e: NodeJS.ErrnoException) => (err = e));
    expect(err).to.have.property('code', 'ENOENT');
  });
});
