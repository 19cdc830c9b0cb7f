// Typed, immutable results of reading ha.cf, haresources and authkeys.
// Shared contract: other modules import these; add fields, do not rename them.

/** Where a directive came from, for `file:line: message` diagnostics. line 0 = the file as a whole. */
export interface Where {
  readonly file: string;
  readonly line: number;
}

export type Severity = 'error' | 'warning' | 'info';

export interface ConfigIssue extends Where {
  readonly severity: Severity;
  readonly message: string;
}

export type AutoFailback = 'on' | 'off' | 'legacy';

export type MediumConfig =
  | { readonly kind: 'bcast'; readonly iface: string; readonly port: number; readonly where: Where }
  | { readonly kind: 'ucast'; readonly iface: string; readonly peer: string; readonly port: number; readonly where: Where }
  | {
      readonly kind: 'mcast';
      readonly iface: string;
      readonly group: string;
      readonly port: number;
      readonly ttl: number;
      readonly loop: boolean;
      readonly where: Where;
    }
  | { readonly kind: 'serial'; readonly device: string; readonly baud: number; readonly where: Where };

export interface PingGroup {
  readonly name: string;
  readonly hosts: readonly string[];
  readonly where: Where;
}

export interface Respawn {
  readonly user: string;
  readonly argv: readonly string[];
  readonly where: Where;
}

export interface HaCf {
  readonly file: string;
  readonly keepaliveMs: number;
  readonly deadtimeMs: number;
  readonly warntimeMs: number;
  readonly initdeadMs: number;
  readonly deadpingMs: number;
  readonly udpport: number;
  readonly nodes: readonly string[];
  readonly media: readonly MediumConfig[];
  readonly pingNodes: readonly string[];
  readonly pingGroups: readonly PingGroup[];
  readonly respawn: readonly Respawn[];
  readonly autoFailback: AutoFailback;
  /** null when ha.cf says nothing and no default applies (Heartbeat's defaults are applied by the parser). */
  readonly logfile: string | null;
  readonly debugfile: string | null;
  /** syslog facility name such as 'local0'; null for `logfacility none` or when unset. */
  readonly logfacility: string | null;
  readonly debug: number;
  readonly autojoin: 'none' | 'other' | 'any';
  readonly hopfudge: number;
  readonly msgfmt: 'classic' | 'netstring';
  /** Serial speed in force at the end of the file (each serial medium keeps its own `baud`). */
  readonly baud?: number;
  /** `watchdog` device, null when unset. */
  readonly watchdog?: string | null;
  /** `use_logd on`: log through logd instead of logfile/debugfile. */
  readonly useLogd?: boolean;
  /** `realtime`: run at SCHED_RR (Heartbeat's default, so absent means on). */
  readonly realtime?: boolean;
  /** `rtprio`: the SCHED_RR priority; absent means the lowest (1). */
  readonly rtprio?: number;
  /** `metrics ADDRESS:PORT` (heartbeat-ts only): where the daemon serves /metrics and its status page. */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** Every directive as read, in file order, for anything not modelled above. */
  readonly directives: readonly { readonly name: string; readonly args: readonly string[]; readonly where: Where }[];
}

/** One `NAME::arg::arg` entry of a haresources group. */
export interface ResourceSpec {
  /** As written, e.g. `IPaddr::192.0.2.10/24/eth0`. Heartbeat uses this text as the resource's id. */
  readonly spec: string;
  readonly name: string;
  readonly args: readonly string[];
}

export interface ResourceGroup {
  /** Preferred node: the first word of the haresources line. */
  readonly node: string;
  readonly resources: readonly ResourceSpec[];
  readonly where: Where;
}

export type AuthMethod = 'crc' | 'md5' | 'sha1';

export interface AuthKey {
  readonly method: AuthMethod;
  /** Empty for crc. Heartbeat keeps only the first whitespace-separated token. */
  readonly key: string;
}

export interface Authkeys {
  readonly file: string;
  /** The `auth N` index used for sending. */
  readonly activeIndex: number;
  readonly keys: ReadonlyMap<number, AuthKey>;
}

export interface ClusterConfig {
  readonly dir: string;
  /** This host's node name (uname -n, lower-cased, unless overridden). */
  readonly thisNode: string;
  readonly haCf: HaCf;
  readonly groups: readonly ResourceGroup[];
  readonly authkeys: Authkeys;
}

export interface LoadOptions {
  /** Directory holding ha.cf, haresources, authkeys (default /etc/ha.d). */
  readonly dir: string;
  /** Overrides uname -n (tests, and `heartbeat -n`). */
  readonly nodeName?: string;
  /** Where resource scripts are searched besides DIR/resource.d (default /etc/init.d). */
  readonly initDir?: string;
  /**
   * Network interface names present on this host. Given (non-empty): a medium on a missing
   * interface is an error, as Heartbeat refuses it at start. Omitted or []: not checked, so that
   * `heartbeat check` works on a machine other than the node. load.ts exports systemInterfaces().
   */
  readonly interfaces?: readonly string[];
  /**
   * Check against this machine too (start, reload, `heartbeat check` without --portable): its
   * interfaces (when `interfaces` is not given), a medium left after our own addresses, log
   * directories, ping hosts (host-checks.ts).
   */
  readonly host?: boolean;
  /** With `host`: our own daemon runs (reload, check beside it), so udpport being bound is no problem. */
  readonly ownDaemonRuns?: boolean;
}

/** The result of validation: config is null when any issue is an error. */
export interface LoadResult {
  readonly config: ClusterConfig | null;
  readonly issues: readonly ConfigIssue[];
  /** ha.cf as far as it could be read, also when other files failed: where to log the refusal. */
  readonly haCf?: HaCf | null;
}
