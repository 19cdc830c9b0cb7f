// The daemon's last words in real processes: an uncaught exception in the real `heartbeat start
// --foreground`, an event loop that runs dry during start-up, a fatal signal, SIGTRAP and
// `heartbeat dump`. Each leaves its reason in the ha-log and, when abnormal, the flight recorder.
import { expect } from 'chai';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killByPidfile, writeConfig } from '../unit/cli/helpers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const src = new URL('../../src/', import.meta.url).href;
const env = { ...process.env, HEARTBEAT_DEFAULTS_FILE: '/nonexistent/default-heartbeat' };

const lines = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function exited(child: ReturnType<typeof spawn>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

describe('daemon last words @integration', function () {
  this.timeout(60_000);
  let dir: string;
  let state: string;
  let pidfile: string;
  let g: string[];
  const children: ReturnType<typeof spawn>[] = [];

  beforeEach(() => {
    dir = writeConfig(mkdtempSync(join(tmpdir(), 'hb-lw-')));
    state = join(dir, 'state');
    pidfile = join(dir, 'heartbeat.pid');
    g = ['-c', dir, '-n', 'node1', '--pidfile', pidfile, '--state-dir', state];
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    killByPidfile(pidfile);
    rmSync(dir, { recursive: true, force: true });
  });

  function foreground(extraNodeArgs: string[] = []) {
    const child = spawn(process.execPath, ['--import', 'tsx', ...extraNodeArgs, 'src/cli/heartbeat.ts', ...g, 'start', '--foreground'], {
      cwd: repo,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    return { child, exit: exited(child), stderr: () => err };
  }

  const hb = (args: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/heartbeat.ts', ...args], { cwd: repo, env, encoding: 'utf8', timeout: 20_000 });

  it('an uncaught exception in the running daemon: CRIT with the message and first frame, the recorder, exit 70', async () => {
    // A fault injected from outside the daemon's code: thrown from a timer once the daemon serves its socket.
    const fault = join(dir, 'fault.mjs');
    writeFileSync(
      fault,
      `import { existsSync } from 'node:fs';
       const t = setInterval(() => {
         if (!existsSync(${JSON.stringify(join(state, 'ctl.sock'))})) return;
         clearInterval(t);
         setTimeout(function injectedFault() { throw new Error('injected fault'); }, 50);
       }, 20);
       t.unref();`,
    );
    const d = foreground(['--import', fault]);
    const { code } = await d.exit;
    expect(code, d.stderr()).to.equal(70);
    const log = lines(join(dir, 'ha-log'));
    expect(log.at(-1)).to.match(/ node1 heartbeat: \[\d+\]: CRIT: Uncaught exception: Error: injected fault \| at (Timeout\.)?injectedFault .*\. Emergency exit\.$/);
    expect(existsSync(pidfile), 'pidfile removed').to.equal(false);
    const rec = readFileSync(join(state, 'flight-recorder.txt'), 'utf8');
    expect(rec).to.match(/^# heartbeat-ts flight recorder\n# pid \d+, written .*, reason: uncaught exception\n/);
    expect(rec).to.match(/\tinfo\tConfiguration validated\. Starting heartbeat 3\.0\.6\n/);
    expect(rec.trimEnd().split('\n').at(-1)).to.match(/\tCRIT\tUncaught exception: Error: injected fault \| at /);
  });

  it('an event loop that runs dry during start-up (a medium that never opens): CRIT "event loop ran dry", the recorder, exit 70', () => {
    const script = `
      import { loadConfig } from '${src}config/load.ts';
      import { LastWords, runDaemon } from '${src}control/daemon.ts';
      import { FlightRecorder, flightRecorderPath } from '${src}control/recorder.ts';
      import { createHaLog } from '${src}log/ha-log.ts';
      const r = loadConfig({ dir: ${JSON.stringify(dir)}, nodeName: 'node1' });
      if (!r.config) throw new Error('bad test config');
      const log = createHaLog({ haCf: r.config.haCf, nodeName: 'node1' });
      const recorder = new FlightRecorder();
      const recorderFile = flightRecorderPath(${JSON.stringify(state)});
      const lastWords = new LastWords(log, { pidfile: ${JSON.stringify(pidfile)}, recorder, recorderFile });
      lastWords.install();
      // Its open() waits on a promise nothing will ever settle, and holds no socket or timer.
      const stuck = { kind: 'ucast', name: 'ucast stuck', linkName: 'stuck', format: 'netstring',
        open: () => new Promise(() => {}), send: () => {}, close: async () => {} };
      (await import('node:fs')).mkdirSync(${JSON.stringify(state)}, { recursive: true });
      await runDaemon(r.config, { log, recorder, recorderFile, lastWords, pidfile: ${JSON.stringify(pidfile)}, version: 'test',
        cluster: { stateDir: ${JSON.stringify(state)}, ctlSocket: ${JSON.stringify(join(state, 'ctl.sock'))}, runtime: { media: [stuck] } } });
      console.log('runDaemon returned: not expected');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).to.equal(70);
    expect(r.stdout).to.equal('');
    const log = lines(join(dir, 'ha-log'));
    expect(log.some((l) => l.includes('Configuration validated'))).to.equal(true);
    expect(log.at(-1)).to.match(/CRIT: The event loop ran dry while heartbeat was running \(nothing left to wait for\)\. Emergency exit\.$/);
    expect(existsSync(pidfile), 'pidfile removed').to.equal(false);
    const rec = readFileSync(join(state, 'flight-recorder.txt'), 'utf8');
    expect(rec).to.include('reason: event loop ran dry\n');
    expect(rec.trimEnd().split('\n').at(-1)).to.match(/\tCRIT\tThe event loop ran dry/);
  });

  it('a fatal signal (SIGQUIT): CRIT naming it, the recorder, exit 131', async () => {
    const d = foreground();
    await until(() => existsSync(join(state, 'ctl.sock')));
    d.child.kill('SIGQUIT');
    const { code } = await d.exit;
    expect(code, d.stderr()).to.equal(131);
    expect(lines(join(dir, 'ha-log')).at(-1)).to.match(/CRIT: Received SIGQUIT: exiting at once; resources are not released\.$/);
    expect(readFileSync(join(state, 'flight-recorder.txt'), 'utf8')).to.include('reason: signal SIGQUIT\n');
    expect(existsSync(pidfile)).to.equal(false);
  });

  it('heartbeat dump prints the recorder path; SIGTRAP rewrites it; a graceful stop adds no CRIT; dump of a stopped one exits 7', async () => {
    mkdirSync(state, { recursive: true });
    expect(hb([...g, 'start']).status).to.equal(0);
    const recFile = join(state, 'flight-recorder.txt');
    const d = hb([...g, 'dump']);
    expect(d.status, d.stderr).to.equal(0);
    expect(d.stdout).to.equal(`${recFile}\n`);
    const first = readFileSync(recFile, 'utf8');
    expect(first).to.include('reason: heartbeat dump\n');
    expect(first).to.match(/\tinfo\theartbeat-ts \S+ \(node node1, pid \d+\)\n/);

    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    process.kill(pid, 'SIGTRAP');
    await until(() => readFileSync(recFile, 'utf8').includes('reason: SIGTRAP\n'));
    // The SIGTRAP dump holds the first dump's log line: it records what the daemon did since.
    expect(readFileSync(recFile, 'utf8')).to.include(`\tinfo\tFlight recorder written to ${recFile} (heartbeat dump).\n`);

    expect(hb([...g, 'stop']).status).to.equal(0);
    const log = lines(join(dir, 'ha-log'));
    expect(log.some((l) => l.includes('CRIT'))).to.equal(false);
    expect(log.at(-1)).to.match(/info: node1 Heartbeat shutdown complete\.$/);

    const gone = hb([...g, 'dump']);
    expect(gone.status).to.equal(7);
    expect(gone.stderr).to.equal(`heartbeat: not running, nothing to dump (no answer on ${join(state, 'ctl.sock')}).\n`);
  });
});
