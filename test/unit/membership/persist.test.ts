import { expect } from 'chai';
import { formatGeneration, newUuid, nextGeneration, parseGeneration, parseUuid, uuidToString } from '../../../src/membership/persist.js';

describe('membership: hb_generation and hb_uuid files', () => {
  it('reads and writes hb_generation as the real 3.0.6 does (15 columns and a newline)', () => {
    expect(formatGeneration(1795300634)).to.equal('     1795300634\n');
    expect(parseGeneration('     1795300634\n')).to.equal(1795300634);
    expect(parseGeneration('')).to.equal(null);
    expect(parseGeneration('12x\n')).to.equal(null);
    expect(parseGeneration(null)).to.equal(null);
  });

  it('starts from the wall clock the first time and counts up after', () => {
    expect(nextGeneration(null, 1795292838.7)).to.deep.equal({
      generation: 1795292838,
      logs: [
        { level: 'warn', text: 'No Previous generation - starting at 1795292838' },
        { level: 'info', text: 'Heartbeat generation: 1795292838' },
      ],
    });
    expect(nextGeneration(1795292838, 0).generation).to.equal(1795292839);
  });

  it('takes hb_uuid as exactly 16 raw bytes and prints it like the captures', () => {
    const u = Buffer.from('2878fb10d17c4d449da7e45c924a23fd', 'hex');
    expect(uuidToString(parseUuid(u) as Buffer)).to.equal('2878fb10-d17c-4d44-9da7-e45c924a23fd');
    expect(parseUuid(Buffer.alloc(15))).to.equal(null);
    const fresh = newUuid(Buffer.alloc(16, 0xff));
    expect(uuidToString(fresh)).to.equal('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });
});
