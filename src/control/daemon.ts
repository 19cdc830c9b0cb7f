// The daemon's event loop: one queue of events, one handler per event kind, nothing else runs logic.
// Skeleton: start-up banner, pidfile, signals, graceful shutdown. The cluster core plugs in as more
// event kinds (packets, ticks, script results) and more handlers, without changing the loop.
import type { ClusterConfig, LoadResult } from '../config/types.js';
import { EXIT, exitCodeFor } from '../cli/exit-codes.js';
import { HaError } from '../lib/errors.js';
import { formatIssue } from '../config/load.js';
import type { HaLog } from '../log/ha-log.js';
import type { Level } from '../log/types.js';
import { constants as osConstants } from 'node:os';
import { realClock, type Clock } from '../lib/clock.js';
import { acquirePidfile, removePidfile } from './pidfile.js';
import { FATAL_SIGNALS, installSignalHandlers, type SignalEvent } from './signals.js';
import { listenControl, type ControlReply } from './control-socket.js';
import { listenMetrics } from './metrics-http.js';
import { FlightRecorder, flightRecorderPath, recordingLog } from './recorder.js';
import { Runtime } from './runtime.js';
import { writeStopOutcome } from './stop-outcome.js';
import { controlHandler } from './runtime-view.js';
import { reloadVerdict } from './runtime-reload.js';
import type { RuntimeDeps } from './runtime-types.js';
import { Respawner, isIpfail, type RespawnerDeps } from './respawn.js';
import { scriptEnv } from '../resources/resource-d.js';

/** Heartbeat version we are a drop-in for; the banner keeps Heartbeat's words with it. */
export const HEARTBEAT_COMPAT_VERSION = '3.0.6';

/** Signals, plus the runtime telling the loop it has finished. */
export type DaemonEvent = SignalEvent | { readonly kind: 'exit'; readonly code: number };

/** What the detaching `heartbeat start` waits for on its pipe. */
export type ReadyReport =
  | { readonly kind: 'ready'; readonly pid: number }
  | { readonly kind: 'already-running'; readonly pid: number }
  | { readonly kind: 'failed'; readonly exitCode: number; readonly message: string };

export interface DaemonDeps {
  readonly log: HaLog;
  readonly pidfile: string;
  /** Our own version, logged after Heartbeat's banner. */
  readonly version: string;
  readonly clock?: Clock;
  readonly pid?: number;
  /** Re-read config for SIGHUP; without it, SIGHUP only reopens logs. */
  readonly reloadConfig?: () => LoadResult;
  readonly onReady?: (r: ReadyReport) => void;
  /**
   * Apply ha.cf `realtime`/`rtprio` to this process (chrt). The CLI daemon does; in-process tests
   * must not turn their test runner into a realtime process.
   */
  readonly realtime?: (log: HaLog, pid: number, prio?: number) => void;
  /** Defaults to real process signals; tests pass their own and push events directly. */
  readonly installSignals?: (push: (e: DaemonEvent) => void) => () => void;
  /**
   * The flight recorder every line is kept in (default: a new one). The CLI daemon shares it with
   * its LastWords, so a crash outside the loop dumps the same lines. null: no recorder (HA_RECORDER=off).
   */
  readonly recorder?: FlightRecorder | null;
  /** Where dumps go; default STATE_DIR/flight-recorder.txt with a cluster, else none (null). */
  readonly recorderFile?: string | null;
  /** The process-level last-words guard (CLI daemon): told while the daemon is meant to be running. */
  readonly lastWords?: LastWords;
  /**
   * The cluster: when given, the daemon runs the node runtime (membership, resources, media) and
   * serves the control socket. Without it, only the skeleton runs (unit tests of signals/pidfile).
   */
  readonly cluster?: {
    readonly stateDir: string;
    readonly ctlSocket: string;
    readonly runtime?: Omit<RuntimeDeps, 'config' | 'log' | 'stateDir' | 'onExit' | 'pid' | 'stopClients'>;
    /** Overrides for the `respawn` clients' supervisor (tests: spawn/kill fakes, grace). */
    readonly respawner?: Omit<RespawnerDeps, 'log' | 'clock'>;
  };
}

