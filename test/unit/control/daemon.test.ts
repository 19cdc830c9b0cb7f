import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig, LoadResult } from '../../../src/config/types.js';
import { acquirePidfile } from '../../../src/control/pidfile.js';
import { EventQueue, runDaemon, type DaemonEvent, type ReadyReport } from '../../../src/control/daemon.js';
import type { HaLog } from '../../../src/log/ha-log.js';
import { LEVEL_WORD, MemoryLog } from '../../../src/log/types.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { recorderWanted } from '../../../src/control/recorder.js';

/** A MemoryLog with the HaLog extras the daemon uses. */
function memoryHaLog(): HaLog & { mem: MemoryLog } {
  const mem = new MemoryLog();
  let debug = 0;
  return {
    mem,
    targets: { logfile: null, debugfile: null, logfacility: null, syslogmsgfmt: true },
    log: (l, m) => {
      if (l !== 'debug' || debug > 0) mem.log(l, m);
    },
    logSync: (l, m) => mem.log(l, m),
    debugLevel: () => debug,
    setDebug: (n) => (debug = Math.max(0, n)),
    reopen: () => undefined,
    close: async () => undefined,
  };
}

const config = { thisNode: 'alpha', dir: '/etc/ha.d' } as unknown as ClusterConfig;

