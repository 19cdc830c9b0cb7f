// hb_standby / hb_takeover: ask the local daemon to give up / take over resources, over the control
// socket. Usage as Heartbeat's lib/hb_standby.in (exit 1); the terminal line as the real one prints it
// ("Nov 21 20:28:42 Going standby [all].").
import { askDaemon } from './ctl-client.js';
import { takeOption } from './cl-status-cmd.js';
import { EXIT } from './exit-codes.js';
import { processIo, type Io } from './io.js';
import { resolveGlobals } from './options.js';

export type StandbyCommand = 'hb_standby' | 'hb_takeover';
const WHICH = new Set(['all', 'foreign', 'local', 'failback']);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Heartbeat's lib/hb_standby.in usage text (it exits 1 after printing it). */
export function standbyUsage(cmd: StandbyCommand): string {
  return `usage:\n${cmd} [all|foreign|local|failback]\n`;
}

/** syslog-style stamp the real script's ha_log puts before its line. */
function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export async function standbyMain(cmd: StandbyCommand, argv: readonly string[], io: Io = processIo): Promise<number> {
  const args = [...argv];
  const ctlSocket = takeOption(args, '--ctl-socket');
  const stateDir = takeOption(args, '--state-dir');
  const which = args[0] ?? 'all';
  if (args.length > 1 || !WHICH.has(which)) {
    io.err(standbyUsage(cmd));
    return EXIT.GENERIC;
  }
  const g = resolveGlobals({ ...(ctlSocket !== undefined ? { ctlSocket } : {}), ...(stateDir !== undefined ? { stateDir } : {}) }, io.env);
  const a = await askDaemon(g.ctlSocket, { cmd: cmd === 'hb_standby' ? 'standby' : 'takeover', args: [which] });
  if (a.kind === 'reply') {
    const r = a.reply;
    for (const line of r.out.split('\n').filter((l) => l !== '')) io.out(`${stamp(new Date())} ${line}\n`);
    io.err(r.err);
    return r.code;
  }
  if (a.kind === 'denied') {
    io.err(`${cmd}: ${a.message}\n`);
    return EXIT.NO_PRIVILEGE;
  }
  if (a.kind === 'no-answer') {
    io.err(`${cmd}: Heartbeat did not answer: ${a.message}\n`);
    return EXIT.GENERIC;
  }
  io.err(`${cmd}: Heartbeat is not running on this machine (${a.message}).\n`);
  return EXIT.NOT_RUNNING;
}
