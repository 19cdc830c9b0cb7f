// Issue 24: memory in the operator's view. A real daemon (child process, loopback, no root):
// `heartbeat status --json` carries RSS, heapUsed and the size of every per-peer and per-packet
// table; `heartbeat status` prints them on one line; the control command `memory gc` collects first.
import { expect } from 'chai';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { askDaemon } from '../../src/cli/ctl-client.js';
import { TABLE_BOUNDS, type MemoryView } from '../../src/control/memory.js';
import { killByPidfile, writeConfig } from '../unit/cli/helpers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const env = { ...process.env, HEARTBEAT_DEFAULTS_FILE: '/nonexistent/default-heartbeat' };

function hb(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/heartbeat.ts', ...args], { cwd: repo, env, encoding: 'utf8', timeout: 20_000 });
}

describe('@integration heartbeat status shows memory and table sizes (issue 24)', function () {
  this.timeout(60_000);
  let dir: string;
  let g: string[];
  let pidfile: string;

  beforeEach(() => {
    dir = writeConfig(mkdtempSync(join(tmpdir(), 'hb-mem-')));
    // A port of its own: cli.test.ts's daemons use 50694.
    writeFileSync(join(dir, 'ha.cf'), readFileSync(join(dir, 'ha.cf'), 'utf8').replace('udpport 50694', 'udpport 50794'));
    pidfile = join(dir, 'heartbeat.pid');
    g = ['-c', dir, '-n', 'node1', '--pidfile', pidfile, '--state-dir', join(dir, 'state')];
  });
  afterEach(() => {
    killByPidfile(pidfile);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports rss, heapUsed and per-peer tables in --json, a memory line in text, and heapUsed after gc on `memory gc`', async () => {
    const start = hb([...g, 'start']);
    expect(start.status, start.stderr).to.equal(0);

    const js = hb([...g, 'status', '--json']);
    expect(js.status, js.stderr).to.equal(0);
    const mem = (JSON.parse(js.stdout) as { cluster: { memory: MemoryView } }).cluster.memory;
    expect(mem.rssBytes).to.be.within(20 * 2 ** 20, 400 * 2 ** 20);
    expect(mem.heapUsedBytes).to.be.within(1, mem.heapTotalBytes);
    expect(mem.heapLimitBytes).to.be.above(mem.heapTotalBytes);
    expect(mem.afterGc).to.equal(false);
    const t = mem.tables;
    expect(t.nodes).to.equal(1); // node2, the one other node of ha.cf
    expect(t.peers).to.deep.equal([{ name: 'node2', links: 1, missing: 0 }]);
    expect(t.rexmitHistory).to.be.within(1, TABLE_BOUNDS.rexmitHistory);
    expect(t.recorderLines).to.be.within(5, TABLE_BOUNDS.recorderLines);
    expect(t.controlClients).to.equal(1); // the status request itself
    for (const k of ['resentAt', 'dropWindows', 'peerUuids', 'eventQueue', 'planQueue', 'startFailures'] as const) expect(t[k], k).to.equal(0);

    const text = hb([...g, 'status']);
    expect(text.stdout).to.match(/^memory: rss \d+\.\d MB, heap used \d+\.\d of \d+\.\d MB; tables: nodes 1, missing 0, rexmit history \d+, drop windows 0, recorder \d+, control clients 1$/m);

    const a = await askDaemon(join(dir, 'state', 'ctl.sock'), { cmd: 'memory', args: ['gc'] }, 5000);
    expect(a.kind).to.equal('reply');
    const after = (a as { reply: { data: MemoryView; out: string } }).reply;
    expect(after.data.afterGc).to.equal(true);
    expect(after.out).to.match(/ MB after gc; tables: /);

    expect(hb([...g, 'stop']).status).to.equal(0);
  });
});
