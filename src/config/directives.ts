// Every ha.cf directive Heartbeat 3.0.6 knows (config.c Directives[], WLdirectives[] and the
// HBcomm plugins shipped in Debian's package), with its meaning and how heartbeat-ts treats it.
// Pure data: the parser in ha-cf.ts looks names up here.

/**
 * each:  `name v1 v2 ...` applies each word on its own, in order (Heartbeat's add_option loop),
 *        so `node a b` adds two nodes and `keepalive 1 2` ends at 2.
 * line:  the rest of the line is one value (whole-line directives and media plugins with parse()).
 */
export type DirectiveForm = 'each' | 'line';

/**
 * core:       modelled and used by heartbeat-ts.
 * media:      a heartbeat path (bcast, ucast, mcast, serial, ping...).
 * deprecated: v1 directives man ha.cf lists as deprecated; still honoured as Heartbeat does.
 * tuning:     accepted and validated like Heartbeat, without effect in heartbeat-ts.
 * pacemaker:  belongs to the Pacemaker (CRM) stack, which heartbeat-ts does not run.
 * extension:  heartbeat-ts only; Heartbeat 3.0.6 refuses it (`Illegal directive`).
 */
export type DirectiveGroup = 'core' | 'media' | 'deprecated' | 'tuning' | 'pacemaker' | 'extension';

export interface DirectiveInfo {
  readonly name: string;
  readonly form: DirectiveForm;
  readonly group: DirectiveGroup;
  /** Heartbeat's default when the directive is absent (`heartbeat -D`), if any. */
  readonly defaultValue?: string;
  readonly meaning: string;
}

const D = (name: string, form: DirectiveForm, group: DirectiveGroup, meaning: string, defaultValue?: string): DirectiveInfo =>
  defaultValue === undefined ? { name, form, group, meaning } : { name, form, group, meaning, defaultValue };