/** FIFO of events with an awaitable next(); the only place the loop waits. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((v: T) => void) | null = null;

  push(item: T): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(item);
    } else {
      this.items.push(item);
    }
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

/** Daemon state the handlers share. Plain data plus the config; the cluster core's state joins it later. */
interface DaemonState {
  config: ClusterConfig;
  shuttingDown: boolean;
  exitCode: number | null;
}

type Handler<E> = (e: E, s: DaemonState) => void;

export async function runDaemon(config: ClusterConfig, deps: DaemonDeps): Promise<number> {
  const pid = deps.pid ?? process.pid;
  const rec = deps.recorder === undefined ? new FlightRecorder() : deps.recorder;
  // Every line the daemon and the core emit is kept in the recorder too.
  const log = rec ? recordingLog(deps.log, rec) : deps.log;

  const held = acquirePidfile(deps.pidfile, pid);
  if (!held.ok) {
    log.log('info', `heartbeat: already running [pid ${held.pid}].`);
    deps.onReady?.({ kind: 'already-running', pid: held.pid });
    return 0;
  }
  // From here until we return, an emptied event loop or a stray process.exit is a crash.
  deps.lastWords?.setRunning(true);
  try {
    return await runHeld(config, deps, log, rec, pid, held.replacedStale);
  } finally {
    deps.lastWords?.setRunning(false);
  }
}

