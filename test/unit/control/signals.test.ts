import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { installSignalHandlers, type SignalEvent } from '../../../src/control/signals.js';

describe('signals', () => {
  it('turns TERM, INT, HUP, USR1 and USR2 into events and nothing else', () => {
    const fake = new EventEmitter();
    const got: SignalEvent[] = [];
    const uninstall = installSignalHandlers((e) => got.push(e), fake as unknown as NodeJS.Process);
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2']) fake.emit(s);
    expect(got).to.deep.equal([
      { kind: 'shutdown', signal: 'SIGTERM' },
      { kind: 'shutdown', signal: 'SIGINT' },
      { kind: 'reload' },
      { kind: 'debug-up' },
      { kind: 'debug-down' },
    ]);
    uninstall();
    expect(fake.listenerCount('SIGTERM')).to.equal(0);
    expect(fake.listenerCount('SIGHUP')).to.equal(0);
  });

  it('delivers a real SIGHUP to this process as a reload event', async () => {
    const got: SignalEvent[] = [];
    const uninstall = installSignalHandlers((e) => got.push(e));
    try {
      process.kill(process.pid, 'SIGHUP');
      for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(got).to.deep.equal([{ kind: 'reload' }]);
    } finally {
      uninstall();
    }
  });
});
