import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, translateClassic } from '../../../src/cli/program.js';
import { capture, writeConfig } from './helpers.js';

describe('heartbeat command line', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hb-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('classic flags', () => {
    it('maps -k, -s, -r, -V onto stop, status, reload, version', () => {
      expect(translateClassic(['-k'])).to.deep.equal(['stop']);
      expect(translateClassic(['-c', '/x', '-s'])).to.deep.equal(['-c', '/x', 'status']);
      expect(translateClassic(['-r'])).to.deep.equal(['reload']);
      expect(translateClassic(['-V'])).to.deep.equal(['version']);
    });

    it('starts the daemon when given no command, as the real heartbeat does', () => {
      expect(translateClassic([])).to.deep.equal(['start']);
      expect(translateClassic(['-d', '-d'])).to.deep.equal(['-d', '-d', 'start']);
    });

    it('leaves an explicit command alone, even with a classic-looking option value', () => {
      expect(translateClassic(['-n', '-k', 'status'])).to.deep.equal(['-n', '-k', 'status']);
      expect(translateClassic(['--help'])).to.deep.equal(['--help']);
    });
  });

  it('explains itself to a Heartbeat user in --help, exit 0', async () => {
    const io = capture();
    expect(await main(['--help'], io)).to.equal(0);
    const text = io.stdout.join('');
    for (const s of ['heartbeat -k', 'heartbeat -s', 'heartbeat -r', '--config-dir', '--pidfile', '--state-dir', '--init-dir', 'check', '6 configuration error']) {
      expect(text).to.include(s);
    }
  });

  it('explains check in check --help, exit 0', async () => {
    const io = capture();
    expect(await main(['check', '--help'], io)).to.equal(0);
    expect(io.stdout.join('')).to.include('FILE:LINE: message');
  });

  it('exits 2 on an unknown option or command, with a hint', async () => {
    const a = capture();
    expect(await main(['--bogus'], a)).to.equal(2);
    expect(a.stderr.join('')).to.include("unknown option '--bogus'");
    const b = capture();
    expect(await main(['frobnicate'], b)).to.equal(2);
    expect(b.stderr.join('')).to.include('heartbeat --help');
  });

  it('accepts global options after the command', async () => {
    const io = capture();
    expect(await main(['status', '--pidfile', join(dir, 'hb.pid')], io)).to.equal(3);
    expect(io.stdout.join('')).to.equal('heartbeat is stopped. No process\n');
  });

  it('prints the Heartbeat version first, then ours', async () => {
    const io = capture();
    expect(await main(['-V'], io)).to.equal(0);
    expect(io.stdout.join('')).to.match(/^3\.0\.6 \(heartbeat-ts \d+\.\d+\.\d+\)\n$/);
  });

  describe('status', () => {
    it('says stale and exits 1 when the pidfile names a dead process', async () => {
      writeFileSync(join(dir, 'hb.pid'), '    999999\n');
      const io = capture();
      expect(await main(['--pidfile', join(dir, 'hb.pid'), 'status'], io)).to.equal(1);
      expect(io.stdout.join('')).to.include('heartbeat is stopped. No process');
    });

    it('gives JSON with --json', async () => {
      const io = capture();
      expect(await main(['-n', 'node1', '--pidfile', join(dir, 'hb.pid'), 'status', '--json'], io)).to.equal(3);
      expect(JSON.parse(io.stdout.join(''))).to.deep.equal({ state: 'stopped', pid: null, node: 'node1', pidfile: join(dir, 'hb.pid') });
    });
  });

  it('stop of a stopped heartbeat is success, in Heartbeat\'s words, and removes a stale pidfile', async () => {
    writeFileSync(join(dir, 'hb.pid'), '    999999\n');
    const io = capture();
    expect(await main(['--pidfile', join(dir, 'hb.pid'), '-k'], io)).to.equal(0);
    expect(io.stderr.join('')).to.equal('INFO: Heartbeat already stopped.\n');
    expect(await main(['--pidfile', join(dir, 'hb.pid'), 'status'], capture())).to.equal(3);
  });

  it('reload of a stopped heartbeat exits 7 (not running)', async () => {
    const io = capture();
    expect(await main(['--pidfile', join(dir, 'hb.pid'), 'reload'], io)).to.equal(7);
  });

  describe('check (needs the real config loader)', () => {
    it('exits 0 for a valid config and says so', async () => {
      writeConfig(dir);
      const io = capture();
      expect(await main(['-c', dir, '-n', 'node1', 'check'], io)).to.equal(0);
      expect(io.stdout.join('')).to.include('Configuration validated');
    });

    it('exits 6 and names FILE:LINE for a broken ha.cf', async () => {
      writeConfig(dir, 'bogus_directive yes');
      const io = capture();
      expect(await main(['-c', dir, '-n', 'node1', 'check'], io)).to.equal(6);
      expect(io.stderr.join('')).to.match(new RegExp(`${dir}/ha\\.cf:\\d+: .*bogus_directive`));
    });

    it('exits 6 when this node is not in the node list', async () => {
      writeConfig(dir);
      expect(await main(['-c', dir, '-n', 'charlie', 'check'], capture())).to.equal(6);
    });

    it('exits 6 for an empty directory, listing each missing file', async () => {
      const io = capture();
      expect(await main(['-c', dir, 'check'], io)).to.equal(6);
      const err = io.stderr.join('');
      expect(err).to.include(`${dir}/ha.cf`);
      expect(err).to.include(`${dir}/authkeys`);
    });
  });
});
