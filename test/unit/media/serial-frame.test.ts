import { expect } from 'chai';
import { SerialFramer, SERIAL_MAXMSG, fragmentDelayMs } from '../../../src/media/serial-frame.js';

const msg = '>>>\nt=status\nsrc=alpha\nseq=1\n<<<\n';

describe('SerialFramer (serial.c framing)', () => {
  it('returns one classic message with its markers and a LF after every line', () => {
    const out = new SerialFramer().push(Buffer.from(msg));
    expect(out.map(String)).to.deep.equal([msg]);
  });

  it('skips lines before ">>>" as Heartbeat does', () => {
    const out = new SerialFramer().push(Buffer.from(`noise\nt=half\n<<<\n${msg}`));
    expect(out.map(String)).to.deep.equal([msg]);
  });

  it('reassembles a message split across reads at any byte', () => {
    const bytes = Buffer.from(msg + msg);
    for (let cut = 1; cut < bytes.length; cut++) {
      const f = new SerialFramer();
      const out = [...f.push(bytes.subarray(0, cut)), ...f.push(bytes.subarray(cut))];
      expect(out.map(String)).to.deep.equal([msg, msg]);
    }
  });

  it('ignores CR (the line is set IGNCR)', () => {
    const out = new SerialFramer().push(Buffer.from(msg.replace(/\n/g, '\r\n')));
    expect(out.map(String)).to.deep.equal([msg]);
  });

  it('restarts on a new ">>>" inside a message (a sender that flushed mid-message)', () => {
    const out = new SerialFramer().push(Buffer.from(`>>>\nt=stat${msg}`.replace('t=stat>>>', 't=stat\n>>>')));
    expect(out.map(String)).to.deep.equal([msg]);
  });

  it('keeps whatever follows ">>>" and "<<<" on their lines, as serial_read does', () => {
    const out = new SerialFramer().push(Buffer.from('>>>x\na=1\n<<<y\n'));
    expect(out.map(String)).to.deep.equal(['>>>x\na=1\n<<<y\n']);
  });

  it('drops a message larger than MAXMSG and recovers on the next one', () => {
    const f = new SerialFramer();
    const big = `>>>\n${'a=1\n'.repeat(SERIAL_MAXMSG / 4 + 1)}<<<\n`;
    expect(f.push(Buffer.from(big))).to.deep.equal([]);
    expect(f.oversized).to.equal(1);
    expect(f.push(Buffer.from(msg)).map(String)).to.deep.equal([msg]);
  });

  it('paces 512-byte fragments at the line rate: 19200 baud gives 213 ms', () => {
    expect(Math.round(fragmentDelayMs(19200))).to.equal(213);
  });
});