describe('daemon skeleton', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hb-daemon-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function start(extra: { reloadConfig?: () => LoadResult; recorder?: null; recorderFile?: string } = {}) {
    const log = memoryHaLog();
    const pidfile = join(dir, 'hb.pid');
    let push: (e: DaemonEvent) => void = () => undefined;
    const reports: ReadyReport[] = [];
    const done = runDaemon(config, {
      log,
      pidfile,
      version: '0.1.0',
      pid: 4321,
      clock: new FakeClock(),
      onReady: (r) => reports.push(r),
      installSignals: (p) => {
        push = p;
        return () => undefined;
      },
      ...extra,
    });
    await new Promise((r) => setImmediate(r));
    return { log, pidfile, push: (e: DaemonEvent) => push(e), reports, done };
  }

  it('logs Heartbeat\'s banner, writes the pidfile, reports ready, and shuts down on SIGTERM', async () => {
    const d = await start();
    expect(d.reports).to.deep.equal([{ kind: 'ready', pid: 4321 }]);
    expect(existsSync(d.pidfile)).to.equal(true);
    d.push({ kind: 'shutdown', signal: 'SIGTERM' });
    expect(await d.done).to.equal(0);
    expect(existsSync(d.pidfile)).to.equal(false);
    expect(d.log.mem.text()).to.deep.equal([
      'info: **************************',
      'info: Configuration validated. Starting heartbeat 3.0.6',
      'info: heartbeat: version 3.0.6',
      'info: heartbeat-ts 0.1.0 (node alpha, pid 4321)',
      'info: Heartbeat shutdown in progress. (4321)',
      'info: alpha Heartbeat shutdown complete.',
    ]);
  });

  it('runs without a recorder when told (HA_RECORDER=off): says so, and SIGTRAP writes nothing', async () => {
    expect(recorderWanted({ HA_RECORDER: 'off' })).to.equal(false);
    expect(recorderWanted({})).to.equal(true);
    expect(recorderWanted({ HA_RECORDER: 'on' })).to.equal(true);
    const recorderFile = join(dir, 'flight-recorder.txt');
    const d = await start({ recorder: null, recorderFile });
    d.push({ kind: 'dump' });
    d.push({ kind: 'shutdown', signal: 'SIGTERM' });
    expect(await d.done).to.equal(0);
    expect(existsSync(recorderFile)).to.equal(false);
    const text = d.log.mem.text();
    expect(text).to.include('info: Flight recorder off (HA_RECORDER=off): nothing is kept for a dump.');
    expect(text).to.include('ERROR: Cannot write the flight recorder: it is off (HA_RECORDER=off)');
  });

  it('says so when it replaces a stale pidfile: the daemon before ended without its last words', async () => {
    writeFileSync(join(dir, 'hb.pid'), '    999999\n');
    const d = await start();
    d.push({ kind: 'shutdown', signal: 'SIGTERM' });
    expect(await d.done).to.equal(0);
    expect(d.log.mem.text()).to.include(
      `WARN: Stale pidfile ${join(dir, 'hb.pid')} [pid 999999] replaced: the heartbeat before ended without its last words (SIGKILL, the OOM killer, or a machine crash).`,
    );
  });

  it('steps the debug level on USR1/USR2 with Heartbeat\'s words', async () => {
    const d = await start();
    d.push({ kind: 'debug-up' });
    d.push({ kind: 'debug-up' });
    d.push({ kind: 'debug-down' });
    d.push({ kind: 'shutdown', signal: 'SIGINT' });
    await d.done;
    expect(d.log.mem.text().filter((l) => l.includes('debug now'))).to.deep.equal([
      'info: debug now set to 1 [pid 4321]',
      'info: debug now set to 2 [pid 4321]',
      'info: debug now set to 1 [pid 4321]',
    ]);
  });

  it('keeps the old config when a SIGHUP reload finds errors', async () => {
    const bad: LoadResult = { config: null, issues: [{ file: '/etc/ha.d/ha.cf', line: 3, severity: 'error', message: 'Illegal directive [bcastt]' }] };
    const d = await start({ reloadConfig: () => bad });
    d.push({ kind: 'reload' });
    d.push({ kind: 'shutdown', signal: 'SIGTERM' });
    await d.done;
    const lines = d.log.mem.lines.map((l) => `${LEVEL_WORD[l.level]}: ${l.message}`);
    expect(lines).to.include('ERROR: /etc/ha.d/ha.cf:3: Illegal directive [bcastt]');
    expect(lines).to.include('ERROR: Configuration error, configuration not reloaded.');
    expect(lines.at(-1)).to.equal('info: alpha Heartbeat shutdown complete.');
  });

  it('says "already running" and exits 0 when another heartbeat holds the pidfile', async () => {
    const pidfile = join(dir, 'hb.pid');
    // A live process whose command line says heartbeat (`sh -c '...' heartbeat-holder`).
    const holder = spawn('sh', ['-c', 'sleep 5; :', 'heartbeat-holder'], { stdio: 'ignore' });
    try {
      acquirePidfile(pidfile, holder.pid as number, () => false);
      const log = memoryHaLog();
      const reports: ReadyReport[] = [];
      const code = await runDaemon(config, {
        log,
        pidfile,
        version: '0.1.0',
        pid: 1,
        onReady: (r) => reports.push(r),
        installSignals: () => () => undefined,
      });
      expect(code).to.equal(0);
      expect(reports).to.deep.equal([{ kind: 'already-running', pid: holder.pid }]);
      expect(log.mem.text()).to.deep.equal([`info: heartbeat: already running [pid ${holder.pid}].`]);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('EventQueue', () => {
  it('hands out events in order, waiting when empty', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    const first = await q.next();
    const later = q.next();
    q.push(2);
    expect([first, await later]).to.deep.equal([1, 2]);
  });
});

describe('crash handlers', () => {
  it('write one CRIT line synchronously, remove the pidfile and exit 70', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-crash-'));
    try {
      const logfile = join(dir, 'ha-log');
      const pidfile = join(dir, 'hb.pid');
      const here = new URL('../../../src/', import.meta.url).href;
      const script = `
        import { createHaLog } from '${here}log/ha-log.ts';
        import { installCrashHandlers } from '${here}control/daemon.ts';
        import { acquirePidfile } from '${here}control/pidfile.ts';
        const log = createHaLog({ logfile: '${logfile}', logfacility: null, nodeName: 'alpha' });
        acquirePidfile('${pidfile}');
        installCrashHandlers(log, '${pidfile}');
        setTimeout(() => { throw new Error('boom'); }, 1);`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).to.equal(70);
      const lines = readFileSync(logfile, 'utf8').split('\n').filter(Boolean);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/ alpha heartbeat: \[\d+\]: CRIT: Uncaught exception: Error: boom \| at .*Emergency exit\.$/);
      expect(existsSync(pidfile)).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
