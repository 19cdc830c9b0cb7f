import { expect } from 'chai';
import {
  HEARTBEAT_POLICY, INITIAL_COUNTERS, backoffDelay, decideRespawn, isIpfail, managedDiedLine, startingAsLine,
  startingChildLine, tooFastLine, respawningLine, killingLine, type RespawnCounters, type RespawnDecision,
} from '../../../src/control/respawn-policy.js';

/** Feeds deaths at the given run lengths (ms); restarts happen after each decided delay. */
function run(lengths: readonly { ms: number; code?: number | null; signal?: string | null }[]) {
  let c: RespawnCounters = INITIAL_COUNTERS;
  let t = 0;
  const decisions: RespawnDecision[] = [];
  for (const l of lengths) {
    const startedAt = t;
    t += l.ms;
    const r = decideRespawn(c, { startedAt, diedAt: t, exitCode: l.code ?? null, signal: l.signal ?? (l.code === undefined ? 'SIGKILL' : null) });
    c = r.counters;
    decisions.push(r.decision);
    if (r.decision.action !== 'restart') break;
    t += r.decision.delayMs;
  }
  return { decisions, counters: c, t };
}

describe('respawn decision (pure, fake times)', () => {
  it('restarts a helper killed 5 times 5 times', () => {
    const { decisions, counters } = run(Array.from({ length: 5 }, () => ({ ms: 60_000 })));
    expect(decisions.map((d) => d.action)).to.deep.equal(['restart', 'restart', 'restart', 'restart', 'restart']);
    expect(counters.respawns).to.equal(5);
  });

  it('restarts a long-running helper at once, without delay', () => {
    const { decisions } = run([{ ms: 30_000 }, { ms: 45_000, code: 1 }]);
    expect(decisions).to.deep.equal([{ action: 'restart', delayMs: 0 }, { action: 'restart', delayMs: 0 }]);
  });

  it('restarts 5 quick kills too, each after a delay', () => {
    const { decisions } = run(Array.from({ length: 5 }, () => ({ ms: 2_000 })));
    expect(decisions.map((d) => d.action)).to.deep.equal(Array(5).fill('restart'));
    expect(decisions.every((d) => d.action === 'restart' && d.delayMs > 0)).to.equal(true);
  });

  it('does not restart a helper that exits 100', () => {
    expect(run([{ ms: 5, code: 100 }]).decisions).to.deep.equal([{ action: 'stop', reason: 'exit-100' }]);
    expect(run([{ ms: 999_999, code: 100 }]).counters.respawns).to.equal(0);
  });

  it('restarts a helper killed by a signal even though its "exit code" is not 0', () => {
    expect(run([{ ms: 5, code: null, signal: 'SIGTERM' }]).decisions[0]?.action).to.equal('restart');
  });

  it('restarts nothing while the daemon shuts down', () => {
    const r = decideRespawn(INITIAL_COUNTERS, { startedAt: 0, diedAt: 1, exitCode: 1, signal: null, shuttingDown: true });
    expect(r.decision).to.deep.equal({ action: 'stop', reason: 'shutdown' });
  });

  it('throttles a helper that dies at once with growing, bounded delays, then gives up like Heartbeat', () => {
    const { decisions, t } = run(Array.from({ length: 20 }, () => ({ ms: 10, code: 1 })));
    const delays = decisions.flatMap((d) => (d.action === 'restart' ? [d.delayMs] : []));
    expect(delays).to.deep.equal([1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000, 10000, 10000]);
    // Heartbeat: 11 quick deaths in a row (shortrcount > 10) and the client is left dead.
    expect(decisions).to.have.length(11);
    expect(decisions[10]).to.deep.equal({ action: 'stop', reason: 'too-fast' });
    // 11 starts spread over more than a minute, not a tight loop.
    expect(t).to.be.greaterThan(60_000);
  });

  it('forgets quick deaths after one run of 30 s or more', () => {
    const lens = [...Array(8).fill({ ms: 10, code: 1 }), { ms: 30_000, code: 1 }, ...Array(8).fill({ ms: 10, code: 1 })];
    const { decisions } = run(lens);
    expect(decisions.every((d) => d.action === 'restart')).to.equal(true);
    expect(decisions[8]).to.deep.equal({ action: 'restart', delayMs: 0 });
    expect(decisions[9]).to.deep.equal({ action: 'restart', delayMs: 1000 });
  });

  it('never gives up when giveUpAfter is Infinity, and the delay stays at its bound', () => {
    const p = { ...HEARTBEAT_POLICY, giveUpAfter: Infinity };
    let c = INITIAL_COUNTERS;
    let last: RespawnDecision | undefined;
    for (let i = 0; i < 100; i++) {
      const r = decideRespawn(c, { startedAt: 0, diedAt: 1, exitCode: 1, signal: null }, p);
      c = r.counters;
      last = r.decision;
    }
    expect(last).to.deep.equal({ action: 'restart', delayMs: 10_000 });
    expect(backoffDelay(1000)).to.equal(10_000);
    expect(backoffDelay(0)).to.equal(0);
  });
});

