import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlightRecorder, flightRecorderPath, recordingLog } from '../../../src/control/recorder.js';
import { createHaLog } from '../../../src/log/ha-log.js';

describe('flight recorder', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hb-rec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every line, oldest first, until it is full', () => {
    let t = 1000;
    const rec = new FlightRecorder(4, () => t++);
    rec.record('info', 'one');
    rec.record('debug', 'two');
    expect(rec.size).to.equal(2);
    expect(rec.entries()).to.deep.equal([
      { at: 1000, level: 'info', message: 'one' },
      { at: 1001, level: 'debug', message: 'two' },
    ]);
  });

  it('is bounded: past capacity the oldest lines go, order is kept, and the count of lost lines is known', () => {
    const rec = new FlightRecorder(3);
    for (let i = 1; i <= 10; i++) rec.record('info', `line ${i}`);
    expect(rec.size).to.equal(3);
    expect(rec.overwritten).to.equal(7);
    expect(rec.entries().map((e) => e.message)).to.deep.equal(['line 8', 'line 9', 'line 10']);
    // Exactly full, and one more: the wrap point itself.
    const full = new FlightRecorder(3);
    for (let i = 1; i <= 3; i++) full.record('info', `l${i}`);
    expect(full.entries().map((e) => e.message)).to.deep.equal(['l1', 'l2', 'l3']);
    full.record('warn', 'l4');
    expect(full.entries().map((e) => e.message)).to.deep.equal(['l2', 'l3', 'l4']);
  });

  it('holds 1000 lines by default', () => {
    const rec = new FlightRecorder();
    for (let i = 0; i < 2500; i++) rec.record('debug', String(i));
    expect(rec.size).to.equal(1000);
    expect(rec.entries()[0]?.message).to.equal('1500');
    expect(rec.entries().at(-1)?.message).to.equal('2499');
  });

  it('writes the documented file: header, then ISO time, level word and message per line', () => {
    const rec = new FlightRecorder(2, () => Date.UTC(2025, 0, 31, 12, 0, 0, 123));
    rec.record('info', 'dropped by the ring');
    rec.record('crit', 'Uncaught exception: Error: boom');
    rec.record('debug', 'two\nlines');
    const path = flightRecorderPath(dir);
    expect(rec.writeTo(path, 'test', 42)).to.equal(join(dir, 'flight-recorder.txt'));
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).to.deep.equal([
      '# heartbeat-ts flight recorder',
      '# pid 42, written 2025-01-31T12:00:00.123Z, reason: test',
      '# 2 lines kept (capacity 2), 1 older lines overwritten',
      '2025-01-31T12:00:00.123Z\tCRIT\tUncaught exception: Error: boom',
      '2025-01-31T12:00:00.123Z\tdebug\ttwo\\nlines',
      '',
    ]);
    // Written via a temp file and renamed: nothing else is left behind.
    expect(readdirSync(dir)).to.deep.equal(['flight-recorder.txt']);
  });

  it('throws when it cannot write (the callers log it), leaving no file', () => {
    const rec = new FlightRecorder(2);
    rec.record('info', 'x');
    expect(() => rec.writeTo(join(dir, 'no-such-dir', 'flight-recorder.txt'), 'test')).to.throw(/ENOENT/);
    expect(existsSync(join(dir, 'no-such-dir'))).to.equal(false);
  });

  it('recordingLog records debug lines the log itself drops, and still writes the others', () => {
    const logfile = join(dir, 'ha-log');
    const inner = createHaLog({ logfile, debugfile: null, logfacility: null, nodeName: 'alpha', debug: 0 });
    const rec = new FlightRecorder(10);
    const log = recordingLog(inner, rec);
    log.log('debug', 'quiet detail');
    log.log('warn', 'loud');
    log.logSync('crit', 'last words');
    expect(rec.entries().map((e) => `${e.level} ${e.message}`)).to.deep.equal(['debug quiet detail', 'warn loud', 'crit last words']);
    const text = readFileSync(logfile, 'utf8');
    expect(text).to.include('WARN: loud');
    expect(text).to.include('CRIT: last words');
    expect(text).not.to.include('quiet detail');
    log.setDebug(2);
    expect(inner.debugLevel()).to.equal(2);
  });
});
