// Signals become events (Heartbeat's hb_signal.c semantics). Handlers only enqueue: no I/O, no logging.
export type SignalEvent =
  /** SIGTERM/SIGINT: graceful shutdown (release resources, tell peers, exit 0). */
  | { readonly kind: 'shutdown'; readonly signal: 'SIGTERM' | 'SIGINT' }
  /** SIGHUP: re-read and validate the config, reopen logs. */
  | { readonly kind: 'reload' }
  /** SIGUSR1 / SIGUSR2: debug level +1 / -1. */
  | { readonly kind: 'debug-up' }
  | { readonly kind: 'debug-down' };

const TABLE: readonly [NodeJS.Signals, SignalEvent][] = [
  ['SIGTERM', { kind: 'shutdown', signal: 'SIGTERM' }],
  ['SIGINT', { kind: 'shutdown', signal: 'SIGINT' }],
  ['SIGHUP', { kind: 'reload' }],
  ['SIGUSR1', { kind: 'debug-up' }],
  ['SIGUSR2', { kind: 'debug-down' }],
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