async function runHeld(config: ClusterConfig, deps: DaemonDeps, log: HaLog, rec: FlightRecorder | null, pid: number, stale: number | null | false): Promise<number> {
  const clock = deps.clock ?? realClock;
  const recorderFile = deps.recorderFile !== undefined ? deps.recorderFile : deps.cluster ? flightRecorderPath(deps.cluster.stateDir) : null;
  /** Write the recorder; returns the path. Throws when there is nowhere to write or the write fails. */
  const dump = (reason: string): string => {
    if (rec === null) throw new Error('it is off (HA_RECORDER=off)');
    if (recorderFile === null) throw new Error('no state directory to write it to');
    return rec.writeTo(recorderFile, reason, pid);
  };
  const dumpQuietly = (reason: string): void => {
    if (rec === null) return;
    try {
      dump(reason);
    } catch (e) {
      log.logSync('error', `Cannot write the flight recorder: ${(e as Error).message}`);
    }
  };
  const dumpCommand = (why: string): ControlReply => {
    try {
      const path = dump(why);
      log.log('info', `Flight recorder written to ${path} (${why}).`);
      return { out: `${path}\n`, err: '', code: 0 };
    } catch (e) {
      log.log('error', `Cannot write the flight recorder: ${(e as Error).message}`);
      return { out: '', err: `heartbeat: cannot write the flight recorder: ${(e as Error).message}\n`, code: EXIT.GENERIC };
    }
  };
  // Heartbeat 3.0.6's start-up banner (BEHAVIOUR.md §3.1), then who we really are.
  log.log('info', '**************************');
  log.log('info', `Configuration validated. Starting heartbeat ${HEARTBEAT_COMPAT_VERSION}`);
  log.log('info', `heartbeat: version ${HEARTBEAT_COMPAT_VERSION}`);
  log.log('info', `heartbeat-ts ${deps.version} (node ${config.thisNode}, pid ${pid})`);
  if (rec === null) log.log('info', 'Flight recorder off (HA_RECORDER=off): nothing is kept for a dump.');
  if (stale !== false) {
    // Every end the process can catch removes the pidfile after its last line (LastWords): a stale
    // one means the one before was ended by something it could not catch.
    log.log('warn', `Stale pidfile ${deps.pidfile} [pid ${stale ?? 'unreadable'}] replaced: the heartbeat before ended without its last words (SIGKILL, the OOM killer, or a machine crash).`);
  }

  const state: DaemonState = { config, shuttingDown: false, exitCode: null };
  const queue = new EventQueue<DaemonEvent>();
  const uninstall = (deps.installSignals ?? installSignalHandlers)((e) => queue.push(e));
  const started = clock.now();
  let rt: Runtime | null = null;
  let ctl: import('node:net').Server | null = null;
  let metrics: import('node:http').Server | null = null;
  let respawner: Respawner | null = null;
  if (deps.cluster) {
    const cl = deps.cluster;
    rt = new Runtime({
      ...(cl.runtime ?? {}),
      config, log, stateDir: cl.stateDir, pid, clock,
      onExit: (code) => queue.push({ kind: 'exit', code }),
      // Heartbeat kills its clients once the resources are relinquished, before "shutdown complete".
      stopClients: () => respawner?.stopAll() ?? Promise.resolve(),
    });
    const runner = rt.runner;
    deps.lastWords?.watchScripts(() => runner.runningScripts());
    // Realtime before the media open, as Heartbeat does at start. Measured with 16 nodes launched 4 at
    // a time on 2 cores: from comm-up on, a new node's first second at normal priority (reading 15
    // nodes for the first time) made it and its peers log late heartbeats in most runs; from here,
    // none in 6 runs. (An earlier trial favoured comm-up, but then a resource-message storm, since
    // fixed, kept every node busy.)
    if (deps.realtime && config.haCf.realtime !== false) deps.realtime(log, pid, config.haCf.rtprio);
    try {
      await rt.start();
      const daemonTables = () =>
        new Promise<{ recorderLines: number; controlClients: number }>((resolve) => {
          const recorderLines = rec?.size ?? 0;
          if (ctl === null) return resolve({ recorderLines, controlClients: 0 });
          ctl.getConnections((err, n) => resolve({ recorderLines, controlClients: err ? -1 : n }));
        });
      const reloadCommand = (): ControlReply => {
        const v = reload(state, 'heartbeat reload');
        return v.applied ? { out: `${v.text}\n`, err: '', code: 0 } : { out: '', err: `heartbeat: ${v.text}\n`, code: 1 };
      };
      ctl = await listenControl(cl.ctlSocket, controlHandler(rt, { dump: () => dumpCommand('heartbeat dump'), reload: reloadCommand }, daemonTables), { log });
      const m = config.haCf.metrics;
      if (m) {
        metrics = await listenMetrics(m, { rt, recorder: rec, version: deps.version });
        const host = m.host.includes(':') ? `[${m.host}]` : m.host;
        log.log('info', `Serving metrics at http://${host}:${m.port}/metrics and the status page at http://${host}:${m.port}/`);
      }
      respawner = startClients(config, log, clock, cl);
    } catch (e) {
      const message = (e as Error).message;
      log.logSync('crit', `Heartbeat start-up failed: ${message}`);
      deps.lastWords?.spoken();
      uninstall();
      if (rt.state !== 'stopped') await rt.crash();
      ctl?.close();
      removePidfile(deps.pidfile, pid);
      // A medium that cannot open is a generic failure; a permission problem is LSB 4, and so on.
      const exitCode = e instanceof HaError ? exitCodeFor(e.code) : EXIT.GENERIC;
      deps.onReady?.({ kind: 'failed', exitCode, message: `heartbeat: start-up failed: ${message}` });
      return exitCode;
    }
  }

  /**
   * Node cannot tell who sent a signal (no si_pid). A resource script that kills the pid in a stale
   * pid file (Debian's IPaddr stops its send_arp so) reaches us when that pid is now ours; so a
   * SIGTERM/SIGINT that arrives while scripts run names them. It still means shutdown, as in Heartbeat.
   */
  const warnIfScripts = (signal: string): void => {
    const scripts = rt?.runner.runningScripts() ?? [];
    if (scripts.length === 0) return;
    const list = scriptList(scripts);
    log.log(
      'warn',
      `Received ${signal} while resource script${scripts.length > 1 ? 's' : ''} ${list} ${scripts.length > 1 ? 'were' : 'was'} running. ` +
        `If no operator sent it, a script may have signalled a pid read from a stale pid file: ours is ${pid}. Shutting down as asked.`,
    );
  };

  /** SIGHUP and `heartbeat reload`: re-read, log the outcome, apply what may change live; the outcome for the command. */
  const reload = (s: DaemonState, via: string): { applied: boolean; text: string } => {
    log.reopen();
    if (!deps.reloadConfig) return { applied: false, text: 'this daemon has no configuration files to re-read' };
    const r = deps.reloadConfig();
    for (const i of r.issues) log.log(i.severity === 'error' ? 'error' : i.severity === 'warning' ? 'warn' : 'info', formatIssue(i));
    if (!r.config) {
      log.log('error', 'Configuration error, configuration not reloaded.');
      const first = r.issues.filter((i) => i.severity === 'error').map(formatIssue);
      return { applied: false, text: `Configuration error, configuration not reloaded: ${first.join('; ')}` };
    }
    const lines = rt
      ? reloadVerdict(s.config, r.config, via)
      : { apply: true, keys: false, timers: false, logs: [{ level: 'info' as const, text: `Configuration re-read (${via}).` }] };
    for (const line of lines.logs) log.log(line.level, line.text);
    if (lines.apply) {
      s.config = r.config;
      log.setDebug(r.config.haCf.debug);
      if (lines.keys) rt?.applyAuthkeys(r.config.authkeys);
      if (lines.timers) rt?.applyTimers(r.config.haCf);
    }
    return { applied: lines.apply, text: lines.logs.map((l) => l.text).join(' ') };
  };

  const handlers: { [K in DaemonEvent['kind']]: Handler<Extract<DaemonEvent, { kind: K }>> } = {
    exit(e, s) {
      s.exitCode = e.code;
    },
    shutdown(e, s) {
      if (!s.shuttingDown) warnIfScripts(e.signal);
      if (rt) {
        // The runtime logs "shutdown in progress", releases groups right to left, sends shutdone,
        // and answers a second signal with "already underway"; it pushes `exit` when done.
        s.shuttingDown = true;
        rt.push({ kind: 'shutdown' });
        return;
      }
      if (s.shuttingDown) {
        log.log('info', 'Heartbeat shutdown already underway.');
        return;
      }
      s.shuttingDown = true;
      log.log('info', `Heartbeat shutdown in progress. (${pid})`);
      // Resource release and the peers' shutdown notice plug in here (cluster core, later).
      log.log('info', `${s.config.thisNode} Heartbeat shutdown complete.`);
      s.exitCode = 0;
    },
    reload(_e, s) {
      reload(s, 'SIGHUP');
    },
    'debug-up'() {
      log.setDebug(log.debugLevel() + 1);
      log.log('info', `debug now set to ${log.debugLevel()} [pid ${pid}]`);
    },
    'debug-down'() {
      log.setDebug(log.debugLevel() - 1);
      log.log('info', `debug now set to ${log.debugLevel()} [pid ${pid}]`);
    },
    dump() {
      dumpCommand('SIGTRAP');
    },
  };

  // Until media and timers hold the event loop open, this does: the daemon lives until shutdown.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let exitReason: string | null = null;
  deps.onReady?.({ kind: 'ready', pid });
  try {
    while (state.exitCode === null) {
      const e = await queue.next();
      (handlers[e.kind] as Handler<DaemonEvent>)(e, state);
    }
    if (rt && deps.cluster) {
      const unreleased = rt.unreleased();
      try {
        writeStopOutcome(deps.cluster.stateDir, { pid, exitCode: state.exitCode, unreleased });
      } catch (e) {
        log.log('warn', `Could not record the shutdown's outcome for heartbeat stop: ${(e as Error).message}`);
      }
      if (unreleased.length > 0) exitReason = `${unreleased.map((u) => u.group).join(', ')} failed to stop and may still run here`;
    }
  } finally {
    clearInterval(keepAlive);
    await respawner?.stopAll(); // after a hard-deadline exit too; a no-op when already stopped
    uninstall();
    ctl?.close();
    metrics?.close();
    metrics?.closeAllConnections();
    removePidfile(deps.pidfile, pid);
  }
  log.log('debug', `ran for ${Math.round(clock.now() - started)} ms`);
  if (state.exitCode !== 0) {
    // The runtime gave up (the shutdown hard deadline, a crash): the reason is the line before; this
    // is the last one, and the recorder shows what led up to it.
    const why = exitReason ? `: ${exitReason}` : state.shuttingDown ? ' (shutdown did not complete)' : '';
    log.logSync('crit', `Heartbeat exiting with code ${state.exitCode}${why}.`);
    deps.lastWords?.spoken();
    dumpQuietly(`exit code ${state.exitCode}`);
  }
  return state.exitCode;
}

