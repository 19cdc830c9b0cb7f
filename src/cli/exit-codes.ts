// LSB exit codes (init script actions) and the HaError codes that map to them.
import type { HaErrorCode } from '../lib/errors.js';

export const EXIT = {
  OK: 0,
  GENERIC: 1,
  BAD_ARGS: 2,
  UNIMPLEMENTED: 3,
  NO_PRIVILEGE: 4,
  NOT_INSTALLED: 5,
  NOT_CONFIGURED: 6,
  NOT_RUNNING: 7,
} as const;

/** LSB status action codes. */
export const STATUS_EXIT = { RUNNING: 0, DEAD_PIDFILE: 1, STOPPED: 3 } as const;

export function exitCodeFor(code: HaErrorCode): number {
  switch (code) {
    case 'HA_E_CONFIG':
    case 'HA_E_AUTH':
      return EXIT.NOT_CONFIGURED;
    case 'HA_E_PERM':
      return EXIT.NO_PRIVILEGE;
    case 'HA_E_USAGE':
      return EXIT.BAD_ARGS;
    case 'HA_E_NOT_RUNNING':
      return EXIT.NOT_RUNNING;
    default:
      return EXIT.GENERIC;
  }
}
