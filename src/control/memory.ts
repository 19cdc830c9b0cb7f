// The daemon's memory as an operator sees it (`heartbeat status --json`, the control command
// `memory`, bench/soak.ts): the process's resident size, V8's heap, and the length of every table
// that could grow with peers, packets, log lines or control clients, next to the bound it must keep.
// A growth shows here long before it hurts. No rule of the cluster lives here.
import v8 from 'node:v8';
import vm from 'node:vm';

/** One other node's per-peer tables in the membership core. */
export interface PeerTables {
  readonly name: string;
  /** Link states kept for it (one per local medium; one for a ping node). */
  readonly links: number;
  /** Seqs missing from it, waiting for a retransmission (seq-track). */
  readonly missing: number;
}

/** Every table of the node that holds one entry per something; each has a bound in TABLE_BOUNDS. */
export interface TableSizes {
  /** Membership's node table: configured nodes and ping nodes, plus autojoined ones. */
  readonly nodes: number;
  readonly peers: readonly PeerTables[];
  /** Seqs of ours resent lately (the quiet rule for NS_rexmit answers). */
  readonly resentAt: number;
  /** Rate-limit windows of the refused-packet log, per (source, reason). */
  readonly dropWindows: number;
  /** Our sent messages kept for NS_rexmit answers. */
  readonly rexmitHistory: number;
  /** Peers' uuids learnt from srcuuid. */
  readonly peerUuids: number;
  /** The runtime's event queue (empty between events). */
  readonly eventQueue: number;
  /** Jobs waiting in the resource planner. */
  readonly planQueue: number;
  /** Failed starts remembered for `heartbeat status`, one per group at most. */
  readonly startFailures: number;
  /** Lines in the flight recorder. */
  readonly recorderLines: number;
  /** Connections open on the control socket. */
  readonly controlClients: number;
}

/** Bounds that do not depend on the configuration. */
export const TABLE_BOUNDS = {
  /** Outbox history: Heartbeat's MAXMSGHIST. */
  rexmitHistory: 500,
  /** seq-track MAX_MISSING. */
  missing: 500,
  /** membership resentAt: only seqs still in the 500-message history. */
  resentAt: 500,
  /** drop-log MAX_KEYS, plus one shared '*' window per reason beyond it. */
  dropWindows: 256 + 32,
  /** The flight recorder's ring. */
  recorderLines: 1000,
  /** control-socket CONTROL_MAX_CLIENTS. */
  controlClients: 64,
  /** Autojoin: beyond the configured nodes, at most this many learnt ones. */
  autojoinedNodes: 256,
} as const;

export interface MemoryView {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  /** V8's heap limit (old space plus young generation), as the process was launched. */
  readonly heapLimitBytes: number;
  /** A full garbage collection ran just before these figures (the `memory gc` control command). */
  readonly afterGc: boolean;
  readonly tables: TableSizes;
}

let gcFn: (() => void) | null | undefined;

/**
 * Runs a full garbage collection; false when it cannot. Without --expose-gc on the command line, the
 * flag is turned on once and `gc` taken from a fresh context (the way jest's --logHeapUsage does it).
 */
export function forceGc(): boolean {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: unknown }).gc;
    if (typeof g === 'function') gcFn = g as () => void;
    else {
      try {
        v8.setFlagsFromString('--expose-gc');
        const f = vm.runInNewContext('gc') as unknown;
        gcFn = typeof f === 'function' ? (f as () => void) : null;
      } catch {
        gcFn = null;
      }
    }
  }
  if (gcFn === null) return false;
  gcFn();
  return true;
}

export function memoryView(tables: TableSizes, gc = false): MemoryView {
  const afterGc = gc && forceGc();
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
    heapLimitBytes: v8.getHeapStatistics().heap_size_limit,
    afterGc,
    tables,
  };
}

const mb = (n: number): string => (n / 1048576).toFixed(1);

/** The one line `heartbeat status` prints. */
export function memoryLine(v: MemoryView): string {
  const t = v.tables;
  const missing = t.peers.reduce((a, p) => a + p.missing, 0);
  return (
    `memory: rss ${mb(v.rssBytes)} MB, heap used ${mb(v.heapUsedBytes)} of ${mb(v.heapTotalBytes)} MB` +
    `${v.afterGc ? ' after gc' : ''}; tables: nodes ${t.nodes}, missing ${missing}, rexmit history ${t.rexmitHistory}, ` +
    `drop windows ${t.dropWindows}, recorder ${t.recorderLines}, control clients ${t.controlClients}`
  );
}
