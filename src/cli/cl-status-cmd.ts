// cl_status: Heartbeat's query tool. `hbstatus` works from the pidfile; the other sub-commands ask
// the daemon over its control socket and print what it renders (control/cl-status.ts). When the
// daemon does not answer: the real one's two "Cannot signon" lines and exit 1.
import { CL_STATUS_USAGE as USAGE } from '../control/cl-status.js';
import { askDaemon } from './ctl-client.js';
import { pidfileState } from '../control/pidfile.js';
import { createHaLog } from '../log/ha-log.js';
import { EXIT } from './exit-codes.js';
import { processIo, type Io } from './io.js';
import { resolveGlobals } from './options.js';

export const CL_STATUS_USAGE = `${USAGE}\tAs for the valid parameter names, please refer to the man page.

heartbeat-ts: --pidfile FILE selects the daemon's pidfile (default /var/run/heartbeat.pid),
--ctl-socket PATH its control socket (default /var/lib/heartbeat/ctl.sock).
`;

const SUBCOMMANDS = new Set([
  'clientstatus', 'hblinkstatus', 'hbstatus', 'listnodes', 'listhblinks', 'nodestatus',
  'nodeweight', 'nodesite', 'nodetype', 'rscstatus', 'hbparameter',
]);

/** Real cl_status: bad sub-command logs an ERROR line and exits 11 (observed on 3.0.6). */
const EXIT_BAD_SUBCOMMAND = 11;

/** Takes `--NAME VALUE` out of args. */
export function takeOption(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const v = args[at + 1];
  args.splice(at, 2);
  return v;
}

export async function clStatusMain(argv: readonly string[], io: Io = processIo): Promise<number> {
  const args = [...argv];
  const pidfile = takeOption(args, '--pidfile');
  const ctlSocket = takeOption(args, '--ctl-socket');
  const stateDir = takeOption(args, '--state-dir');
  const sub = args[0];
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    io.out(CL_STATUS_USAGE);
    return EXIT.OK;
  }
  const g = resolveGlobals({ ...(pidfile !== undefined ? { pidfile } : {}), ...(ctlSocket !== undefined ? { ctlSocket } : {}), ...(stateDir !== undefined ? { stateDir } : {}) }, io.env);
  const errLog = () =>
    createHaLog({ entity: 'cl_status', nodeName: g.nodeName, logfile: null, debugfile: null, logfacility: null, stderr: true, stderrWrite: (s) => io.err(s) });
  if (!SUBCOMMANDS.has(sub)) {
    errLog().log('error', `${sub}: invalid sub-command.`);
    return EXIT_BAD_SUBCOMMAND;
  }
  if (sub === 'hbstatus') {
    const running = pidfileState(g.pidfile).kind === 'running';
    io.out(running ? 'Heartbeat is running on this machine.\n' : 'Heartbeat is stopped on this machine.\n');
    return running ? EXIT.OK : EXIT.GENERIC;
  }
  const a = await askDaemon(g.ctlSocket, { cmd: 'cl_status', args });
  if (a.kind === 'reply') {
    io.out(a.reply.out);
    io.err(a.reply.err);
    return a.reply.code;
  }
  if (a.kind === 'denied') {
    // Not the "Cannot signon" lines: heartbeat may well run; we may not talk to it.
    io.err(`cl_status: ${a.message}\n`);
    return EXIT.NO_PRIVILEGE;
  }
  const log = errLog();
  log.log('error', 'Cannot signon with heartbeat');
  log.log('error', "REASON: hb_api_signon: Can't initiate connection to heartbeat");
  return EXIT.GENERIC;
}
