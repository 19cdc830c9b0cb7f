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
