// `heartbeat start`: detach (spawn ourselves with --foreground and wait for a ready report on fd 3),
// or run attached with --foreground. Exit codes are LSB's: 0 ok/already running, 4, 6, 1.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, writeSync } from 'node:fs';
import type { LoadResult } from '../config/types.js';
import { describeError, LastWords, runDaemon, type ReadyReport } from '../control/daemon.js';
import { FlightRecorder, flightRecorderPath, recorderWanted } from '../control/recorder.js';
import { pidfileState } from '../control/pidfile.js';
import { makeRealtime } from '../control/realtime.js';
import { createHaLog } from '../log/ha-log.js';
import { EXIT } from './exit-codes.js';
import { cliLog, logIssues, partialHaCf, type Io } from './io.js';
import { globalsToArgv, loadFor, type Globals } from './options.js';
import { guiSudo, privilegeProblem, ROOT_HINT } from './privilege.js';
import { packageVersion } from './version.js';

export const NOT_STARTED = 'Configuration error, heartbeat not started.';
const READY_TIMEOUT_MS = 60_000;

const load = (g: Globals): LoadResult => loadFor(g);

/** Already running? Say so in Heartbeat's words; LSB: start of a running service is success. */
function alreadyRunning(g: Globals, io: Io): boolean {
  const st = pidfileState(g.pidfile);
  if (st.kind !== 'running') return false;
  cliLog(g, io).log('info', `heartbeat: already running [pid ${st.pid}].`);
  return true;
}

async function checkPrivilege(g: Globals, io: Io, udpport: number | null, guiSudoArgv: readonly string[] | null): Promise<number | null> {
  const problem = privilegeProblem(g, udpport);
  if (!problem) return null;
  if (guiSudoArgv) {
    const code = await guiSudo(guiSudoArgv, io.env);
    if (code !== null) return code;
  }
  io.err(`${ROOT_HINT}\n(${problem})\n`);
  return EXIT.NO_PRIVILEGE;
}

export interface StartOptions {
  readonly guiSudo?: boolean;
  /** argv after the script, to re-run under pkexec. */
  readonly argv?: readonly string[];
}

export async function startDetached(g: Globals, io: Io, opts: StartOptions = {}): Promise<number> {
  if (alreadyRunning(g, io)) return EXIT.OK;
  const sudoArgv = opts.guiSudo ? (opts.argv ?? []) : null;
  const early = await checkPrivilege(g, io, null, sudoArgv);
  if (early !== null) return early;

  const r = load(g);
  if (!r.config) {
    // Errors go to stderr and, when ha.cf named one, the logfile (as Heartbeat does).
    const log = cliLog(g, io, partialHaCf(r));
    logIssues(log, r);
    log.log('error', NOT_STARTED);
    await log.close();
    return EXIT.NOT_CONFIGURED;
  }
  // Warnings only to the terminal here: the daemon itself writes them to the logfile.
  const warn = cliLog(g, io);
  logIssues(warn, r);
  await warn.close();
  const late = await checkPrivilege(g, io, r.config.haCf.media.length > 0 ? r.config.haCf.udpport : null, sudoArgv);
  if (late !== null) return late;
  return spawnDaemon(g, io);
}

/** Spawn `start --foreground --ready-fd 3` detached and relay its report. */
async function spawnDaemon(g: Globals, io: Io): Promise<number> {
  const script = process.argv[1] ?? '';
  const args = [...process.execArgv, script, ...globalsToArgv(g), 'start', '--foreground', '--ready-fd', '3'];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const pipe = child.stdio[3] as NodeJS.ReadableStream | null;
  let text = '';
  const report = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS);
    pipe?.on('data', (b: Buffer) => {
      text += b.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(text.slice(0, text.indexOf('\n')));
      }
    });
    pipe?.on('end', () => {
      clearTimeout(timer);
      resolve(text.includes('\n') ? text.slice(0, text.indexOf('\n')) : null);
    });
    child.on('error', () => resolve(null));
  });
  (pipe as unknown as { destroy?: () => void } | null)?.destroy?.();
  child.unref();
  const [word, a, ...rest] = (report ?? '').split(' ');
  if (word === 'ready') return EXIT.OK;
  if (word === 'already') {
    cliLog(g, io).log('info', `heartbeat: already running [pid ${a}].`);
    return EXIT.OK;
  }
  if (word === 'failed') {
    if (rest.length > 0) io.err(`${rest.join(' ')}\n`);
    return Number(a) || EXIT.GENERIC;
  }
  io.err(`heartbeat: daemon [pid ${child.pid ?? '?'}] did not report ready (exit code ${child.exitCode ?? 'unknown'}); see the log.\n`);
  return EXIT.GENERIC;
}

