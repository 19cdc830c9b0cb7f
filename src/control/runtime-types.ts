// What the node runtime (runtime.ts) needs from its host and the events on its one queue.
import type { ClusterConfig } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { Log } from '../log/types.js';
import type { Medium } from '../media/medium.js';
import type { GroupRunner } from '../resources/group-runner.js';
import type { PlanConfig, StandbyWhich } from '../resources/plan-types.js';
import type { ProbeFn } from '../ipfail/pinger.js';

export interface RuntimeDeps {
  readonly config: ClusterConfig;
  readonly log: Log;
  readonly clock?: Clock;
  /** Where hb_generation and hb_uuid live (Heartbeat: /var/lib/heartbeat). */
  readonly stateDir: string;
  /** Heartbeat media; default: createMedium() for every ha.cf medium this host should open. */
  readonly media?: readonly Medium[];
  /** Default: a GroupRunner over DIR/resource.d and the init dir with Heartbeat's environment. */
  readonly runner?: GroupRunner;
  /** Extra environment for resource scripts (HTTPD_* in the lab). */
  readonly scriptEnvExtra?: NodeJS.ProcessEnv;
  readonly initDir?: string;
  /** Per-script timeouts for the default runner (ms). */
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly pid?: number;
  /** Ping-node probe (default: the system ping). */
  readonly probe?: ProbeFn;
  /** Gratuitous ARP for a kept VIP after a split-brain heal (default: arping -U). */
  readonly garp?: (iface: string, ip: string) => void;
  /** First line of /proc/loadavg (the `ld` field). */
  readonly loadavg?: () => string;
  /** Stop whatever runs at start before joining (default true). */
  readonly reconcile?: boolean;
  /** Random numbers for the membership core (default Math.random). */
  readonly rng?: () => number;
  /** Graceful shutdown: stop the respawn clients before "shutdown complete" (the daemon's Respawner). */
  readonly stopClients?: () => Promise<void>;
  /** Called once with the exit code when the runtime has finished (graceful or hard deadline). */
  readonly onExit?: (code: number) => void;
  /**
   * Run ipfail's decision core. Default: when ha.cf respawns ipfail and has ping targets, which is
   * when Heartbeat would run ipfail.
   */
  readonly ipfail?: boolean;
  /** Planner timing overrides (tests shorten Heartbeat's 10 s RQSTDELAY). */
  readonly planTuning?: Partial<Pick<PlanConfig, 'rscrcvdDelayMs' | 'standbyReplyTimeoutMs' | 'standbyRunTimeoutMs'>>;
}

export type RuntimeEvent =
  | { readonly kind: 'packet'; readonly buf: Buffer; readonly from: string; readonly medium: Medium }
  | { readonly kind: 'tick' }
  | {
      readonly kind: 'group-done';
      readonly group: number;
      readonly op: 'start' | 'stop';
      readonly ok: boolean;
      readonly rolledBack?: boolean;
      readonly failed?: string;
    }
  | { readonly kind: 'ping'; readonly host: string; readonly up: boolean }
  | { readonly kind: 'reconciled' }
  | { readonly kind: 'standby'; readonly which: StandbyWhich }
  | { readonly kind: 'takeover'; readonly which: StandbyWhich }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'cleanup'; readonly groups: readonly number[] }
  | { readonly kind: 'retime'; readonly haCf: import('../config/types.js').HaCf }
  | { readonly kind: 'boot' }
  | { readonly kind: 'clients-stopped' };

export type Phase = 'new' | 'reconciling' | 'running' | 'stopping' | 'stopped';