/**
 * `respawn USER PROGRAM [ARGS]` lines, started once the node runtime runs. A program ending in
 * `ipfail` is not started: the Respawner logs that the built-in module is used, and the runtime runs
 * it when there are ping targets; without any, say so, since Heartbeat's ipfail would sit idle too.
 */
function startClients(config: ClusterConfig, log: HaLog, clock: Clock, cl: NonNullable<DaemonDeps['cluster']>): Respawner {
  const h = config.haCf;
  const initDir = cl.runtime?.initDir;
  const extra = cl.runtime?.scriptEnvExtra;
  const env = scriptEnv({
    haDir: config.dir, nodeName: config.thisNode, haCf: h,
    ...(initDir ? { initDir } : {}), ...(extra ? { extra } : {}),
  });
  const r = new Respawner({ env, cwd: '/', ...(cl.respawner ?? {}), log, clock });
  r.start(h.respawn);
  if (h.respawn.some((x) => isIpfail(x.argv)) && h.pingNodes.length + h.pingGroups.length === 0 && cl.runtime?.ipfail !== true) {
    log.log('warn', 'ipfail: no ping or ping_group line in ha.cf, so there is no connectivity to compare; ipfail stays idle');
  }
  return r;
}

/** EX_SOFTWARE (keepalived's PROGRAM_ERROR): the peer takes over rather than us limping on. */
export const CRASH_EXIT = 70;

