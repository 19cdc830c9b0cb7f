// The mutable builder ha-cf.ts fills while reading ha.cf line by line, and the host facts
// (interfaces, users, files) that some checks need. Pure: facts are passed in, never looked up.
import type { AutoFailback, ConfigIssue, MediumConfig, PingGroup, Respawn, Severity, Where } from './types.js';

/** What the parser may ask about the machine; load.ts supplies the real answers. Absent = skip. */
export interface HostFacts {
  /** Network interface names present (Heartbeat refuses a bcast/mcast/ucast on a missing one). */
  readonly interfaces?: ReadonlySet<string>;
  /** User names known to the system (respawn USER). */
  readonly users?: ReadonlySet<string>;
  readonly exists?: (path: string) => boolean;
  readonly executable?: (path: string) => boolean;
}

export interface HaCfState {
  readonly file: string;
  readonly host: HostFacts;
  readonly issues: ConfigIssue[];
  keepaliveMs: number;
  deadtimeMs: number;
  warntimeMs: number | null;
  initdeadMs: number | null;
  deadpingMs: number | null;
  /** The udpport in force now: media lines take the value current when they are read. */
  udpport: number;
  udpportWhere: Where | null;
  baud: number;
  baudSet: boolean;
  nodes: string[];
  nodeWhere: Map<string, Where>;
  media: MediumConfig[];
  pingNodes: string[];
  pingGroups: PingGroup[];
  respawn: Respawn[];
  autoFailback: AutoFailback | null;
  logfile: string | null;
  debugfile: string | null;
  logfacility: string | null;
  debug: number;
  autojoin: 'none' | 'other' | 'any';
  autojoinWhere: Where | null;
  hopfudge: number;
  msgfmt: 'classic' | 'netstring';
  watchdog: string | null;
  useLogd: boolean | null;
  realtime: boolean;
  rtprio: number | null;
  metrics: { host: string; port: number } | null;
  pacemakerSeen: boolean;
  directives: { name: string; args: string[]; where: Where }[];
}

export function newState(file: string, host: HostFacts): HaCfState {
  return {
    file,
    host,
    issues: [],
    keepaliveMs: 1000,
    deadtimeMs: 30000,
    warntimeMs: null,
    initdeadMs: null,
    deadpingMs: null,
    udpport: 694,
    udpportWhere: null,
    baud: 19200,
    baudSet: false,
    nodes: [],
    nodeWhere: new Map(),
    media: [],
    pingNodes: [],
    pingGroups: [],
    respawn: [],
    autoFailback: null,
    logfile: null,
    debugfile: null,
    logfacility: null,
    debug: 0,
    autojoin: 'none',
    autojoinWhere: null,
    hopfudge: 1,
    msgfmt: 'classic',
    watchdog: null,
    useLogd: null,
    realtime: true,
    rtprio: null,
    metrics: null,
    pacemakerSeen: false,
    directives: [],
  };
}

export function issue(s: HaCfState, where: Where, severity: Severity, message: string): void {
  s.issues.push({ file: where.file, line: where.line, severity, message });
}
