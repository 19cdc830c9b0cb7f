// The real `heartbeat` command in child processes: temp config, temp pidfile/state dir, no root needed.
import { expect } from 'chai';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSocket } from 'node:dgram';
import { killByPidfile, writeConfig } from '../unit/cli/helpers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const env = { ...process.env, HEARTBEAT_DEFAULTS_FILE: '/nonexistent/default-heartbeat' };

function hb(args: string[], opts: { uid?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/heartbeat.ts', ...args], {
    cwd: repo,
    env,
    encoding: 'utf8',
    timeout: 20_000,
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
  });
}

const lines = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('heartbeat CLI @integration', function () {
  this.timeout(60_000);
  let dir: string;
  let g: string[];
  let pidfile: string;

  beforeEach(() => {
    dir = writeConfig(mkdtempSync(join(tmpdir(), 'hb-int-')));
    pidfile = join(dir, 'heartbeat.pid');
    g = ['-c', dir, '-n', 'node1', '--pidfile', pidfile, '--state-dir', join(dir, 'state')];
  });
  afterEach(() => {
    killByPidfile(pidfile);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts detached, reports running, refuses a second start politely, and stops', () => {
    const start = hb([...g, 'start']);
    expect(start.status, start.stderr).to.equal(0);
    const st = hb([...g, 'status']);
    expect(st.status).to.equal(0);
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    // The init script's line first, exactly as Heartbeat prints it; the cluster view follows.
    const [first, ...view] = st.stdout.split('\n');
    expect(first).to.equal(`heartbeat OK [pid ${pid} et al] is running on node1 [node1]...`);
    expect(view.join('\n')).to.match(/node node2 \(normal\): \w+; links: lo \w+/);

    const again = hb([...g, 'start']);
    expect(again.status).to.equal(0);
    expect(again.stderr).to.match(new RegExp(`heartbeat: \\[\\d+\\]: info: heartbeat: already running \\[pid ${pid}\\]\\.\\n$`));

    const stop = hb([...g, 'stop']);
    expect(stop.status).to.equal(0);
    expect(existsSync(pidfile)).to.equal(false);
    expect(hb([...g, '-s']).status).to.equal(3);

    const log = lines(join(dir, 'ha-log'));
    const tail = (l: string) => l.replace(/^\w{3} \d\d \d\d:\d\d:\d\d node1 heartbeat: \[\d+\]: /, '');
    expect(log.map(tail)).to.include.members([
      'info: Configuration validated. Starting heartbeat 3.0.6',
      'info: heartbeat: version 3.0.6',
      `info: Heartbeat shutdown in progress. (${pid})`,
      'info: node1 Heartbeat shutdown complete.',
    ]);
    expect(log.every((l) => / node1 heartbeat: \[\d+\]: /.test(l))).to.equal(true);
  });

  it('exits 6 with Heartbeat\'s closing line when the configuration is broken, and starts nothing', () => {
    writeFileSync(join(dir, 'authkeys'), 'auth 2\n1 sha1 k\n', { mode: 0o600 });
    const start = hb([...g, 'start']);
    expect(start.status).to.equal(6);
    expect(start.stderr).to.match(/heartbeat: \[\d+\]: ERROR: .*authkeys/);
    expect(start.stderr.trimEnd().split('\n').at(-1)).to.match(/ERROR: Configuration error, heartbeat not started\.$/);
    expect(existsSync(pidfile)).to.equal(false);
  });

  it('replaces a stale pidfile left by a crash', () => {
    writeFileSync(pidfile, '    999999\n');
    expect(hb([...g, 'status']).status).to.equal(1);
    expect(hb([...g, 'start']).status).to.equal(0);
    expect(hb([...g, 'status']).status).to.equal(0);
    expect(hb([...g, '-k']).status).to.equal(0);
  });

  it('writes to a fresh ha-log after logrotate renamed it, and logs the SIGHUP reload there', async () => {
    expect(hb([...g, 'start']).status).to.equal(0);
    renameSync(join(dir, 'ha-log'), join(dir, 'ha-log.1'));
    process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 'SIGHUP');
    await until(() => lines(join(dir, 'ha-log')).some((l) => l.endsWith('info: Configuration re-read (SIGHUP).')));
    expect(lines(join(dir, 'ha-log.1')).some((l) => l.includes('Configuration validated'))).to.equal(true);
    expect(hb([...g, 'stop']).status).to.equal(0);
  });

  it('reload validates first (exit 6, nothing sent), then prints what the daemon applied or refused', async () => {
    expect(hb([...g, 'start']).status).to.equal(0);
    const haCf = join(dir, 'ha.cf');
    const good = readFileSync(haCf, 'utf8');
    const logged = (): string[] => lines(join(dir, 'ha-log')).filter((l) => l.includes('Configuration') || l.includes('debug now'));
    const before = logged().length;

    writeFileSync(haCf, good.replace('deadtime 10', 'deadtim 10'));
    const typo = hb([...g, 'reload']);
    expect(typo.status).to.equal(6);
    expect(typo.stderr).to.match(new RegExp(`^${haCf.replace(/[./]/g, '\\$&')}:\\d+: .*deadtim`, 'm'));
    expect(typo.stderr).to.include('not reloaded, nothing sent to the daemon.');
    await new Promise((r) => setTimeout(r, 300));
    expect(logged().length).to.equal(before); // the daemon heard nothing

    writeFileSync(haCf, good.replace('udpport 50694', 'udpport 50695'));
    const port = hb([...g, 'reload']);
    expect([port.status, port.stdout]).to.deep.equal([1, '']);
    expect(port.stderr).to.equal('heartbeat: Configuration change needs a restart: heartbeat media, udpport changed; still running with the old configuration.\n');

    writeFileSync(haCf, good.replace('deadtime 10', 'deadtime 12'));
    const timer = hb([...g, 'reload']);
    expect([timer.status, timer.stderr]).to.deep.equal([0, '']);
    expect(timer.stdout).to.equal('Configuration re-read (heartbeat reload). Timers applied live: keepalive 1 s, deadtime 12 s, warntime 5 s (the peers follow the deadtime we announce).\n');
    const st = JSON.parse(hb([...g, 'status', '--json']).stdout) as { cluster: { parameters: Record<string, string> } };
    expect(st.cluster.parameters.deadtime).to.equal('12');

    writeFileSync(haCf, `${good.replace('deadtime 10', 'deadtime 12')}debug 1\n`);
    const debug = hb([...g, 'reload']);
    expect([debug.status, debug.stdout, debug.stderr]).to.deep.equal([0, 'Configuration re-read (heartbeat reload). debug now set to 1\n', '']);
    expect(logged().slice(-1)[0]).to.match(/info: debug now set to 1$/);

    // authkeys is applied live (key rotation, README).
    writeFileSync(join(dir, 'authkeys'), 'auth 1\n1 sha1 testkey\n2 sha1 rotated\n3 md5 weak\n'); // ha.cf as it is now
    const keys = hb([...g, 'reload']);
    expect([keys.status, keys.stdout]).to.deep.equal([0, 'Configuration re-read (heartbeat reload). authkeys re-read: sending with auth 1 (sha1); accepting auth 1, 2.\n']);
    expect(hb([...g, 'stop']).status).to.equal(0);
  });

  it('stop exits 1 naming a group whose stop failed; cleanup answers for what it finds', async function () {
    this.timeout(90_000);
    // A resource whose start works and whose stop always fails (the stop is retried 10 times, 1 s apart).
    const flag = join(dir, 'stuck.running');
    mkdirSync(join(dir, 'resource.d'));
    writeFileSync(join(dir, 'resource.d', 'stuck'),
      `#!/bin/sh\ncase "$1" in\n start) touch '${flag}';;\n stop) echo busy >&2; exit 1;;\n` +
        ` status) if [ -e '${flag}' ]; then echo running; else echo stopped; exit 3; fi;;\nesac\nexit 0\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'haresources'), 'node1 stuck\n');
    writeFileSync(join(dir, 'ha.cf'), readFileSync(join(dir, 'ha.cf'), 'utf8')
      .replace('deadtime 10', 'deadtime 3').replace('warntime 5', 'warntime 2').replace('initdead 20', 'initdead 6'));
    const gi = [...g, '--init-dir', join(dir, 'no-init.d')];
    expect(hb([...gi, 'start']).status).to.equal(0);
    await until(() => existsSync(flag), 20_000);
    const none = hb([...gi, 'cleanup']);
    expect([none.status, none.stdout]).to.deep.equal([0, 'Nothing to clean up: no failed start or stop of any resource group here.\n']);
    const bad = hb([...gi, 'cleanup', 'nosuch']);
    expect([bad.status, bad.stderr]).to.deep.equal([2, 'heartbeat cleanup: no resource group nosuch in haresources here (groups: stuck).\n']);

    const stop = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/heartbeat.ts', ...gi, 'stop'], { cwd: repo, env, encoding: 'utf8', timeout: 60_000 });
    expect(stop.status, stop.stderr).to.equal(1);
    expect(stop.stderr).to.equal('heartbeat: stopped, but resource group stuck failed to stop (stuck: exit code 1) and may still run here. See ha-log.\n');
    const log = lines(join(dir, 'ha-log')).join('\n');
    expect(log).to.include('ERROR: Not all HA resources relinquished: stuck failed to stop and may still run here.');
    expect(log).to.include('CRIT: Heartbeat exiting with code 1: stuck failed to stop and may still run here.');
    expect(hb([...gi, 'cleanup']).status).to.equal(7);
    // The next stop of a daemon that released everything says nothing of the old outcome.
    rmSync(flag);
    writeFileSync(join(dir, 'haresources'), '');
    expect(hb([...gi, 'start']).status).to.equal(0);
    const clean = hb([...gi, 'stop']);
    expect([clean.status, clean.stderr]).to.deep.equal([0, '']);
  });

  it('runs attached with start --foreground, logging to stderr, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/heartbeat.ts', ...g, 'start', '--foreground'], {
      cwd: repo,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await until(() => err.includes('heartbeat: version 3.0.6') && existsSync(pidfile));
      process.kill(child.pid as number, 'SIGUSR1');
      await until(() => err.includes('debug now set to 1'));
      process.kill(child.pid as number, 'SIGTERM');
      expect(await exited).to.equal(0);
      expect(err).to.include('info: node1 Heartbeat shutdown complete.');
      expect(lines(join(dir, 'ha-debug')).some((l) => l.includes('debug: ran for'))).to.equal(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 4 with a sudo hint when a non-root user starts with the default paths', function () {
    if (process.getuid?.() !== 0) {
      const r = hb(['-c', dir, '-n', 'node1', 'start']);
      expect(r.status).to.equal(4);
      expect(r.stderr).to.include('heartbeat: must be run as root (try: sudo heartbeat start)');
      return;
    }
    // As root, run the check as user nobody (the repo must be readable by it).
    const probe = spawnSync(process.execPath, ['-e', '0'], { uid: 65534, gid: 65534, cwd: repo });
    if (probe.status !== 0) this.skip();
    const r = hb(['-c', dir, '-n', 'node1', 'start'], { uid: 65534 });
    if (r.stderr.includes('ERR_MODULE_NOT_FOUND') || r.stderr.includes('EACCES')) this.skip();
    expect(r.status, r.stderr).to.equal(4);
    expect(r.stderr).to.include('heartbeat: must be run as root (try: sudo heartbeat start)');
  });

  it('check: exit 0 for the good config, 6 for a bad one, printing FILE:LINE', () => {
    expect(hb([...g, 'check']).status).to.equal(0);
    writeFileSync(join(dir, 'ha.cf'), readFileSync(join(dir, 'ha.cf'), 'utf8') + 'bcastt eth0\n');
    const r = hb([...g, 'check']);
    expect(r.status).to.equal(6);
    expect(r.stderr).to.match(new RegExp(`${dir}/ha\\.cf:\\d+: `));
  });

  it('check and start look at this machine: a missing interface or only our own address is exit 6 with FILE:LINE; --portable skips that', async () => {
    const good = readFileSync(join(dir, 'ha.cf'), 'utf8');
    writeFileSync(join(dir, 'ha.cf'), good.replace('ucast lo 127.0.0.2', 'bcast hbts-nosuch0'));
    const missing = hb([...g, 'check']);
    expect(missing.status).to.equal(6);
    expect(missing.stderr).to.match(new RegExp(`^${dir}/ha\\.cf:\\d+: Illegal bcast .*IP interface \\[hbts-nosuch0\\] does not exist$`, 'm'));
    expect(hb([...g, 'check', '--portable']).status).to.equal(0);
    const start = hb([...g, 'start']);
    expect(start.status).to.equal(6);
    expect(existsSync(pidfile)).to.equal(false);

    writeFileSync(join(dir, 'ha.cf'), good.replace('ucast lo 127.0.0.2', 'ucast lo 127.0.0.1'));
    const own = hb([...g, 'check']);
    expect(own.status).to.equal(6);
    expect(own.stderr).to.match(/ha\.cf:\d+: no heartbeat medium left on node1: every ucast line names one of its own addresses \(127\.0\.0\.1\)/);

    // A port another program holds (a UDP socket of this test process).
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(50694, r));
    try {
      const busy = hb([...g, 'check']);
      expect(busy.status).to.equal(6);
      expect(busy.stderr).to.match(/ha\.cf:\d+: udpport 50694: cannot be bound here \(EADDRINUSE\): another program holds it/);
    } finally {
      sock.close();
    }

    writeFileSync(join(dir, 'ha.cf'), good.replace(`logfile ${dir}/ha-log`, `logfile ${dir}/nosuch/ha-log`));
    const logdir = hb([...g, 'check']);
    expect(logdir.status).to.equal(6);
    expect(logdir.stderr).to.match(new RegExp(`^${dir}/ha\\.cf:1: logfile \\[${dir}/nosuch/ha-log\\]: directory \\[${dir}/nosuch\\] does not exist or is not writable`, 'm'));
  });

  it('exits 2 on a usage error', () => {
    expect(hb(['start', '--no-such-flag']).status).to.equal(2);
  });
});
