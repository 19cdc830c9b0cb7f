import { expect } from 'chai';
import { clStatusMain } from '../../../src/cli/cl-status-cmd.js';
import { standbyMain } from '../../../src/cli/standby-cmd.js';
import { capture } from './helpers.js';

describe('cl_status, hb_standby, hb_takeover', () => {
  it('cl_status with no sub-command prints the real usage and exits 0', () => {
    const io = capture();
    expect(clStatusMain([], io)).to.equal(0);
    expect(io.stdout.join('')).to.match(/^Usage: cl_status <sub-command> \[<options>\] \[<parameters>\]/);
  });

  it('cl_status hbstatus reads the pidfile: stopped is exit 1 with the real words', () => {
    const io = capture();
    expect(clStatusMain(['hbstatus', '--pidfile', '/nonexistent/hb.pid'], io)).to.equal(1);
    expect(io.stdout.join('')).to.equal('Heartbeat is stopped on this machine.\n');
  });

  it('cl_status with a bad sub-command logs ERROR and exits 11, like the real one', () => {
    const io = capture();
    expect(clStatusMain(['bogus'], io)).to.equal(11);
    expect(io.stderr.join('')).to.match(/ cl_status: \[\d+\]: ERROR: bogus: invalid sub-command\.\n$/);
  });

  it('cl_status sub-commands that need the daemon exit 3 for now', () => {
    expect(clStatusMain(['listnodes'], capture())).to.equal(3);
  });

  it('hb_standby and hb_takeover print the classic usage for bad arguments (exit 1), else exit 3 for now', () => {
    const io = capture();
    expect(standbyMain('hb_standby', ['--help'], io)).to.equal(1);
    expect(io.stderr.join('')).to.equal('usage:\nhb_standby [all|foreign|local|failback]\n');
    expect(standbyMain('hb_takeover', ['foreign'], capture())).to.equal(3);
  });
});
