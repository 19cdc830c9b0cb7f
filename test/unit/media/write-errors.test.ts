import { expect } from 'chai';
import { MemoryLog } from '../../../src/log/types.js';
import { WriteErrorLimiter, strerror } from '../../../src/media/write-errors.js';

const line = 'glib: bcast_write: Unable to send HBcomm packet eth1 203.0.113.127:694 len=311 [-1]: Network is unreachable';

describe('WriteErrorLimiter (heartbeat.c write_child)', () => {
  it('logs the plugin line and the write_child line for each of the first 11 failures, then suppresses', () => {
    const log = new MemoryLog();
    const w = new WriteErrorLimiter(log, 'bcast', 'eth1');
    for (let i = 0; i < 15; i++) w.failed(line, 'Network is unreachable');
    const text = log.text();
    expect(text.filter((t) => t === `ERROR: ${line}`)).to.have.length(11);
    expect(text.filter((t) => t === 'ERROR: write_child: write failure on bcast eth1.: Network is unreachable')).to.have.length(11);
    expect(text.slice(-2)).to.deep.equal(['WARN: Temporarily Suppressing write error messages', 'WARN: Is a cable unplugged on bcast eth1?']);
    expect(text).to.have.length(24);
    expect(w.isSuppressed).to.equal(true);
  });

  it('reports again after a write succeeds', () => {
    const log = new MemoryLog();
    const w = new WriteErrorLimiter(log, 'bcast', 'eth1');
    for (let i = 0; i < 12; i++) w.failed(line, 'Network is unreachable');
    w.succeeded();
    log.lines.length = 0;
    w.failed(line, 'Network is unreachable');
    expect(log.text()).to.have.length(2);
  });

  it('starts reporting again after 1000 suppressed failures, as Heartbeat does', () => {
    const log = new MemoryLog();
    const w = new WriteErrorLimiter(log, 'ucast', 'eth0');
    for (let i = 0; i < 1001; i++) w.failed(line, 'x');
    expect(w.isSuppressed).to.equal(false);
    log.lines.length = 0;
    w.failed(line, 'x');
    expect(log.text()).to.have.length(2);
  });

  it('turns errno codes into strerror text', () => {
    expect(strerror({ code: 'ENETUNREACH' })).to.equal('Network is unreachable');
    expect(strerror({ code: 'EWEIRD' })).to.equal('EWEIRD');
    expect(strerror(new Error('no code'))).to.equal('Input/output error');
  });
});
