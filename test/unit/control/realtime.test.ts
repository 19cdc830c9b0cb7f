// ha.cf realtime: the chrt call that switches the daemon to SCHED_RR, and what is logged when the
// kernel refuses. (The lab checks the policy the daemon really gets: test/lab/failover.test.ts.)
import { expect } from 'chai';
import { chrtArgs, makeRealtime, type Run } from '../../../src/control/realtime.js';
import type { Log } from '../../../src/log/types.js';

function recorder(): { log: Log; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: { log: (l, t) => lines.push(`${l}: ${t}`) } };
}

describe('realtime (chrt)', () => {
  it('sets SCHED_RR on every thread, with reset-on-fork so children run at normal priority', () => {
    expect(chrtArgs(4242, 1)).to.deep.equal(['--all-tasks', '--reset-on-fork', '--rr', '--pid', '1', '4242']);
  });

  it('runs chrt on our pid at the rtprio given (default 1) and logs only at debug level', async () => {
    const calls: string[][] = [];
    const run: Run = async (cmd, args) => (calls.push([cmd, ...args]), { status: 0, stderr: '' });
    const r = recorder();
    expect(await makeRealtime(r.log, 77, undefined, run)).to.equal(true);
    expect(await makeRealtime(r.log, 77, 20, run)).to.equal(true);
    expect(calls.map((c) => c.slice(-3))).to.deep.equal([['--pid', '1', '77'], ['--pid', '20', '77']]);
    expect(r.lines.every((l) => l.startsWith('debug: '))).to.equal(true);
  });

  it("logs Heartbeat's error with the kernel's reason when refused, and carries on", async () => {
    const r = recorder();
    const refused: Run = async () => ({ status: 1, stderr: "chrt: failed to set pid 77's policy: Operation not permitted\n" });
    expect(await makeRealtime(r.log, 77, 1, refused)).to.equal(false);
    const missing: Run = async () => ({ status: null, stderr: '', error: new Error('spawn chrt ENOENT') });
    expect(await makeRealtime(r.log, 77, 1, missing)).to.equal(false);
    expect(r.lines).to.deep.equal([
      'error: Unable to set scheduler parameters.: Operation not permitted',
      'error: Unable to set scheduler parameters.: spawn chrt ENOENT',
    ]);
  });

  it('reports what the real chrt says when the pid does not exist', async () => {
    const r = recorder();
    expect(await makeRealtime(r.log, 2 ** 22 + 1, 1)).to.equal(false);
    expect(r.lines).to.have.length(1);
    expect(r.lines[0]).to.match(/^error: Unable to set scheduler parameters\.: \S/);
  });
});