function reporter(fd: number | undefined): (r: ReadyReport) => void {
  return (r) => {
    if (fd === undefined) return;
    const line =
      r.kind === 'ready' ? `ready ${r.pid}` : r.kind === 'already-running' ? `already ${r.pid}` : `failed ${r.exitCode} ${r.message}`;
    try {
      writeSync(fd, `${line}\n`);
      closeSync(fd);
    } catch {
      /* the starter gave up waiting; nothing to tell */
    }
  };
}

/** `start --foreground`: the daemon itself. Logs also go to stderr unless started detached (readyFd). */
export async function startForeground(g: Globals, io: Io, readyFd?: number): Promise<number> {
  const report = reporter(readyFd);
  const st = pidfileState(g.pidfile);
  if (st.kind === 'running') {
    if (readyFd === undefined) cliLog(g, io).log('info', `heartbeat: already running [pid ${st.pid}].`);
    report({ kind: 'already-running', pid: st.pid });
    return EXIT.OK;
  }
  const r = load(g);
  const haCf = partialHaCf(r);
  const log = createHaLog({
    ...(haCf ? { haCf } : { logfile: null, debugfile: null, logfacility: null }),
    nodeName: r.config?.thisNode ?? g.nodeName,
    debug: (haCf?.debug ?? 0) + g.debug,
    stderr: readyFd === undefined,
    stderrWrite: (s) => io.err(s),
  });
  logIssues(log, r);
  if (!r.config) {
    log.log('error', NOT_STARTED);
    await log.close();
    report({ kind: 'failed', exitCode: EXIT.NOT_CONFIGURED, message: NOT_STARTED });
    return EXIT.NOT_CONFIGURED;
  }
  const problem = privilegeProblem(g, r.config.haCf.media.length > 0 ? r.config.haCf.udpport : null);
  if (problem) {
    log.log('error', `${ROOT_HINT} (${problem})`);
    await log.close();
    report({ kind: 'failed', exitCode: EXIT.NO_PRIVILEGE, message: ROOT_HINT });
    return EXIT.NO_PRIVILEGE;
  }
  mkdirSync(g.stateDir, { recursive: true, mode: 0o755 });
  // A detached daemon must not pin the starter's cwd (an unmountable /home). Spawned with the starter's
  // cwd so `node --import tsx` resolves; all our paths are absolute by now.
  if (readyFd !== undefined) process.chdir('/');
  // From here on the process is the daemon: however it ends, it says why (LastWords), and the
  // flight recorder keeps its last lines for the abnormal ends.
  const recorder = recorderWanted() ? new FlightRecorder() : null;
  const recorderFile = flightRecorderPath(g.stateDir);
  const lastWords = new LastWords(log, { pidfile: g.pidfile, ...(recorder ? { recorder } : {}), recorderFile });
  // Not removed on return: the exit-code line and a late crash are still the daemon's to report.
  lastWords.install();
  try {
    return await runDaemon(r.config, {
      log,
      recorder,
      recorderFile,
      lastWords,
      pidfile: g.pidfile,
      version: packageVersion(),
      reloadConfig: () => load(g),
      onReady: report,
      realtime: makeRealtime,
      cluster: { stateDir: g.stateDir, ctlSocket: g.ctlSocket, runtime: { initDir: g.initDir } },
    });
  } catch (e) {
    log.logSync('crit', `Heartbeat failed: ${describeError(e)}`);
    lastWords.spoken();
    report({ kind: 'failed', exitCode: EXIT.GENERIC, message: `heartbeat: start-up failed: ${(e as Error).message}` });
    return EXIT.GENERIC;
  } finally {
    await log.close();
  }
}
