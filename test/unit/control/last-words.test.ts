// LastWords with a fake process: which end writes which last line, and when the recorder is dumped.
// (The real process ends are in test/integration/last-words.test.ts.)
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError, LastWords, runDaemon } from '../../../src/control/daemon.js';
import { FlightRecorder } from '../../../src/control/recorder.js';
import type { ClusterConfig } from '../../../src/config/types.js';
import type { HaLog } from '../../../src/log/ha-log.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { LEVEL_WORD } from '../../../src/log/types.js';
import type { DaemonEvent } from '../../../src/control/daemon.js';

function memLog(): HaLog & { text: string[] } {
  const text: string[] = [];
  let debug = 0;
  return {
    text,
    targets: { logfile: null, debugfile: null, logfacility: null, syslogmsgfmt: true },
    log: (l, m) => {
      if (l !== 'debug' || debug > 0) text.push(`${LEVEL_WORD[l]}: ${m}`);
    },
    logSync: (l, m) => void text.push(`${LEVEL_WORD[l]}: ${m}`),
    debugLevel: () => debug,
    setDebug: (n) => (debug = n),
    reopen: () => undefined,
    close: async () => undefined,
  };
}

describe('last words', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hb-lw-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function make() {
    const proc = new EventEmitter();
    const log = memLog();
    const recorder = new FlightRecorder(10);
    const exits: number[] = [];
    const recorderFile = join(dir, 'flight-recorder.txt');
    const lw = new LastWords(log, { pidfile: null, recorder, recorderFile, proc: proc as unknown as NodeJS.Process, exit: (c) => void exits.push(c) });
    const uninstall = lw.install();
    return { proc, log, recorder, exits, recorderFile, lw, uninstall };
  }

  it('a dry event loop while running: CRIT "event loop ran dry", recorder written, exit 70', () => {
    const w = make();
    w.recorder.record('debug', 'the line before');
    w.proc.emit('beforeExit', 0);
    expect(w.exits, 'not running yet: a normal end').to.deep.equal([]);
    w.lw.setRunning(true);
    w.proc.emit('beforeExit', 0);
    expect(w.exits).to.deep.equal([70]);
    expect(w.log.text).to.deep.equal(['CRIT: The event loop ran dry while heartbeat was running (nothing left to wait for). Emergency exit.']);
    const dump = readFileSync(w.recorderFile, 'utf8');
    expect(dump).to.include('reason: event loop ran dry');
    expect(dump).to.match(/\tdebug\tthe line before\n.*\tCRIT\tThe event loop ran dry/);
  });

  it('an uncaught exception or rejection: the message and first stack line, exit 70', () => {
    const w = make();
    const e = new Error('boom');
    w.proc.emit('uncaughtException', e);
    w.proc.emit('unhandledRejection', 'just a string');
    expect(w.exits).to.deep.equal([70, 70]);
    expect(w.log.text[0]).to.match(/^CRIT: Uncaught exception: Error: boom \| at .+\. Emergency exit\.$/);
    expect(w.log.text[0]).not.to.include('\n');
    expect(w.log.text[1]).to.equal('CRIT: Unhandled promise rejection: just a string. Emergency exit.');
    expect(readFileSync(w.recorderFile, 'utf8')).to.include('reason: unhandled promise rejection');
  });

  it('a fatal signal: CRIT with its name, exit 128+N', () => {
    const w = make();
    w.proc.emit('SIGQUIT');
    expect(w.exits).to.deep.equal([131]);
    expect(w.log.text).to.deep.equal(['CRIT: Received SIGQUIT: exiting at once; resources are not released.']);
    expect(existsSync(w.recorderFile)).to.equal(true);
  });

  it('a fatal signal while resource scripts run names them (a script may have sent it)', () => {
    const w = make();
    w.lw.watchScripts(() => [{ script: '/etc/ha.d/resource.d/IPaddr', pid: 4242 }, { script: '/etc/init.d/httpd', pid: null }]);
    w.proc.emit('SIGQUIT');
    expect(w.log.text).to.deep.equal([
      'CRIT: Received SIGQUIT: exiting at once; resources are not released. Resource scripts running then: [/etc/ha.d/resource.d/IPaddr] (pid 4242), [/etc/init.d/httpd].',
    ]);
  });

  it('the exit code: CRIT for non-zero, nothing after a graceful end, and no second line after one was said', () => {
    const clean = make();
    clean.proc.emit('exit', 0);
    expect(clean.log.text).to.deep.equal([]);
    const bad = make();
    bad.proc.emit('exit', 6);
    expect(bad.log.text).to.deep.equal(['CRIT: Heartbeat exiting with code 6.']);
    expect(existsSync(bad.recorderFile), 'an exit code alone is not a crash').to.equal(false);
    const stray = make();
    stray.lw.setRunning(true);
    stray.proc.emit('exit', 0);
    expect(stray.log.text).to.deep.equal(['CRIT: Heartbeat exiting with code 0 while still running (process.exit).']);
    expect(existsSync(stray.recorderFile)).to.equal(true);
    const said = make();
    said.lw.spoken();
    said.proc.emit('exit', 1);
    expect(said.log.text).to.deep.equal([]);
  });

  it('uninstall removes every hook it added', () => {
    const w = make();
    w.uninstall();
    expect(w.proc.eventNames()).to.deep.equal([]);
  });

  it('describeError: one line, message and first frame; non-errors as text', () => {
    const e = new Error('two\nlines');
    expect(describeError(e)).to.match(/^Error: two \| lines \| at /);
    expect(describeError(Object.assign(new Error(''), { stack: 'Error\n    at here (x.ts:1:1)' }))).to.equal('Error | at here (x.ts:1:1)');
    expect(describeError(42)).to.equal('42');
  });
});

