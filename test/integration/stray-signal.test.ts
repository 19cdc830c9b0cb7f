// A resource script that signals the pid in a stale pid file (Debian's IPaddr stops its send_arp
// with `cat $SENDARPPIDFILE | xargs kill`) reaches the daemon when that pid is now the daemon's.
// Node cannot tell who sent a signal; so a SIGTERM that arrives while a resource script runs is
// logged naming the script and the daemon's pid, and then means shutdown as always: never a silent end.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killByPidfile } from '../unit/cli/helpers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const env = { ...process.env, HEARTBEAT_DEFAULTS_FILE: '/nonexistent/default-heartbeat' };

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a resource script that signals the daemon @integration', function () {
  this.timeout(60_000);
  let dir: string;
  let pidfile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-stray-'));
    pidfile = join(dir, 'heartbeat.pid');
  });
  afterEach(() => {
    killByPidfile(pidfile);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a kill of the pid from a stale pid file during start: WARN naming the script and our pid, then a graceful stop', async () => {
    const stalePid = join(dir, 'send_arp.pid');
    writeFileSync(join(dir, 'ha.cf'), [
      `logfile ${dir}/ha-log`, 'logfacility none', 'keepalive 200ms', 'deadtime 1', 'warntime 500ms', 'initdead 2',
      'udpport 50697', 'ucast lo 127.0.0.2', 'auto_failback on', 'node node1', 'node node2', '',
    ].join('\n'));
    writeFileSync(join(dir, 'authkeys'), 'auth 1\n1 sha1 straykey\n', { mode: 0o600 });
    writeFileSync(join(dir, 'haresources'), 'node1 strayer\n');
    mkdirSync(join(dir, 'resource.d'));
    const script = join(dir, 'resource.d', 'strayer');
    writeFileSync(script, [
      '#!/bin/sh',
      'case "$1" in',
      // As IPaddr's stop does with its send_arp pid file, here on start, with a pid that is now the daemon's.
      `  start) [ -f ${stalePid} ] && cat ${stalePid} | xargs kill; sleep 0.3; exit 0;;`,
      '  stop) exit 0;;',
      '  status) echo stopped; exit 3;;',
      'esac',
      '',
    ].join('\n'));
    chmodSync(script, 0o755);
    const g = ['-c', dir, '-n', 'node1', '--pidfile', pidfile, '--state-dir', join(dir, 'state')];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/heartbeat.ts', ...g, 'start', '--foreground'], { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await until(() => existsSync(pidfile));
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    writeFileSync(stalePid, `${pid}\n`); // the pid recorded for an old send_arp, recycled by the daemon
    expect(await exited, stderr).to.equal(0);
    const log = readFileSync(join(dir, 'ha-log'), 'utf8');
    expect(log).to.match(new RegExp(
      `WARN: Received SIGTERM while resource script \\[${script} start\\] \\(pid \\d+\\) was running\\. ` +
        `If no operator sent it, a script may have signalled a pid read from a stale pid file: ours is ${pid}\\. Shutting down as asked\\.`));
    expect(log).to.match(/info: node1 Heartbeat shutdown complete\.\n$/);
    expect(log).to.not.match(/CRIT|ERROR/);
  });
});