describe('respawn log lines (Heartbeat 3.0.6 wording)', () => {
  const cmd = '/usr/libexec/heartbeat/ipfail';
  it('says what the real one says when starting a client', () => {
    expect(startingChildLine(cmd, 102, 105)).to.deep.equal(['info', 'Starting child client "/usr/libexec/heartbeat/ipfail" (102,105)']);
    expect(startingAsLine(cmd, 102, 105, 9993)).to.deep.equal(['info', 'Starting "/usr/libexec/heartbeat/ipfail" as uid 102  gid 105 (pid 9993)']);
  });

  it('says what the real one says when a client dies and is respawned or given up', () => {
    expect(managedDiedLine('/x/fast1', 27, 1, null)).to.deep.equal(['warn', 'Managed /x/fast1 process 27 exited with return code 1.']);
    expect(managedDiedLine('/x/exit100', 28, 100, null)[1]).to.equal('Managed /x/exit100 process 28 exited with return code 100.');
    expect(managedDiedLine('/x/s', 26, null, 'SIGKILL')).to.deep.equal(['warn', 'Managed /x/s process 26 killed by signal 9 [SIGKILL - Kill, unblockable].']);
    expect(managedDiedLine('/x/s', 26, 0, null)[0]).to.equal('info');
    expect(managedDiedLine('/x/s', 26, null, 'SIGXCPU', 24)[1]).to.equal('Managed /x/s process 26 killed by signal 24.');
    expect(respawningLine('/x/fast1')).to.deep.equal(['error', 'Respawning client "/x/fast1":']);
    expect(tooFastLine('/x/fast1')).to.deep.equal(['error', 'Client /x/fast1 "respawning too fast"']);
    expect(killingLine(cmd, 9993, 15)).to.deep.equal(['info', 'killing /usr/libexec/heartbeat/ipfail process group 9993 with signal 15']);
  });
});

describe('isIpfail', () => {
  it('takes any program path ending in ipfail as the built-in module', () => {
    expect(isIpfail(['/usr/lib/heartbeat/ipfail'])).to.equal(true);
    expect(isIpfail(['/usr/libexec/heartbeat/ipfail', '-x'])).to.equal(true);
    expect(isIpfail(['ipfail'])).to.equal(true);
  });
  it('does not take other programs, or ipfail as an argument, for it', () => {
    expect(isIpfail(['/usr/lib/heartbeat/ipfail.sh'])).to.equal(false);
    expect(isIpfail(['/usr/lib/heartbeat/myipfail'])).to.equal(false);
    expect(isIpfail(['/bin/echo', 'ipfail'])).to.equal(false);
    expect(isIpfail([])).to.equal(false);
  });
});
