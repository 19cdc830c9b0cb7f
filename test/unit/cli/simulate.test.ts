// `heartbeat simulate` as an operator runs it: their ha.d, a what-if script or random faults, a
// timeline, a summary, and exit codes that say whether a rule broke.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/program.js';
import { capture, writeConfig } from './helpers.js';

describe('heartbeat simulate', () => {
  let dir: string;
  beforeEach(() => {
    dir = writeConfig(mkdtempSync(join(tmpdir(), 'hb-sim-')));
    writeFileSync(join(dir, 'haresources'), 'node1 IPaddr::192.0.2.10/24/eth0 httpd\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (...args: string[]) => {
    const io = capture();
    const code = await main(['-c', dir, 'simulate', ...args], io);
    return { code, out: io.stdout.join(''), err: io.stderr.join('') };
  };

  it('--help names every what-if verb, the checks and the exit codes', async () => {
    const io = capture();
    expect(await main(['simulate', '--help'], io)).to.equal(0);
    const text = io.stdout.join('');
    for (const s of ['dies|crashes|stops|starts|freezes|standby|takeover|isolated|fails start', 'cut|loss N%', '--seed', '--faults', '--json', 'Exit 0', '6: bad config']) {
      expect(text).to.include(s);
    }
  });

  it('"node1 dies": node2 declares it dead and takes the group over within deadtime + script time', async () => {
    const r = await run('--script', 'node1 dies at 60s', '--for', '80s', '--json');
    expect(r.code, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { violations: unknown[]; trace: { at: number; node: string; kind: string; text: string }[] };
    expect(j.violations).to.deep.equal([]);
    const after = j.trace.filter((l) => l.at >= 60_000);
    const dead = after.find((l) => l.node === 'node2' && /node node1: is dead/.test(l.text));
    const held = after.find((l) => l.kind === 'holder' && /held by node2$/.test(l.text));
    expect(dead, 'no "is dead" line').to.not.equal(undefined);
    expect(held, 'node2 never held the group alone').to.not.equal(undefined);
    // deadtime 10 s (writeConfig), one keepalive of phase, the scripts' time
    expect((held?.at ?? 0) - 60_000).to.be.within(9_000, 13_000);
  });

  it('"node1 crashes" leaves its addresses up (kill -9 of heartbeat only); the timeline says so', async () => {
    const r = await run('--script', 'node1 crashes at 60s', '--for', '80s');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.include('held by node1 (daemon gone, addresses left up) + node2');
  });

  it('a what-if step it cannot read: the step, the reason, exit 2; a broken ha.cf: file and line, exit 6', async () => {
    const bad = await run('--script', 'node3 dies at 10s');
    expect(bad.code).to.equal(2);
    expect(bad.err).to.match(/what-if step 1 \[node3 dies at 10s\]: \[node3\] is neither a node/);
    const noTime = await run('--script', 'node1 dies');
    expect(noTime.err).to.include('says no time');
    writeFileSync(join(dir, 'ha.cf'), 'keepalive 2\ndeadtime 1\nnode node1\n');
    const cfg = await run('--faults', '1');
    expect(cfg.code).to.equal(6);
    expect(cfg.err).to.include(`${dir}/ha.cf`);
  });

  it('random faults from a seed: the same seed prints the same timeline, and the summary says no rule broke', async () => {
    const a = await run('--seed', '3', '--faults', '4');
    const b = await run('--seed', '3', '--faults', '4');
    expect(a.code, a.out.slice(-500)).to.equal(0);
    const untimed = (s: string): string => s.replace(/simulated in [\d.]+ s \(\d+x real time\)/, '');
    expect(untimed(a.out)).to.equal(untimed(b.out));
    expect(a.out).to.include('seed 3, 4 random fault(s)');
    expect(a.out).to.include('No rule broken.');
  });
});
