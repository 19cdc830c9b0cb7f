// Errors for code carry a stable code; branch on it, never on message text.
export type HaErrorCode =
  | 'HA_E_CONFIG'
  | 'HA_E_AUTH'
  | 'HA_E_PERM'
  | 'HA_E_MEDIA'
  | 'HA_E_SCRIPT'
  | 'HA_E_RUNNING'
  | 'HA_E_NOT_RUNNING'
  | 'HA_E_USAGE';

export class HaError extends Error {
  constructor(
    readonly code: HaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HaError';
  }
}
