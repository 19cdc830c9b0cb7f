import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { Respawn } from '../../../src/config/types.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { MemoryLog } from '../../../src/log/types.js';
import { Respawner, type ChildLike, type SpawnSpec } from '../../../src/control/respawn.js';
import { findGroup, findUser } from '../../../src/control/respawn-users.js';

class FakeChild extends EventEmitter implements ChildLike {
  constructor(readonly pid: number | undefined, readonly spec: SpawnSpec) {
    super();
  }
  die(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.emit('exit', code, signal);
  }
}

const where = { file: '/etc/ha.d/ha.cf', line: 1 };
const HACLUSTER = { name: 'hacluster', uid: 102, gid: 105, home: '/var/lib/heartbeat' };

function harness(opts: { failSpawn?: boolean; canExec?: (p: string) => string | null } = {}) {
  const clock = new FakeClock();
  const log = new MemoryLog();
  const children: FakeChild[] = [];
  const kills: [number, string][] = [];
  let nextPid = 1000;
  const r = new Respawner({
    log,
    clock,
    users: (u) => (u === 'hacluster' ? HACLUSTER : undefined),
    self: { uid: 0, gid: 0 },
    canExec: opts.canExec ?? (() => null),
    env: { PATH: '/bin', HA_CURHOST: 'alpha' },
    spawnFn: (spec) => {
      const c = new FakeChild(opts.failSpawn ? undefined : nextPid++, spec);
      if (opts.failSpawn) setImmediate(() => c.emit('error', Object.assign(new Error('spawn EPERM'), { code: 'EPERM' })));
      children.push(c);
      return c;
    },
    killFn: (pgid, sig) => {
      kills.push([pgid, sig]);
      const c = children.find((x) => x.pid === pgid);
      if (sig === 'SIGKILL' || sig === 'SIGTERM') setImmediate(() => c?.die(null, sig));
    },
  });
  const last = () => children[children.length - 1] as FakeChild;
  return { clock, log, children, kills, r, last };
}

const helper = (argv: string[], user = 'hacluster'): Respawn => ({ user, argv, where });

