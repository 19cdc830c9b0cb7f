// Signals become events (Heartbeat's hb_signal.c semantics). Handlers only enqueue: no I/O, no logging.
export type SignalEvent =
  /** SIGTERM/SIGINT: graceful shutdown (release resources, tell peers, exit 0). */
  | { readonly kind: 'shutdown'; readonly signal: 'SIGTERM' | 'SIGINT' }
  /** SIGHUP: re-read and validate the config, reopen logs. */
  | { readonly kind: 'reload' }
  /** SIGUSR1 / SIGUSR2: debug level +1 / -1. */
  | { readonly kind: 'debug-up' }
  | { readonly kind: 'debug-down' }
  /** SIGTRAP: write the flight recorder (libqb's blackbox signal in Pacemaker/Corosync). */
  | { readonly kind: 'dump' };

const TABLE: readonly [NodeJS.Signals, SignalEvent][] = [
  ['SIGTERM', { kind: 'shutdown', signal: 'SIGTERM' }],
  ['SIGINT', { kind: 'shutdown', signal: 'SIGINT' }],
  ['SIGHUP', { kind: 'reload' }],
  ['SIGUSR1', { kind: 'debug-up' }],
  ['SIGUSR2', { kind: 'debug-down' }],
  ['SIGTRAP', { kind: 'dump' }],
];

/**
 * Signals whose default action ends the process, that the daemon does not otherwise handle and
 * that are safe to catch in JavaScript. They still end it (at once, nothing released, as the
 * default action would), but after a CRIT last line and a flight-recorder dump (daemon.ts
 * LastWords). Not here: SIGKILL/SIGSTOP (uncatchable); SIGSEGV/SIGBUS/SIGFPE/SIGILL (no JS may
 * run after a real one); SIGABRT (abort() re-raises before JS runs); SIGPIPE (Node ignores it);
 * SIGPROF (V8's profiler uses it).
 */
export const FATAL_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGQUIT', 'SIGALRM', 'SIGVTALRM', 'SIGXCPU', 'SIGXFSZ', 'SIGSYS', 'SIGPWR', 'SIGSTKFLT', 'SIGIO',
];

/** Install the handlers; returns a function that removes exactly these handlers again. */
export function installSignalHandlers(
  push: (e: SignalEvent) => void,
  proc: Pick<NodeJS.Process, 'on' | 'off'> = process,
): () => void {
  const installed = TABLE.map(([sig, ev]) => {
    const handler = (): void => push(ev);
    proc.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of installed) proc.off(sig, handler);
  };
}
