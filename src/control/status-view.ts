// What the daemon knows about the cluster, as a plain snapshot for cl_status and `heartbeat status`.
// Pure: rendering only; the daemon builds the view from its core state.

export type NodeType = 'normal' | 'ping';
export type NodeStatusWord = 'init' | 'up' | 'active' | 'dead' | 'ping';
export type LinkStatusWord = 'up' | 'dead';
export type RscStatus = 'none' | 'local' | 'foreign' | 'all' | 'transition';

export interface LinkView {
  readonly name: string;
  readonly status: LinkStatusWord;
}

export interface NodeView {
  readonly name: string;
  readonly type: NodeType;
  readonly status: NodeStatusWord;
  readonly links: readonly LinkView[];
}

export interface GroupView {
  readonly node: string;
  readonly resources: readonly string[];
  /** Which node holds it now, null when nobody does; 'transition' while scripts run. */
  readonly heldBy: string | null;
  readonly state: 'started' | 'stopped' | 'starting' | 'stopping' | 'failed';
  /** The start-failure policy here: present while a failed start of the group counts on this node. */
  readonly failure?: GroupFailureView;
  /** Its stop failed here: it may still run, and it stays out of every decision until `heartbeat cleanup`. */
  readonly stopFailed?: { readonly resource?: string; readonly reason?: string; readonly at?: string };
  /** The dead peer's last report said its stop of it failed: not taken over here until `heartbeat cleanup`. */
  readonly peerStopFailed?: boolean;
  /** The other node's last resource report says a start of a group of this class failed (blocked: it will not try again). */
  readonly peerFailed?: boolean;
  readonly peerBlocked?: boolean;
}

export interface GroupFailureView {
  /** Failed starts here, and how many block the group here. */
  readonly fails: number;
  readonly threshold: number;
  readonly blocked: boolean;
  /** When the failures stop counting (ISO time); a restart of the daemon forgets them too. */
  readonly expiresAt: string;
  /** The last failed start: which resource, why, when (ISO time). Absent when it is not known here. */
  readonly last?: { readonly resource: string; readonly reason: string; readonly at: string };
}

export interface StatusView {
  readonly thisNode: string;
  readonly pid: number;
  readonly generation: number;
  readonly nodes: readonly NodeView[];
  readonly rscstatus: RscStatus;
  readonly groups: readonly GroupView[];
  /** ha.cf values as cl_status hbparameter prints them (seconds for times, as written otherwise). */
  readonly parameters: Readonly<Record<string, string>>;
  /** Packets dropped, per reason. */
  readonly dropped: Readonly<Record<string, number>>;
}

/** `heartbeat status --links` and `links` in `--json`: how each other node is heard, per link. */
export interface PeerLinksView {
  readonly name: string;
  readonly type: NodeType;
  readonly status: NodeStatusWord;
  /** Seconds since anything came from it (any link). */
  readonly lastHeardAgo: number;
  /** Late heartbeats (over warntime, those over deadtime included); packets lost; re-sent for it. */
  readonly lateHeartbeats: number;
  readonly lostPackets: number;
  readonly retransmitted: number;
  readonly links: readonly LinkHealthView[];
}

export interface LinkHealthView {
  readonly name: string;
  readonly status: LinkStatusWord;
  readonly lastHeardAgo: number;
  /** The last minute: share of the node's packets that did not come on this link (null: nothing to count). */
  readonly loss: number | null;
  /** The last minute: heartbeat interval mean, max and standard deviation (s), null without two heartbeats. */
  readonly interval: number | null;
  readonly intervalMax: number | null;
  readonly jitter: number | null;
  /** Times it went from up to dead since the daemon started. */
  readonly faults: number;
}

const secs = (s: number | null): string => (s === null ? '-' : s < 10 ? `${s.toFixed(3)} s` : `${s.toFixed(1)} s`);
const ago = (s: number): string => (s < 1 ? `${Math.round(s * 1000)} ms ago` : `${s.toFixed(1)} s ago`);

/** Like corosync-cfgtool -s: one block per other node, one line per link. */
export function renderLinks(peers: readonly PeerLinksView[]): string {
  const lines: string[] = [];
  for (const p of peers) {
    if (p.type === 'ping') {
      lines.push(`ping node ${p.name}: ${p.status === 'ping' ? 'reachable' : 'unreachable'}, last answer ${ago(p.lastHeardAgo)}`);
      continue;
    }
    lines.push(`node ${p.name}: ${p.status}, last heard ${ago(p.lastHeardAgo)}; late heartbeats ${p.lateHeartbeats}, lost packets ${p.lostPackets}, re-sent for it ${p.retransmitted}`);
    for (const l of p.links) {
      const loss = l.loss === null ? '-' : `${(l.loss * 100).toFixed(1)} %`;
      lines.push(
        `  link ${l.name}: ${l.status}, last heard ${ago(l.lastHeardAgo)}, loss (1 min) ${loss}, interval ${secs(l.interval)} (max ${secs(l.intervalMax)}, jitter ${secs(l.jitter)}), faults ${l.faults}`,
      );
    }
  }
  return lines.length === 0 ? 'no other nodes\n' : `${lines.join('\n')}\n`;
}