describe('Respawner (fake spawn, fake clock)', () => {
  it('starts the program as USER through sh -c "exec ...", in its own group, with the given env', () => {
    const h = harness();
    h.r.start([helper(['/usr/local/bin/helper', '-v'])]);
    const spec = h.last().spec;
    expect(spec.file).to.equal('/bin/sh');
    expect(spec.args).to.deep.equal(['-c', 'exec /usr/local/bin/helper -v']);
    expect([spec.uid, spec.gid]).to.deep.equal([102, 105]);
    expect(spec.env.HA_CURHOST).to.equal('alpha');
    expect(h.log.text()).to.deep.equal([
      'info: Starting child client "/usr/local/bin/helper -v" (102,105)',
      'info: Starting "/usr/local/bin/helper -v" as uid 102  gid 105 (pid 1000)',
    ]);
    expect(h.r.status()[0]).to.include({ state: 'running', pid: 1000, starts: 1, uid: 102, gid: 105 });
  });

  it('restarts a helper killed 5 times 5 times, each time as a new process', () => {
    const h = harness();
    h.r.start([helper(['/usr/local/bin/helper'])]);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(60_000);
      h.last().die(null, 'SIGKILL');
    }
    expect(h.children.map((c) => c.pid)).to.deep.equal([1000, 1001, 1002, 1003, 1004, 1005]);
    expect(h.r.status()[0]).to.include({ state: 'running', starts: 6, respawns: 5, pid: 1005 });
    expect(h.log.text()).to.include.members([
      'WARN: Managed /usr/local/bin/helper process 1000 killed by signal 9 [SIGKILL - Kill, unblockable].',
      'ERROR: Respawning client "/usr/local/bin/helper":',
    ]);
  });

  it('does not restart a helper that exits 100', () => {
    const h = harness();
    h.r.start([helper(['/usr/local/bin/helper'])]);
    h.last().die(100);
    h.clock.advance(120_000);
    expect(h.children).to.have.length(1);
    expect(h.r.status()[0]).to.include({ state: 'exited', starts: 1, respawns: 0 });
    expect(h.log.text().at(-1)).to.equal('WARN: Managed /usr/local/bin/helper process 1000 exited with return code 100.');
  });

  it('throttles a helper that dies at once: nothing before the delay, then gives up with Heartbeat\'s line', () => {
    const h = harness();
    h.r.start([helper(['/usr/local/bin/helper'])]);
    h.last().die(1);
    expect(h.children).to.have.length(1);
    expect(h.r.status()[0]).to.include({ state: 'waiting', nextStartAt: 1000 });
    h.clock.advance(999);
    expect(h.children).to.have.length(1);
    h.clock.advance(1);
    expect(h.children).to.have.length(2);
    for (let i = 0; i < 30 && h.r.status()[0]?.state !== 'gave-up'; i++) {
      h.last().die(1);
      h.clock.advance(10_000);
    }
    expect(h.children).to.have.length(11);
    expect(h.r.status()[0]).to.include({ state: 'gave-up', starts: 11 });
    expect(h.log.text().at(-1)).to.equal('ERROR: Client /usr/local/bin/helper "respawning too fast"');
  });

  it('uses the built-in ipfail instead of starting any program path ending in ipfail', () => {
    const h = harness();
    h.r.start([helper(['/usr/lib/heartbeat/ipfail'])]);
    expect(h.children).to.have.length(0);
    expect(h.r.status()[0]).to.include({ state: 'builtin', starts: 0 });
    expect(h.log.text()).to.deep.equal(['info: Built-in ipfail is active instead of child client "/usr/lib/heartbeat/ipfail" (not started)']);
  });

  it('does not start (or retry) a program that cannot be executed, nor one for an unknown user', () => {
    const h = harness({ canExec: () => 'No such file or directory' });
    h.r.start([helper(['/nope/helper']), helper(['/bin/true'], 'ghost')]);
    h.clock.advance(60_000);
    expect(h.children).to.have.length(0);
    expect(h.r.status().map((s) => s.state)).to.deep.equal(['failed', 'failed']);
    expect(h.log.text()).to.include('ERROR: Cannot exec /nope/helper: No such file or directory');
    expect(h.log.text().at(-1)).to.match(/Invalid uid \[ghost\]/);
  });

  it('marks a client failed, not restarted, when it cannot be set up as USER', async () => {
    const h = harness({ failSpawn: true });
    h.r.start([helper(['/usr/local/bin/helper'])]);
    await new Promise((r) => setImmediate(r));
    h.clock.advance(60_000);
    expect(h.children).to.have.length(1);
    expect(h.r.status()[0]?.state).to.equal('failed');
    expect(h.log.text().at(-1)).to.equal('ERROR: Cannot setup child process /usr/local/bin/helper: Operation not permitted');
  });

  it('stopAll sends TERM to each group, last client first, cancels pending restarts and logs no deaths', async () => {
    const h = harness();
    h.r.start([helper(['/a']), helper(['/b']), helper(['/c'])]);
    h.children[2]?.die(1); // /c waits for its restart
    const before = h.log.lines.length;
    await h.r.stopAll();
    expect(h.kills).to.deep.equal([[1001, 'SIGTERM'], [1000, 'SIGTERM']]);
    expect(h.log.text().slice(before)).to.deep.equal([
      'info: killing /b process group 1001 with signal 15',
      'info: killing /a process group 1000 with signal 15',
    ]);
    h.clock.advance(60_000);
    expect(h.children).to.have.length(3);
    expect(h.r.status().map((s) => s.state)).to.deep.equal(['stopped', 'stopped', 'stopped']);
  });

  it('stopAll escalates to KILL after the grace when TERM is ignored', async () => {
    const h = harness();
    h.r.start([helper(['/stubborn'])]);
    const child = h.last();
    // This child ignores TERM: replace the fake killFn behaviour by dropping TERM deaths.
    const origDie = child.die.bind(child);
    child.die = (code, signal) => { if (signal !== 'SIGTERM') origDie(code, signal); };
    const done = h.r.stopAll();
    await new Promise((r) => setImmediate(r));
    h.clock.advance(5000);
    await done;
    expect(h.kills).to.deep.equal([[1000, 'SIGTERM'], [1000, 'SIGKILL']]);
    expect(h.log.text().at(-1)).to.equal('info: killing /stubborn process group 1000 with signal 9');
  });
});

describe('respawn users (/etc/passwd, /etc/group text)', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\n# comment\nhacluster:x:102:105::/var/lib/pacemaker:/usr/sbin/nologin\nbroken:x::\n';
  it('finds a user by name with its primary gid, or by number', () => {
    expect(findUser(passwd, 'hacluster')).to.deep.equal({ name: 'hacluster', uid: 102, gid: 105, home: '/var/lib/pacemaker' });
    expect(findUser(passwd, '102')?.name).to.equal('hacluster');
    expect(findUser(passwd, 'nobody')).to.equal(undefined);
    expect(findUser(passwd, 'broken')).to.equal(undefined);
  });
  it('finds a group id by name', () => {
    expect(findGroup('haclient:x:105:\nnogroup:x:65534:\n', 'haclient')).to.equal(105);
    expect(findGroup('haclient:x:105:\n', 'wheel')).to.equal(undefined);
  });
});