/** "Error: boom | at f (file.ts:3:9)": the message and the first stack frame, on one line. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const head = (err.message ? `${err.name}: ${err.message}` : err.name).replace(/\s*\n\s*/g, ' | ');
    const at = (err.stack ?? '').split('\n').map((l) => l.trim()).find((l) => l.startsWith('at '));
    return at ? `${head} | ${at}` : head;
  }
  try {
    return String(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

/** "[/etc/ha.d/resource.d/IPaddr] (pid 4242), [...]": the scripts running, for a signal's log line. */
function scriptList(scripts: readonly { readonly script: string; readonly pid: number | null }[]): string {
  return scripts.map((x) => `[${x.script}]${x.pid !== null ? ` (pid ${x.pid})` : ''}`).join(', ');
}

export interface LastWordsOptions {
  readonly pidfile: string | null;
  readonly pid?: number;
  /** The recorder to dump on an abnormal end, and where to (null: no dump). */
  readonly recorder?: FlightRecorder;
  readonly recorderFile?: string | null;
  /** Tests: another emitter than process, another exit. */
  readonly proc?: Pick<NodeJS.Process, 'on' | 'off'>;
  readonly exit?: (code: number) => void;
}

/**
 * The daemon never dies without a word: every way the process can end writes one last line,
 * synchronously, to the log files (and stderr when attached), CRIT when the end is abnormal, and
 * then dumps the flight recorder:
 *  - uncaughtException / unhandledRejection: the error and its first stack frame; exit 70;
 *  - the event loop running dry while the daemon should run (`beforeExit`): exit 70;
 *  - a fatal signal (signals.ts FATAL_SIGNALS): exit 128+N at once, as the default action would;
 *  - process.exit from anywhere while running, or any other non-zero exit code: the code.
 * A graceful stop ("shutdown complete") and a SIGTERM/SIGINT are logged by the daemon itself.
 */
export class LastWords {
  private running = false;
  private said = false;
  private readonly pid: number;
  private readonly log: HaLog;

  constructor(log: HaLog, private readonly opts: LastWordsOptions) {
    this.pid = opts.pid ?? process.pid;
    this.log = opts.recorder ? recordingLog(log, opts.recorder) : log;
  }

  private scripts: () => readonly { readonly script: string; readonly pid: number | null }[] = () => [];

  /** runDaemon: the resource scripts running now, named by a fatal signal's line (a script may have sent it). */
  watchScripts(fn: () => readonly { readonly script: string; readonly pid: number | null }[]): void {
    this.scripts = fn;
  }

  /** runDaemon: from pidfile to return, the daemon is meant to keep running. */
  setRunning(on: boolean): void {
    this.running = on;
  }

  /** The daemon has written its own last line (start-up failure, exit code); no second one. */
  spoken(): void {
    this.said = true;
  }

  /** The last line, the recorder when abnormal, the pidfile removed; then exit if asked. */
  private last(level: Level, text: string, dumpReason: string | null, exitCode: number | null): void {
    try {
      this.said = true;
      this.log.logSync(level, text);
      if (dumpReason !== null && this.opts.recorder && this.opts.recorderFile) {
        try {
          this.opts.recorder.writeTo(this.opts.recorderFile, dumpReason, this.pid);
        } catch (e) {
          this.log.logSync('error', `Cannot write the flight recorder: ${(e as Error).message}`);
        }
      }
      if (exitCode !== null && this.opts.pidfile) removePidfile(this.opts.pidfile, this.pid);
    } catch {
      /* a failing disk must not stop us from exiting */
    } finally {
      if (exitCode !== null) (this.opts.exit ?? ((c: number) => process.exit(c)))(exitCode);
    }
  }

  /** Install the process hooks; returns a function that removes them (tests). */
  install(): () => void {
    const proc = this.opts.proc ?? process;
    const crash = (what: string) => (err: unknown) =>
      this.last('crit', `${what}: ${describeError(err)}. Emergency exit.`, what.toLowerCase(), CRASH_EXIT);
    const onException = crash('Uncaught exception');
    const onRejection = crash('Unhandled promise rejection');
    const onBeforeExit = (): void => {
      if (!this.running) return;
      this.last('crit', 'The event loop ran dry while heartbeat was running (nothing left to wait for). Emergency exit.', 'event loop ran dry', CRASH_EXIT);
    };
    const onExit = (code: number): void => {
      if (this.said) return; // the reason is already the last line
      if (this.running) this.last('crit', `Heartbeat exiting with code ${code} while still running (process.exit).`, `process.exit(${code})`, null);
      else if (code !== 0) this.last('crit', `Heartbeat exiting with code ${code}.`, null, null);
    };
    const onSignal = (sig: NodeJS.Signals) => () => {
      const running = this.scripts();
      const also = running.length > 0 ? ` Resource script${running.length > 1 ? 's' : ''} running then: ${scriptList(running)}.` : '';
      this.last('crit', `Received ${sig}: exiting at once; resources are not released.${also}`, `signal ${sig}`, 128 + (osConstants.signals[sig] ?? 0));
    };
    const signals = FATAL_SIGNALS.filter((sig) => osConstants.signals[sig] !== undefined).map((sig) => [sig, onSignal(sig)] as const);
    proc.on('uncaughtException', onException);
    proc.on('unhandledRejection', onRejection);
    proc.on('beforeExit', onBeforeExit);
    proc.on('exit', onExit);
    for (const [sig, h] of signals) proc.on(sig, h);
    return () => {
      proc.off('uncaughtException', onException);
      proc.off('unhandledRejection', onRejection);
      proc.off('beforeExit', onBeforeExit);
      proc.off('exit', onExit);
      for (const [sig, h] of signals) proc.off(sig, h);
    };
  }
}

/**
 * uncaughtException / unhandledRejection: one CRIT line written synchronously, pidfile removed,
 * exit 70 (plus the other last words of LastWords, without a recorder). Returns a function that
 * removes the handlers (tests).
 */
export function installCrashHandlers(log: HaLog, pidfile: string | null, pid: number = process.pid): () => void {
  return new LastWords(log, { pidfile, pid }).install();
}
