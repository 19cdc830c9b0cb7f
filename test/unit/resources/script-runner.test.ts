import { expect } from 'chai';
import { mkdtempSync, writeFileSync, rmSync, chmodSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, OutputCap, describeResult } from '../../../src/resources/script-runner.js';

function script(dir: string, name: string, body: string, mode = 0o755): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, mode);
  return p;
}

/** Running or sleeping; a zombie waiting for a (container) init to reap it counts as dead. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

describe('script runner', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-runner-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the exit code, stdout and stderr, and passes the arguments in order', async () => {
    const p = script(dir, 'ok', 'echo "args: $*"; echo oops >&2; exit 0');
    const r = await run(p, ['192.0.2.10/24', 'start'], { timeoutMs: 5000 });
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal('args: 192.0.2.10/24 start\n');
    expect(r.stderr).to.equal('oops\n');
    expect(r.timedOut).to.equal(false);
    expect(r.error).to.equal(undefined);
  });

  it('reports a non-zero exit code without rejecting', async () => {
    const p = script(dir, 'three', 'exit 3');
    const r = await run(p, [], { timeoutMs: 5000 });
    expect(r.code).to.equal(3);
    expect(describeResult(r)).to.equal('exit code 3');
  });

  it('gives the script exactly the environment it is handed', async () => {
    const p = script(dir, 'env', 'echo "$HA_DIR|$FOO"');
    const r = await run(p, [], { timeoutMs: 5000, env: { PATH: '/usr/bin:/bin', HA_DIR: '/etc/ha.d', FOO: 'bar' } });
    expect(r.stdout).to.equal('/etc/ha.d|bar\n');
  });

  it('resolves with an error reason for a missing script', async () => {
    const r = await run(join(dir, 'nope'), ['start'], { timeoutMs: 1000 });
    expect(r.code).to.equal(null);
    expect(r.error).to.match(/does not exist/);
  });

  it('resolves with an error reason for a script without the run bit', async () => {
    const p = script(dir, 'noexec', 'exit 0', 0o644);
    const r = await run(p, ['start'], { timeoutMs: 1000 });
    // root may execute any file with at least one x bit; 0644 has none, so this holds for root too.
    expect(r.error).to.match(/not executable/);
  });

  it('resolves with an error reason for a directory', async () => {
    const r = await run(dir, [], { timeoutMs: 1000 });
    expect(r.error).to.match(/not a regular file/);
  });

  it('kills the whole process group when the script hangs past its timeout', async () => {
    const pidfile = join(dir, 'child.pid');
    // The script forks a grandchild that ignores nothing and would outlive a plain kill of the script.
    const p = script(dir, 'hang', `sleep 30 & echo $! > ${pidfile}; wait`);
    const t0 = Date.now();
    const r = await run(p, [], { timeoutMs: 300, killGraceMs: 300 });
    expect(r.timedOut).to.equal(true);
    expect(Date.now() - t0).to.be.below(3000);
    const child = Number(readFileSync(pidfile, 'utf8'));
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(child), 'grandchild still alive').to.equal(false);
    expect(describeResult(r, 300)).to.match(/timed out after 300 ms/);
  });

  it('escalates to SIGKILL when the script ignores SIGTERM', async () => {
    const p = script(dir, 'stubborn', "trap '' TERM; while :; do sleep 0.05; done");
    const r = await run(p, [], { timeoutMs: 200, killGraceMs: 200 });
    expect(r.timedOut).to.equal(true);
    expect(r.signal).to.equal('SIGKILL');
  });

  it('keeps only head and tail of huge output and says it truncated', async function () {
    this.timeout(20000);
    // About 20 MB on stdout; only 8 KiB may be kept.
    const p = script(dir, 'chatty', 'echo FIRST; yes 0123456789abcdef | head -c 20000000; echo; echo LAST');
    const r = await run(p, [], { timeoutMs: 15000, maxOutputBytes: 8192 });
    expect(r.code).to.equal(0);
    expect(r.truncated).to.equal(true);
    expect(r.stdout.length).to.be.below(8192 + 200);
    expect(r.stdout.startsWith('FIRST\n')).to.equal(true);
    expect(r.stdout.trimEnd().endsWith('LAST')).to.equal(true);
    expect(r.stdout).to.match(/bytes of output truncated/);
  });

  it('returns soon after exit even when a daemon the script started keeps the output pipe open', async () => {
    const pidfile = join(dir, 'daemon.pid');
    const p = script(dir, 'daemonize', `(trap '' HUP; sleep 30) & echo $! > ${pidfile}; echo started; exit 0`);
    const t0 = Date.now();
    const r = await run(p, ['start'], { timeoutMs: 5000, drainMs: 100 });
    expect(Date.now() - t0).to.be.below(2000);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal('started\n');
    const pid = Number(readFileSync(pidfile, 'utf8'));
    // Not ours to keep: the test kills the daemon it made, by PID.
    if (existsSync(pidfile) && alive(pid)) process.kill(pid, 'SIGKILL');
  });
});

describe('output cap', () => {
  it('keeps everything below the limit', () => {
    const c = new OutputCap(100);
    c.push(Buffer.from('hello '));
    c.push(Buffer.from('world'));
    expect(c.text()).to.equal('hello world');
    expect(c.dropped).to.equal(0);
  });

  it('keeps the first and last halves and counts the dropped middle', () => {
    const c = new OutputCap(10);
    for (const ch of 'abcdefghijklmnopqrstuvwxyz') c.push(Buffer.from(ch));
    expect(c.dropped).to.equal(16);
    expect(c.text()).to.equal('abcde\n[... 16 bytes of output truncated ...]\nvwxyz');
  });
});
