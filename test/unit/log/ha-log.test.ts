import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HaCf } from '../../../src/config/types.js';
import { createHaLog, resolveLogTargets } from '../../../src/log/ha-log.js';
import { SyslogTransport } from '../../../src/log/transports.js';

const at = new Date(2026, 10, 21, 20, 27, 17);
const now = (): Date => at;
const read = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);

/** The ha.cf fields the log reads; the rest of HaCf does not matter here. */
function haCf(over: Partial<HaCf>): HaCf {
  return { logfile: null, debugfile: null, logfacility: null, debug: 0, directives: [], ...over } as unknown as HaCf;
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ha-log', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps debug lines out of logfile and puts everything into debugfile', async () => {
    const logfile = join(dir, 'ha-log');
    const debugfile = join(dir, 'ha-debug');
    const log = createHaLog({ logfile, debugfile, logfacility: null, nodeName: 'alpha', pid: 42, now, debug: 1 });
    log.log('debug', 'a debug line');
    log.log('info', 'an info line');
    log.log('crit', 'a crit line');
    await log.close();
    expect(read(logfile)).to.deep.equal([
      'Nov 21 20:27:17 alpha heartbeat: [42]: info: an info line',
      'Nov 21 20:27:17 alpha heartbeat: [42]: CRIT: a crit line',
    ]);
    expect(read(debugfile)).to.have.length(3);
    expect(read(debugfile)[0]).to.equal('Nov 21 20:27:17 alpha heartbeat: [42]: debug: a debug line');
  });

  it('drops debug lines while the debug level is 0 and logs them after setDebug', async () => {
    const debugfile = join(dir, 'ha-debug');
    const log = createHaLog({ debugfile, logfile: null, logfacility: null, nodeName: 'alpha', now });
    log.log('debug', 'hidden');
    log.setDebug(2);
    expect(log.debugLevel()).to.equal(2);
    log.log('debug', 'shown');
    log.setDebug(-1);
    expect(log.debugLevel()).to.equal(0);
    await log.close();
    expect(read(debugfile).map((l) => l.split(': ').at(-1))).to.deep.equal(['shown']);
  });

  it('writes the next line to a new file after logrotate renamed the old one', async () => {
    const logfile = join(dir, 'ha-log');
    const log = createHaLog({ logfile, logfacility: null, nodeName: 'alpha', now });
    log.log('info', 'before rotation');
    renameSync(logfile, `${logfile}.1`);
    log.log('info', 'after rotation');
    await log.close();
    expect(read(`${logfile}.1`)).to.have.length(1);
    expect(read(logfile)).to.deep.equal(['Nov 21 20:27:17 alpha heartbeat: [' + process.pid + ']: info: after rotation']);
  });

  it('writes last words synchronously to files and stderr', () => {
    const logfile = join(dir, 'ha-log');
    const err: string[] = [];
    const log = createHaLog({ logfile, logfacility: null, nodeName: 'alpha', pid: 7, now, stderr: true, stderrWrite: (s) => err.push(s) });
    log.logSync('crit', 'Unhandled exception: boom');
    expect(read(logfile)).to.deep.equal(['Nov 21 20:27:17 alpha heartbeat: [7]: CRIT: Unhandled exception: boom']);
    expect(err).to.deep.equal(['Nov 21 20:27:17 alpha heartbeat: [7]: CRIT: Unhandled exception: boom\n']);
  });

  it('uses the v1 format when ha.cf says syslogmsgfmt false', async () => {
    const logfile = join(dir, 'ha-log');
    const cf = haCf({ logfile, directives: [{ name: 'syslogmsgfmt', args: ['false'], where: { file: 'ha.cf', line: 3 } }] });
    const log = createHaLog({ haCf: cf, nodeName: 'alpha', pid: 9831, now });
    log.log('info', 'x');
    await log.close();
    expect(read(logfile)).to.deep.equal(['heartbeat[9831]: 2026/11/21_20:27:17 info: x']);
  });

  it('logs to syslog facility daemon when ha.cf names no logfile, debugfile or logfacility (logd default)', () => {
    expect(resolveLogTargets({ nodeName: 'a', haCf: haCf({}) })).to.deep.equal({
      logfile: null,
      debugfile: null,
      logfacility: 'daemon',
      syslogmsgfmt: true,
    });
  });

  it('logs nowhere but the files when ha.cf says logfacility none', () => {
    const cf = haCf({ logfile: '/x/ha-log', directives: [{ name: 'logfacility', args: ['none'], where: { file: 'ha.cf', line: 1 } }] });
    expect(resolveLogTargets({ nodeName: 'a', haCf: cf }).logfacility).to.equal(null);
    const bare = haCf({ directives: [{ name: 'logfacility', args: ['none'], where: { file: 'ha.cf', line: 1 } }] });
    expect(resolveLogTargets({ nodeName: 'a', haCf: bare }).logfacility).to.equal(null);
  });

  describe('syslog through a real logger child', () => {
    let socat: ChildProcess | null = null;
    let received = '';
    let sock: string;
    beforeEach(async function () {
      sock = join(dir, 'dev-log');
      received = '';
      socat = spawn('socat', ['-u', `UNIX-RECV:${sock}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'ignore'] });
      socat.stdout?.on('data', (b: Buffer) => (received += b.toString()));
      await until(() => existsSync(sock));
    });
    afterEach(() => {
      if (socat?.pid) process.kill(socat.pid, 'SIGTERM');
      socat = null;
    });

    it('sends each line with its own <PRI> and Heartbeat tag and body', async () => {
      const log = createHaLog({ logfile: null, logfacility: 'local0', syslogSocket: sock, nodeName: 'alpha', pid: 9831, now });
      log.log('info', 'Configuration validated. Starting heartbeat 3.0.6');
      log.log('error', 'Authentication configuration error.');
      await log.close();
      await until(() => received.includes("Authentication"));
      // One datagram per line; socat prints them back to back, so split at each <PRI>.
      const records = received.split(/(?=<\d+>)/);
      expect(records).to.have.length(2);
      expect(records[0]).to.match(/^<134>.* heartbeat: \[9831\]: info: Configuration validated\. Starting heartbeat 3\.0\.6\n?$/);
      expect(records[1]).to.match(/^<131>.* heartbeat: \[9831\]: ERROR: Authentication configuration error\.\n?$/);
    });

    it('respawns logger after it dies and drops lines while it is down', async () => {
      const t = new SyslogTransport({ facility: 'local0', tag: 'heartbeat', socket: sock, respawnMs: 50 });
      const line = (message: string) => ({ level: 'info', message, parts: { wallTime: at, nodeName: 'a', entity: 'heartbeat', pid: 1, level: 'info' as const, message } });
      const first = t.loggerPid();
      expect(first).to.be.a('number');
      process.kill(first as number, 'SIGKILL');
      await until(() => t.loggerPid() === null);
      t.log(line('while down'));
      expect(t.dropped).to.equal(1);
      await until(() => t.loggerPid() !== null);
      t.log(line('after respawn'));
      await t.shutdown();
      await until(() => received.includes('after respawn'));
      expect(received).not.to.include('while down');
    });
  });
});
