import { expect } from 'chai';
import { mkdtempSync, mkdirSync, rmSync, copyFileSync, writeFileSync, readFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MemoryLog } from '../../../src/log/types.js';
import type { ResourceGroup } from '../../../src/config/types.js';
import { GroupRunner, groupKey, type GroupRunnerDeps } from '../../../src/resources/group-runner.js';
import { parseResourceWord, scriptEnv } from '../../../src/resources/resource-d.js';

const FAKE = resolve('test/fixtures/resources/fake-resource');

function group(...words: string[]): ResourceGroup {
  return { node: 'alpha', resources: words.map(parseResourceWord), where: { file: 'haresources', line: 1 } };
}

describe('group runner', () => {
  let root: string;
  let haDir: string;
  let initDir: string;
  let state: string;
  let log: MemoryLog;
  let sleeps: number[];

  const calls = (): string[] =>
    existsSync(join(state, 'calls.log')) ? readFileSync(join(state, 'calls.log'), 'utf8').trim().split('\n') : [];
  /** Calls other than the status probes ResourceManager makes before each start. */
  const actions = (): string[] => calls().filter((c) => !c.endsWith(' status'));
  /** Log lines without the debug timing lines (their numbers vary). */
  const messages = (): string[] => log.text().filter((l) => !l.startsWith('debug: '));
  const flag = (name: string, content = ''): void => writeFileSync(join(state, name), content);

  function runner(over: Partial<GroupRunnerDeps> = {}): GroupRunner {
    return new GroupRunner({
      log,
      dirs: { haDir, initDir },
      env: scriptEnv({ haDir, initDir, nodeName: 'alpha', extra: { FAKE_DIR: state } }),
      stopRetries: 3,
      stopRetryIntervalMs: 1,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...over,
    });
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hbts-group-'));
    haDir = join(root, 'ha.d');
    initDir = join(root, 'init.d');
    state = join(root, 'state');
    for (const d of [join(haDir, 'resource.d'), initDir, state]) mkdirSync(d, { recursive: true });
    for (const n of ['svc', 'db', 'web']) copyFileSync(FAKE, join(haDir, 'resource.d', n));
    for (const n of ['svc', 'db', 'web']) chmodSync(join(haDir, 'resource.d', n), 0o755);
    log = new MemoryLog();
    sleeps = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('starts left to right and stops right to left with ResourceManager log lines', async () => {
    const g = group('svc::a', 'db::b', 'web::c');
    const r = runner();
    const up = await r.start(g);
    expect(up).to.deep.include({ ok: true, stopFailed: false, group: 'svc::a' });
    expect(actions()).to.deep.equal(['svc a start', 'db b start', 'web c start']);
    expect(r.state(g)).to.equal('started');
    const down = await r.stop(g);
    expect(down.ok).to.equal(true);
    expect(actions().slice(3)).to.deep.equal(['web c stop', 'db b stop', 'svc a stop']);
    expect(r.state(g)).to.equal('stopped');
    const timing = log.text().filter((l) => l.startsWith('debug: '));
    expect(timing).to.have.length(2);
    expect(timing[0]).to.match(/^debug: Resource group svc::a start: \d+ ms from [\d:.]+ \((\w+ status \d+, ){3}svc start \d+, db start \d+, web start \d+ ms\)$/);
    expect(timing[1]).to.match(/^debug: Resource group svc::a stop: \d+ ms from [\d:.]+ \(web stop \d+, db stop \d+, svc stop \d+ ms\)$/);
    const rd = join(haDir, 'resource.d');
    expect(messages()).to.deep.equal([
      'info: Acquiring resource group: alpha svc::a db::b web::c',
      `info: Running ${rd}/svc a start`,
      `info: Running ${rd}/db b start`,
      `info: Running ${rd}/web c start`,
      'info: Releasing resource group: alpha svc::a db::b web::c',
      `info: Running ${rd}/web c stop`,
      `info: Running ${rd}/db b stop`,
      `info: Running ${rd}/svc a stop`,
    ]);
  });

  it('runs the status checks of a group all at once, then the starts one by one in order', async () => {
    let active = 0;
    let most = 0;
    const order: string[] = [];
    const r = runner({
      run: async (path, args) => {
        const op = `${path.split('/').pop()} ${args.join(' ')}`;
        active++;
        most = Math.max(most, active);
        await new Promise((res) => setImmediate(res)); // a turn of the loop: the others may start meanwhile
        active--;
        order.push(op);
        const stdout = op.endsWith('status') ? 'stopped\n' : '';
        return { code: op.endsWith('status') ? 3 : 0, signal: null, stdout, stderr: '', timedOut: false, truncated: false, durationMs: 30 };
      },
    });
    const out = await r.start(group('svc::a', 'db::b', 'web::c'));
    expect(out.ok).to.equal(true);
    expect(most).to.equal(3);
    expect(order.slice(3)).to.deep.equal(['svc a start', 'db b start', 'web c start']);
  });

  it('does not start a resource whose status already says running', async () => {
    flag('running-b');
    await runner().start(group('svc::a', 'db::b'));
    expect(actions()).to.deep.equal(['svc a start']);
  });

  it('rolls back what it started, in reverse, when a start fails, and reports the script output', async () => {
    flag('fail-start-b');
    const g = group('svc::a', 'db::b', 'web::c');
    const out = await runner().start(g);
    expect(out.ok).to.equal(false);
    expect(out.stopFailed).to.equal(false);
    expect(out.failure).to.include({ resource: 'db::b', op: 'start', reason: 'exit code 1' });
    expect(out.failure?.output).to.contain('disk on fire');
    expect(actions()).to.deep.equal(['svc a start', 'db b start', 'db b stop', 'svc a stop']);
    expect(messages()).to.include(`ERROR: Return code 1 from ${join(haDir, 'resource.d')}/db`);
    expect(messages()).to.include('CRIT: Giving up resources due to failure of db::b');
    expect(messages().some((m) => /^ERROR: Resource db::b \(group svc::a\) start failed: exit code 1$/.test(m))).to.equal(true);
    expect(messages().some((m) => m.includes('disk on fire'))).to.equal(true);
    expect(existsSync(join(state, 'running-a'))).to.equal(false);
  });

  it('says it cannot locate a missing script and gives up the group', async () => {
    const g = group('svc::x', 'NoSuchScript::z');
    const out = await runner().start(g);
    expect(out.ok).to.equal(false);
    expect(out.failure?.resource).to.equal('NoSuchScript::z');
    expect(out.failure?.reason).to.match(/cannot locate resource script NoSuchScript/);
    expect(messages()).to.include('ERROR: Cannot locate resource script NoSuchScript');
    expect(messages()).to.include('CRIT: Giving up resources due to failure of NoSuchScript::z');
    expect(messages()).to.include('info: Releasing resource group: alpha svc::x NoSuchScript::z');
    expect(actions()).to.deep.equal(['svc x start', 'svc x stop']);
  });

  it('treats a script without the run bit as not found, naming the reason', async () => {
    chmodSync(join(haDir, 'resource.d', 'db'), 0o644);
    const out = await runner().start(group('db::b'));
    expect(out.ok).to.equal(false);
    expect(messages()).to.include('ERROR: Cannot locate resource script db');
    expect(messages().some((m) => m.includes('exists but is not an executable file'))).to.equal(true);
  });

  it('falls back to the init directory and passes it the arguments too', async () => {
    copyFileSync(FAKE, join(initDir, 'legacy'));
    chmodSync(join(initDir, 'legacy'), 0o755);
    const out = await runner().start(group('legacy::q', 'legacy'));
    expect(out.ok).to.equal(true);
    expect(actions()).to.deep.equal(['legacy q start', 'legacy none start']);
    expect(messages()).to.include(`info: Running ${initDir}/legacy  start`);
  });

  it('kills a start that hangs past its timeout and rolls back', async () => {
    flag('hang-start-b');
    const out = await runner({ startTimeoutMs: 300 }).start(group('svc::a', 'db::b'));
    expect(out.ok).to.equal(false);
    expect(out.failure?.reason).to.match(/timed out after 300 ms/);
    expect(actions()).to.deep.equal(['svc a start', 'db b start', 'db b stop', 'svc a stop']);
  });

  it('retries a failed stop and succeeds when the script recovers', async () => {
    const g = group('svc::a');
    const r = runner();
    await r.start(g);
    flag('fail-stop-a', '2');
    const out = await r.stop(g);
    expect(out.ok).to.equal(true);
    expect(messages().filter((m) => m === 'info: Retrying failed stop operation [svc::a]')).to.have.length(2);
    expect(sleeps).to.deep.equal([1, 1]);
  });

  it('marks the group failed when a stop never succeeds, and refuses to start it until cleared', async () => {
    const g = group('svc::a', 'db::b');
    const r = runner();
    await r.start(g);
    flag('fail-stop-b');
    const out = await r.stop(g);
    expect(out.ok).to.equal(false);
    expect(out.stopFailed).to.equal(true);
    expect(out.failure).to.include({ resource: 'db::b', op: 'stop' });
    expect(actions().filter((c) => c === 'db b stop')).to.have.length(4); // 1 + stopRetries
    expect(actions()).to.include('svc a stop'); // the rest of the group is still released
    expect(messages()).to.include('CRIT: Resource STOP failure. Reboot required!');
    expect(messages().some((m) => /^CRIT: Not rebooting: resource db::b of group svc::a/.test(m))).to.equal(true);
    expect(r.state(g)).to.equal('stop-failed');
    const again = await r.start(g);
    expect(again.ok).to.equal(false);
    expect(again.stopFailed).to.equal(true);
    r.clearFailed(g);
    rmSync(join(state, 'fail-stop-b'));
    expect((await r.start(g)).ok).to.equal(true);
  });

  it('forgives a stop that fails on a stopped resource, with Heartbeat\'s LSB warning', async () => {
    flag('fail-stop-a');
    const out = await runner().stop(group('svc::a'));
    expect(out.ok).to.equal(true);
    expect(messages()).to.include('ERROR: Resource script for svc::a probably not LSB-compliant.');
    expect(messages()).to.include('WARN: it (svc::a) MUST succeed on a stop when already stopped');
    expect(messages()).to.include('WARN: Machine reboot narrowly avoided!');
  });

  it('never runs two operations on one group at once (they queue in order)', async () => {
    flag('slow-a');
    flag('slow-b');
    const g = group('svc::a', 'db::b');
    const r = runner();
    const p1 = r.start(g);
    const p2 = r.stop(g);
    expect(r.busy(g)).to.equal(true);
    const [a, b] = await Promise.all([p1, p2]);
    expect(a.ok && b.ok).to.equal(true);
    expect(actions()).to.deep.equal(['svc a start', 'db b start', 'db b stop', 'svc a stop']);
    await new Promise((res) => setImmediate(res));
    expect(r.busy(g)).to.equal(false);
  });

  it('runs different groups independently', async () => {
    flag('slow-a');
    const r = runner();
    const g1 = group('svc::a');
    const g2 = group('db::b');
    await Promise.all([r.start(g1), r.start(g2)]);
    expect(r.state(g1)).to.equal('started');
    expect(r.state(g2)).to.equal('started');
  });

  it('reports ALL, SOME or NONE like StatGroup', async () => {
    const g = group('svc::a', 'db::b');
    const r = runner();
    expect(await r.status(g)).to.equal('NONE');
    flag('running-a');
    expect(await r.status(g)).to.equal('SOME');
    flag('running-b');
    expect(await r.status(g)).to.equal('ALL');
  });

  it('names a group by its first resource', () => {
    expect(groupKey(group('192.0.2.10', 'svc::a'))).to.equal('192.0.2.10');
  });
});
