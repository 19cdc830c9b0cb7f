import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquirePidfile, isHeartbeatProcess, pidfileState, readPidfile, removePidfile } from '../../../src/control/pidfile.js';

describe('pidfile', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-pid-'));
    file = join(dir, 'heartbeat.pid');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file with the pid right-aligned as Heartbeat does, and reads it back', () => {
    expect(acquirePidfile(file, 4242, () => false)).to.deep.equal({ ok: true, replacedStale: false });
    expect(readFileSync(file, 'utf8')).to.equal('      4242\n');
    expect(readPidfile(file)).to.equal(4242);
  });

  it('refuses when the pid in the file is a live heartbeat', () => {
    writeFileSync(file, '     25292\n');
    expect(acquirePidfile(file, 1, (pid) => pid === 25292)).to.deep.equal({ ok: false, pid: 25292 });
    expect(pidfileState(file, (pid) => pid === 25292)).to.deep.equal({ kind: 'running', pid: 25292 });
  });

  it('replaces a stale file whose pid is gone or not heartbeat', () => {
    writeFileSync(file, '     25292\n');
    expect(pidfileState(file, () => false)).to.deep.equal({ kind: 'stale', pid: 25292 });
    expect(acquirePidfile(file, 77, () => false)).to.deep.equal({ ok: true, replacedStale: 25292 });
    expect(readPidfile(file)).to.equal(77);
  });

  it('treats garbage as stale and a missing file as absent', () => {
    writeFileSync(file, 'hello\n');
    expect(pidfileState(file)).to.deep.equal({ kind: 'stale', pid: null });
    rmSync(file);
    expect(pidfileState(file)).to.deep.equal({ kind: 'absent' });
  });

  it('removes only its own pidfile', () => {
    acquirePidfile(file, 10, () => false);
    expect(removePidfile(file, 11)).to.equal(false);
    expect(existsSync(file)).to.equal(true);
    expect(removePidfile(file, 10)).to.equal(true);
    expect(existsSync(file)).to.equal(false);
  });

  it('sees a live process as heartbeat only when its command line says so', async () => {
    const other = spawn('sleep', ['5']);
    try {
      expect(isHeartbeatProcess(other.pid as number)).to.equal(false);
      expect(isHeartbeatProcess(process.pid)).to.equal(readFileSync('/proc/self/cmdline', 'latin1').includes('heartbeat'));
    } finally {
      other.kill('SIGKILL');
    }
    await new Promise((r) => other.once('exit', r));
    expect(isHeartbeatProcess(other.pid as number)).to.equal(false);
  });
});
