// The Respawner with REAL processes and the real clock: kills, exit 100, a program that dies at once,
// and stopAll leaving nothing behind. As root it also runs a helper as `nobody`.
import { expect } from 'chai';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Respawn } from '../../src/config/types.js';
import { realClock } from '../../src/lib/clock.js';
import { MemoryLog } from '../../src/log/types.js';
import { Respawner, type RespawnerDeps } from '../../src/control/respawn.js';
import { isRoot } from '../lab/netns.js';

const where = { file: 'ha.cf', line: 1 };
const me = userInfo().username;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** pids whose process group is pgid (zombies excluded). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z') out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

function uidOf(pid: number): number {
  const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]);
}

describe('Respawner with real processes', function () {
  this.timeout(10_000);
  let dir = '';
  const respawners: Respawner[] = [];
  const seen = new Set<number>();

  function script(name: string, body: string): string {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  }

  function make(extra: Partial<RespawnerDeps> = {}) {
    const log = new MemoryLog();
    const r = new Respawner({ log, clock: realClock, env: { PATH: '/usr/bin:/bin' }, ...extra });
    respawners.push(r);
    return { r, log };
  }

  const helper = (argv: string[], user = me): Respawn => ({ user, argv, where });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'respawn-'));
    chmodSync(dir, 0o755); // `nobody` must reach the scripts
  });

  afterEach(async () => {
    for (const r of respawners.splice(0)) {
      for (const s of r.status()) if (s.pid) seen.add(s.pid);
      await r.stopAll();
    }
  });

  after(() => {
    for (const pid of seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('restarts a `sleep 30` helper killed 5 times with SIGKILL 5 times, with a new pid each time', async () => {
    const { r, log } = make({ policy: { firstDelayMs: 50, maxDelayMs: 200 } });
    r.start([helper(['/bin/sleep', '30'])]);
    const pids: number[] = [];
    await waitFor('first start', () => r.status()[0]?.state === 'running');
    for (let i = 0; i < 5; i++) {
      const pid = r.status()[0]?.pid as number;
      pids.push(pid);
      seen.add(pid);
      process.kill(pid, 'SIGKILL');
      await waitFor(`restart ${i + 1}`, () => r.status()[0]?.state === 'running' && r.status()[0]?.pid !== pid);
    }
    pids.push(r.status()[0]?.pid as number);
    expect(new Set(pids).size).to.equal(6);
    expect(r.status()[0]).to.include({ starts: 6, respawns: 5, state: 'running' });
    expect(alive(pids[5] as number)).to.equal(true);
    expect(log.text().filter((l) => l.startsWith('ERROR: Respawning client "/bin/sleep 30":'))).to.have.length(5);
    expect(log.text()).to.include(`WARN: Managed /bin/sleep 30 process ${pids[0]} killed by signal 9 [SIGKILL - Kill, unblockable].`);
  });

  it('does not restart a helper that exits 100', async () => {
    const p = script('exit100', 'exit 100');
    const { r, log } = make({ policy: { firstDelayMs: 50 } });
    r.start([helper([p])]);
    await waitFor('exit', () => r.status()[0]?.state === 'exited');
    await sleep(300);
    expect(r.status()[0]).to.include({ starts: 1, respawns: 0, state: 'exited' });
    expect(r.status()[0]?.lastExit).to.deep.equal({ code: 100, signal: null });
    expect(log.text().some((l) => l.includes('Respawning'))).to.equal(false);
  });

  it('throttles a helper that exits 1 at once: only a few starts in 3.5 s with the default policy', async () => {
    const p = script('exit1', `echo x >> ${dir}/exit1.starts; exit 1`);
    const { r } = make();
    r.start([helper([p])]);
    await sleep(3500);
    const starts = r.status()[0]?.starts ?? 0;
    // 1 s then 2 s of backoff: starts at ~0, ~1 and ~3 s. A tight loop would be hundreds.
    expect(starts).to.be.within(2, 4);
    expect(readFileSync(join(dir, 'exit1.starts'), 'utf8').trim().split('\n')).to.have.length(starts);
    expect(r.status()[0]?.state).to.equal('waiting');
  });

  it('stopAll leaves no process of the helper groups, grandchildren and TERM-ignoring ones included', async () => {
    const forks = script('forks', 'sleep 30 & sleep 30 & wait');
    const stubborn = script('stubborn', "trap '' TERM; sleep 30 & wait; sleep 30");
    const { r, log } = make({ stopGraceMs: 300 });
    r.start([helper([forks]), helper([stubborn])]);
    await waitFor('both running', () => r.status().every((s) => s.state === 'running'));
    const pgids = r.status().map((s) => s.pid as number);
    await waitFor('grandchildren', () => pgids.every((g) => groupMembers(g).length >= 2));
    for (const g of pgids) for (const p of groupMembers(g)) seen.add(p);
    const t0 = Date.now();
    await r.stopAll();
    expect(Date.now() - t0).to.be.below(2000);
    for (const g of pgids) expect(groupMembers(g), `group ${g}`).to.deep.equal([]);
    expect(r.status().map((s) => s.state)).to.deep.equal(['stopped', 'stopped']);
    expect(log.text()).to.include(`info: killing ${stubborn} process group ${pgids[1]} with signal 9`);
    expect(log.text().some((l) => l.includes('Managed'))).to.equal(false);
  });

  it('does not start a built-in ipfail path, and logs so', () => {
    const { r, log } = make();
    r.start([helper(['/usr/lib/heartbeat/ipfail'], 'hacluster')]);
    expect(r.status()[0]?.state).to.equal('builtin');
    expect(log.text()[0]).to.match(/^info: Built-in ipfail is active/);
  });

  describe('@lab as root', () => {
    before(function () {
      if (!isRoot()) this.skip();
    });

    it('runs the helper as user nobody, with its uid and gid in Heartbeat\'s lines, and restarts it as nobody', async () => {
      const { r, log } = make({ policy: { firstDelayMs: 50 } });
      r.start([helper(['/bin/sleep', '30'], 'nobody')]);
      await waitFor('start', () => r.status()[0]?.state === 'running');
      const s = r.status()[0];
      const pid = s?.pid as number;
      seen.add(pid);
      expect(uidOf(pid)).to.equal(s?.uid);
      expect(log.text()).to.include(`info: Starting child client "/bin/sleep 30" (${s?.uid},${s?.gid})`);
      expect(log.text()).to.include(`info: Starting "/bin/sleep 30" as uid ${s?.uid}  gid ${s?.gid} (pid ${pid})`);
      process.kill(pid, 'SIGKILL');
      await waitFor('restart', () => r.status()[0]?.state === 'running' && r.status()[0]?.pid !== pid);
      const pid2 = r.status()[0]?.pid as number;
      seen.add(pid2);
      expect(uidOf(pid2)).to.equal(s?.uid);
    });
  });
});