export const DIRECTIVES: readonly DirectiveInfo[] = [
  D('node', 'each', 'core', 'cluster member names (uname -n), lower-cased'),
  D('keepalive', 'each', 'core', 'interval between heartbeats', '1000ms'),
  D('deadtime', 'each', 'core', 'silence after which a node is declared dead', '30000ms'),
  D('warntime', 'each', 'core', 'silence after which a "Late heartbeat" is logged (default deadtime/2)'),
  D('initdead', 'each', 'core', 'deadtime used right after start-up (default from deadtime)'),
  D('udpport', 'each', 'core', 'UDP port for bcast/ucast lines that come after it', '694'),
  D('logfile', 'each', 'core', 'file for non-debug log lines'),
  D('debugfile', 'each', 'core', 'file for debug log lines'),
  D('logfacility', 'each', 'core', 'syslog facility, or none'),
  D('debug', 'each', 'core', 'debug level 0-255', '0'),
  D('autojoin', 'each', 'core', 'none|other|any: let unlisted nodes join (refused with haresources)', 'none'),
  D('msgfmt', 'each', 'core', 'classic|netstring wire format', 'classic'),
  D('auto_failback', 'each', 'core', 'on|off|legacy: move groups back to their preferred node', 'legacy'),
  D('use_logd', 'each', 'core', 'log through the logging daemon'),
  D('bcast', 'each', 'media', 'UDP broadcast heartbeat on each named interface'),
  D('udp', 'each', 'media', "old alias of bcast ('udp' replaced by 'bcast')"),
  D('ucast', 'line', 'media', 'UDP unicast heartbeat: ucast IFACE PEER'),
  D('mcast', 'line', 'media', 'UDP multicast heartbeat: mcast IFACE GROUP PORT TTL LOOP'),
  D('ucast6', 'line', 'media', 'IPv6 unicast heartbeat (not implemented by heartbeat-ts)'),
  D('mcast6', 'line', 'media', 'IPv6 multicast heartbeat (not implemented by heartbeat-ts)'),
  D('serial', 'each', 'media', 'serial heartbeat on each named tty (uses baud set before it)'),
  D('ping', 'each', 'media', 'ping node: an address whose reachability ipfail weighs'),
  D('ping6', 'each', 'media', 'IPv6 ping node (not implemented by heartbeat-ts)'),
  D('ping_group', 'line', 'media', 'ping_group NAME ADDR...: reachable when any member answers'),
  D('baud', 'each', 'deprecated', 'serial speed for serial lines that come after it', '19200'),
  D('deadping', 'each', 'deprecated', 'silence after which a ping node is dead (default deadtime)'),
  D('hopfudge', 'each', 'deprecated', 'extra hops a serial packet may be forwarded (0-255)', '1'),
  D('nice_failback', 'each', 'deprecated', "obsolete: 'on' means auto_failback off, 'off' means legacy"),
  D('respawn', 'line', 'deprecated', 'respawn USER /ABS/PATH [args]: run and restart a helper (ipfail)'),
  D('failfast', 'line', 'deprecated', 'like respawn, but its death reboots the node'),
  D('stonith', 'line', 'deprecated', 'stonith TYPE CONFIGFILE: legacy v1 STONITH device'),
  D('stonith_host', 'line', 'deprecated', 'stonith_host HOST|* TYPE PARAMS: legacy v1 STONITH device'),
  D('watchdog', 'each', 'deprecated', 'watchdog device fed with our own heartbeats'),
  D('traditional_compression', 'each', 'deprecated', 'compress whole messages (on|off)', 'no'),
  D('apiauth', 'line', 'tuning', 'apiauth CLIENT uid=..|gid=..: who may use an API group'),
  D('cluster', 'each', 'tuning', 'cluster name', 'linux-ha'),
  D('rtprio', 'each', 'tuning', 'realtime priority (sched_get_priority_min..max of SCHED_FIFO)'),
  D('realtime', 'each', 'tuning', 'lock into memory and run realtime (boolean)', 'true'),
  D('hbgenmethod', 'each', 'tuning', 'file|time: how the generation number is kept', 'file'),
  D('uuidfrom', 'each', 'tuning', 'file|nodename: source of the node uuid', 'file'),
  D('conn_logd_time', 'each', 'tuning', 'time between reconnects to logd', '60'),
  D('log_badpack', 'each', 'tuning', 'warn about bad packets (boolean)', 'true'),
  D('syslogmsgfmt', 'each', 'tuning', 'syslog-style lines in log files (boolean)', 'true'),
  D('coredumps', 'each', 'tuning', 'enable core dumps (boolean)', 'true'),
  D('coreroot', 'each', 'tuning', 'root directory for core dumps'),
  D('compression', 'each', 'tuning', 'zlib|bz2 compression module', 'zlib'),
  D('compression_threshold', 'each', 'tuning', 'compress messages above N KB (N > 0)', '2'),
  D('env', 'each', 'tuning', 'NAME=value exported to children as HA_NAME'),
  D('max_rexmit_delay', 'each', 'tuning', 'maximum retransmit delay in ms (> 0)', '250'),
  D('memreserve', 'each', 'tuning', 'kbytes preallocated by heartbeat', '6500'),
  D('use_apphbd', 'each', 'tuning', 'register with apphbd (boolean)'),
  D('quorum_server', 'each', 'tuning', 'quorum server host (Pacemaker/CCM quorum)'),
  D('crm', 'each', 'pacemaker', 'historical alias of pacemaker', 'false'),
  D('pacemaker', 'each', 'pacemaker', 'run the Pacemaker cluster manager instead of haresources', 'false'),
  D('crm_daemon_dir', 'each', 'pacemaker', 'where Pacemaker daemons are searched first'),
  D('crmd_spawns_pengine', 'each', 'pacemaker', 'whether crmd starts the policy engine itself'),
  D('record_config_changes', 'each', 'pacemaker', 'log CIB changes (valid only with pacemaker on)', 'on'),
  D('record_pengine_inputs', 'each', 'pacemaker', 'keep policy engine inputs (valid only with pacemaker on)', 'on'),
  D('metrics', 'each', 'extension', 'ADDRESS:PORT (or PORT, on 127.0.0.1): serve /metrics, the status page and /status.json'),
  D('enable_config_writes', 'each', 'pacemaker', 'write CIB changes to disk (valid only with pacemaker on)', 'on'),
];

/** Names Heartbeat 3.0.6 rejects with `Illegal directive`, and why (for a clearer message). */
export const NOT_IN_HEARTBEAT: ReadonlyMap<string, string> = new Map([
  ['hbaping', 'the hbaping plugin was never shipped, so Heartbeat 3.0.6 rejects it too'],
]);

const BY_NAME = new Map(DIRECTIVES.map((d) => [d.name, d]));

export function directiveInfo(name: string): DirectiveInfo | undefined {
  return BY_NAME.get(name);
}

/** The known name closest to a misspelt one (edit distance <= 2), for "did you mean". */
export function suggestDirective(name: string): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const d of DIRECTIVES) {
    const dist = editDistance(name.toLowerCase(), d.name);
    if (dist < bestD) {
      bestD = dist;
      best = d.name;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
