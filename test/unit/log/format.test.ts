import { expect } from 'chai';
import { formatLine, priority, syslogBody, syslogStamp, v1Stamp } from '../../../src/log/format.js';

const at = new Date(2026, 10, 21, 20, 27, 17); // local time, like Heartbeat's stamps
const parts = { wallTime: at, nodeName: 'alpha', entity: 'heartbeat', pid: 9831 } as const;

describe('log line format', () => {
  it('writes the 3.0.6 default (syslogmsgfmt) line as real ha-logs show it', () => {
    expect(formatLine({ ...parts, level: 'info', message: 'Heartbeat generation: 1795292838' }, true)).to.equal(
      'Nov 21 20:27:17 alpha heartbeat: [9831]: info: Heartbeat generation: 1795292838',
    );
  });

  it('writes the v1 line when syslogmsgfmt is off', () => {
    expect(formatLine({ ...parts, level: 'warn', message: 'node bravo: is dead' }, false)).to.equal(
      'heartbeat[9831]: 2026/11/21_20:27:17 WARN: node bravo: is dead',
    );
  });

  it('uses Heartbeat level words in mixed case', () => {
    const words = (['debug', 'info', 'notice', 'warn', 'error', 'crit'] as const).map(
      (level) => formatLine({ ...parts, level, message: 'x' }, true).split(': ')[2],
    );
    expect(words).to.deep.equal(['debug', 'info', 'notice', 'WARN', 'ERROR', 'CRIT']);
  });

  it('zero-pads the day, month and time', () => {
    const d = new Date(2026, 0, 5, 3, 4, 5);
    expect(syslogStamp(d)).to.equal('Jan 05 03:04:05');
    expect(v1Stamp(d)).to.equal('2026/01/05_03:04:05');
  });

  it('gives syslog the body Heartbeat passes to syslog(3) and the right <PRI>', () => {
    expect(syslogBody(9831, 'error', 'boom')).to.equal('[9831]: ERROR: boom');
    expect(priority('local0', 'info')).to.equal(134);
    expect(priority('local0', 'error')).to.equal(131);
    expect(priority('daemon', 'debug')).to.equal(31);
    expect(() => priority('local9', 'info')).to.throw(RangeError);
  });
});
