// hb_standby / hb_takeover: ask the local daemon to give up / take over resources.
// The request travels over the control socket, which is not wired yet: usage as Heartbeat's, then exit 3.
import { EXIT } from './exit-codes.js';
import { processIo, type Io } from './io.js';

export type StandbyCommand = 'hb_standby' | 'hb_takeover';
const WHICH = new Set(['all', 'foreign', 'local', 'failback']);

/** Heartbeat's lib/hb_standby.in usage text (it exits 1 after printing it). */
export function standbyUsage(cmd: StandbyCommand): string {
  return `usage:\n${cmd} [all|foreign|local|failback]\n`;
}

export function standbyMain(cmd: StandbyCommand, argv: readonly string[], io: Io = processIo): number {
  const which = argv[0] ?? 'all';
  if (argv.length > 1 || !WHICH.has(which)) {
    io.err(standbyUsage(cmd));
    return EXIT.GENERIC;
  }
  io.err(`${cmd}: ${which}: not implemented yet (needs the heartbeat control socket)\n`);
  return EXIT.UNIMPLEMENTED;
}
