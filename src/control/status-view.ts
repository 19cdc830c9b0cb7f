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
