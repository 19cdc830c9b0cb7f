import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { clStatusMain } from '../../../src/cli/cl-status-cmd.js';
import { standbyMain } from '../../../src/cli/standby-cmd.js';
import { capture } from './helpers.js';

describe('cl_status, hb_standby, hb_takeover', () => {
  it('cl_status with no sub-command prints the real usage and exits 0', async () => {
    const io = capture();
    expect(await clStatusMain([], io)).to.equal(0);
    expect(io.stdout.join('')).to.match(/^Usage: cl_status <sub-command> \[<options>\] \[<parameters>\]/);
  });

  it('cl_status hbstatus reads the pidfile: stopped is exit 1 with the real words', async () => {
    const io = capture();
    expect(await clStatusMain(['hbstatus', '--pidfile', '/nonexistent/hb.pid'], io)).to.equal(1);
    expect(io.stdout.join('')).to.equal('Heartbeat is stopped on this machine.\n');
  });

  it('cl_status with a bad sub-command logs ERROR and exits 11, like the real one', async () => {
    const io = capture();
    expect(await clStatusMain(['bogus'], io)).to.equal(11);
    expect(io.stderr.join('')).to.match(/ cl_status: \[\d+\]: ERROR: bogus: invalid sub-command\.\n$/);
  });

  it('cl_status sub-commands that need the daemon print the real "Cannot signon" lines and exit 1 when it is not running', async () => {
    const io = capture();
    expect(await clStatusMain(['listnodes', '--ctl-socket', '/nonexistent/ctl.sock'], io)).to.equal(1);
    const err = io.stderr.join('');
    expect(err).to.match(/ERROR: Cannot signon with heartbeat\n/);
    expect(err).to.match(/ERROR: REASON: hb_api_signon: Can't initiate connection to heartbeat\n$/);
  });

  it('hb_standby and hb_takeover print the classic usage for bad arguments (exit 1), and exit 7 when heartbeat is not running', async () => {
    const io = capture();
    expect(await standbyMain('hb_standby', ['--help'], io)).to.equal(1);
    expect(io.stderr.join('')).to.equal('usage:\nhb_standby [all|foreign|local|failback]\n');
    expect(await standbyMain('hb_takeover', ['foreign', '--ctl-socket', '/nonexistent/ctl.sock'], capture())).to.equal(7);
  });

  it('a reader that closes early (heartbeat --help | true) gets no EPIPE stack trace, and the exit code stays 0', function () {
    this.timeout(20_000);
    for (const bin of ['heartbeat', 'cl_status']) {
      const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" --import tsx src/cli/${bin}.ts --help | true`], { encoding: 'utf8' });
      expect(r.stderr, bin).not.to.match(/EPIPE|Error/);
      expect(r.status, bin).to.equal(0);
    }
  });
});
