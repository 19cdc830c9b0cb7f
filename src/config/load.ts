// Placeholder until the config parser lands: the contract the CLI and daemon build on.
import type { ConfigIssue, LoadOptions, LoadResult } from './types.js';

export function loadConfig(opts: LoadOptions): LoadResult {
  return {
    config: null,
    issues: [{ file: `${opts.dir}/ha.cf`, line: 0, severity: 'error', message: 'configuration parser not built yet' }],
  };
}

/** `FILE:LINE: message` (line omitted when 0), the form `heartbeat check` prints. */
export function formatIssue(i: ConfigIssue): string {
  return i.line > 0 ? `${i.file}:${i.line}: ${i.message}` : `${i.file}: ${i.message}`;
}
