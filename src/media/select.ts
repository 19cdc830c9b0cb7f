// Which configured media this host opens. One ha.cf serves both nodes: a `ucast eth0 PEER` line
// whose PEER is one of our own addresses is the other node's line, so we skip it and say why.
// Pure: the caller passes this host's addresses (iface.ts localIPv4Addresses()).
import type { MediumConfig } from '../config/types.js';

export interface SkippedMedium {
  readonly medium: MediumConfig;
  /** An info line for the log, e.g. "ha.cf:12: ucast eth0 192.0.2.1: [192.0.2.1] is one of our own addresses; medium skipped". */
  readonly message: string;
}

export interface MediaForHost {
  readonly media: readonly MediumConfig[];
  readonly skipped: readonly SkippedMedium[];
}

export function mediaForHost(media: readonly MediumConfig[], localAddrs: Iterable<string>): MediaForHost {
  const own = new Set(localAddrs);
  const use: MediumConfig[] = [];
  const skipped: SkippedMedium[] = [];
  for (const m of media) {
    if (m.kind === 'ucast' && own.has(m.peer)) {
      const where = `${m.where.file}:${m.where.line}`;
      skipped.push({
        medium: m,
        message: `${where}: ucast ${m.iface} ${m.peer}: [${m.peer}] is one of our own addresses; medium skipped`,
      });
    } else {
      use.push(m);
    }
  }
  return { media: use, skipped };
}

/** Heartbeat's name for a configured medium: "bcast eth1", "serial /dev/ttyS0". */
export function mediumName(m: MediumConfig): string {
  return m.kind === 'serial' ? `serial ${m.device}` : `${m.kind} ${m.iface}`;
}