describe('daemon and the flight recorder', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hb-lwd-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The daemon skeleton (no cluster) with LastWords on a fake process and signals pushed by hand. */
  async function skeleton() {
    const log = memLog();
    const recorderFile = join(dir, 'flight-recorder.txt');
    const proc = new EventEmitter();
    const lw = new LastWords(log, { pidfile: null, proc: proc as unknown as NodeJS.Process, exit: () => undefined });
    lw.install();
    let pushed: (e: DaemonEvent) => void = () => undefined;
    const done = runDaemon({ thisNode: 'alpha', dir: '/etc/ha.d' } as unknown as ClusterConfig, {
      log,
      pidfile: join(dir, 'hb.pid'),
      version: '0.1.0',
      pid: 4321,
      clock: new FakeClock(),
      recorderFile,
      lastWords: lw,
      installSignals: (p) => {
        pushed = p;
        return () => undefined;
      },
    });
    await new Promise((r) => setImmediate(r));
    return { log, recorderFile, proc, push: (e: DaemonEvent) => pushed(e), done };
  }

  it('SIGTRAP (the dump event) writes every line so far, debug included, and running is told to LastWords', async () => {
    const { log, recorderFile, proc, push, done } = await skeleton();
    // While the loop runs, a dry event loop would be a crash; the recorder has the debug lines too.
    proc.emit('beforeExit', 0);
    expect(log.text.at(-1)).to.match(/event loop ran dry/);
    push({ kind: 'debug-up' });
    push({ kind: 'dump' });
    push({ kind: 'shutdown', signal: 'SIGTERM' });
    expect(await done).to.equal(0);
    const dump = readFileSync(recorderFile, 'utf8');
    expect(dump).to.include('reason: SIGTRAP');
    expect(dump).to.match(/\tinfo\theartbeat-ts 0\.1\.0 \(node alpha, pid 4321\)\n/);
    expect(dump).to.match(/\tinfo\tdebug now set to 1 \[pid 4321\]\n/);
    expect(log.text).to.include(`info: Flight recorder written to ${recorderFile} (SIGTRAP).`);
    // After the return, the daemon is no longer "running": the end is a normal one.
    const before = log.text.length;
    proc.emit('beforeExit', 0);
    expect(log.text.length).to.equal(before);
  });

  it('the runtime giving up (the shutdown hard deadline: exit code 1) ends with a CRIT line and a dump', async () => {
    const { log, recorderFile, proc, push, done } = await skeleton();
    // What the runtime pushes after "Shutdown did not finish within N s; exiting anyway."
    log.log('crit', 'Shutdown did not finish within 245 s; exiting anyway.');
    push({ kind: 'exit', code: 1 });
    expect(await done).to.equal(1);
    expect(log.text.at(-1)).to.equal('CRIT: Heartbeat exiting with code 1.');
    const dump = readFileSync(recorderFile, 'utf8');
    expect(dump).to.include('reason: exit code 1\n');
    expect(dump.trimEnd().split('\n').at(-1)).to.match(/\tCRIT\tHeartbeat exiting with code 1\.$/);
    // The daemon said its last line: the process exit adds none.
    proc.emit('exit', 1);
    expect(log.text.at(-1)).to.equal('CRIT: Heartbeat exiting with code 1.');
  });

  it('a dump with nowhere to write says so in the log and carries on', async () => {
    const log = memLog();
    let push: (e: DaemonEvent) => void = () => undefined;
    const done = runDaemon({ thisNode: 'alpha', dir: '/etc/ha.d' } as unknown as ClusterConfig, {
      log,
      pidfile: join(dir, 'hb.pid'),
      version: '0.1.0',
      pid: 4321,
      clock: new FakeClock(),
      installSignals: (p) => {
        push = p;
        return () => undefined;
      },
    });
    await new Promise((r) => setImmediate(r));
    push({ kind: 'dump' });
    push({ kind: 'shutdown', signal: 'SIGTERM' });
    expect(await done).to.equal(0);
    expect(log.text).to.include('ERROR: Cannot write the flight recorder: no state directory to write it to');
  });
});
