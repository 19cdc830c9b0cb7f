// The daemon's event loop: one queue of events, one handler per event kind, nothing else runs logic.
// Skeleton: start-up banner, pidfile, signals, graceful shutdown. The cluster core plugs in as more
// event kinds (packets, ticks, script results) and more handlers, without changing the loop.
import type { ClusterConfig, LoadResult } from '../config/types.js';
import { EXIT, exitCodeFor } from '../cli/exit-codes.js';
import { HaError } from '../lib/errors.js';
import { formatIssue } from '../config/load.js';
import type { HaLog } from '../log/ha-log.js';
import { realClock, type Clock } from '../lib/clock.js';
import { acquirePidfile, removePidfile } from './pidfile.js';
import { installSignalHandlers, type SignalEvent } from './signals.js';
import { listenControl } from './control-socket.js';
import { Runtime } from './runtime.js';
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
  const { log } = deps;
  const pid = deps.pid ?? process.pid;
  const clock = deps.clock ?? realClock;

  const held = acquirePidfile(deps.pidfile, pid);
  if (!held.ok) {
    log.log('info', `heartbeat: already running [pid ${held.pid}].`);
    deps.onReady?.({ kind: 'already-running', pid: held.pid });
    return 0;
  }
  // Heartbeat 3.0.6's start-up banner (BEHAVIOUR.md §3.1), then who we really are.
  log.log('info', '**************************');
  log.log('info', `Configuration validated. Starting heartbeat ${HEARTBEAT_COMPAT_VERSION}`);
  log.log('info', `heartbeat: version ${HEARTBEAT_COMPAT_VERSION}`);
  log.log('info', `heartbeat-ts ${deps.version} (node ${config.thisNode}, pid ${pid})`);

  const state: DaemonState = { config, shuttingDown: false, exitCode: null };
  const queue = new EventQueue<DaemonEvent>();
  const uninstall = (deps.installSignals ?? installSignalHandlers)((e) => queue.push(e));
  const started = clock.now();
  let rt: Runtime | null = null;
  let ctl: import('node:net').Server | null = null;
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
    // Realtime before the media open, as Heartbeat does at start. Measured with 16 nodes launched 4 at
    // a time on 2 cores: from comm-up on, a new node's first second at normal priority (reading 15
    // nodes for the first time) made it and its peers log late heartbeats in most runs; from here,
    // none in 6 runs. (An earlier trial favoured comm-up, but then a resource-message storm, since
    // fixed, kept every node busy.)
    if (deps.realtime && config.haCf.realtime !== false) deps.realtime(log, pid, config.haCf.rtprio);
    try {
      await rt.start();
      ctl = await listenControl(cl.ctlSocket, controlHandler(rt));
      respawner = startClients(config, log, clock, cl);
    } catch (e) {
      const message = (e as Error).message;
      log.log('crit', `Heartbeat start-up failed: ${message}`);
      uninstall();
      if (rt.state !== 'stopped') await rt.crash();
      removePidfile(deps.pidfile, pid);
      // A medium that cannot open is a generic failure; a permission problem is LSB 4, and so on.
      const exitCode = e instanceof HaError ? exitCodeFor(e.code) : EXIT.GENERIC;
      deps.onReady?.({ kind: 'failed', exitCode, message: `heartbeat: start-up failed: ${message}` });
      return exitCode;
    }
  }

  const handlers: { [K in DaemonEvent['kind']]: Handler<Extract<DaemonEvent, { kind: K }>> } = {
    exit(e, s) {
      s.exitCode = e.code;
    },
    shutdown(_e, s) {
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
      log.reopen();
      if (!deps.reloadConfig) return;
      const r = deps.reloadConfig();
      for (const i of r.issues) log.log(i.severity === 'error' ? 'error' : i.severity === 'warning' ? 'warn' : 'info', formatIssue(i));
      if (r.config && rt) {
        const v = reloadVerdict(s.config, r.config);
        for (const line of v.logs) log.log(line.level, line.text);
        if (v.apply) {
          s.config = r.config;
          log.setDebug(r.config.haCf.debug);
        }
      } else if (r.config) {
        s.config = r.config;
        log.log('info', 'Configuration re-read (SIGHUP).');
      } else {
        log.log('error', 'Configuration error, configuration not reloaded.');
      }
    },
    'debug-up'() {
      log.setDebug(log.debugLevel() + 1);
      log.log('info', `debug now set to ${log.debugLevel()} [pid ${pid}]`);
    },
    'debug-down'() {
      log.setDebug(log.debugLevel() - 1);
      log.log('info', `debug now set to ${log.debugLevel()} [pid ${pid}]`);
    },
  };

  // Until media and timers hold the event loop open, this does: the daemon lives until shutdown.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  deps.onReady?.({ kind: 'ready', pid });
  try {
    while (state.exitCode === null) {
      const e = await queue.next();
      (handlers[e.kind] as Handler<DaemonEvent>)(e, state);
    }
  } finally {
    clearInterval(keepAlive);
    await respawner?.stopAll(); // after a hard-deadline exit too; a no-op when already stopped
    uninstall();
    ctl?.close();
    removePidfile(deps.pidfile, pid);
  }
  log.log('debug', `ran for ${Math.round(clock.now() - started)} ms`);
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

/**
 * uncaughtException / unhandledRejection: one CRIT line written synchronously, pidfile removed,
 * exit 70. Returns a function that removes the handlers (tests).
 */
export function installCrashHandlers(log: HaLog, pidfile: string | null, pid: number = process.pid): () => void {
  const crash = (what: string) => (err: unknown) => {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    try {
      log.logSync('crit', `${what}: ${text.replace(/\n\s*/g, ' | ')}. Emergency exit.`);
      if (pidfile) removePidfile(pidfile, pid);
    } finally {
      process.exit(CRASH_EXIT);
    }
  };
  const onException = crash('Uncaught exception');
  const onRejection = crash('Unhandled promise rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
