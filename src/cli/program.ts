// The `heartbeat` command line (commander 14): LSB-style subcommands plus Heartbeat's classic flags.
// Usage errors exit 2 (LSB "invalid arguments"); each command returns its own LSB code.
import { Command, CommanderError, Option } from 'commander';
import { EXIT } from './exit-codes.js';
import { processIo, type Io } from './io.js';
import { check, cleanup, dump, reload, status, stop, versionLine } from './lifecycle.js';
import { BUILTIN, resolveGlobals, type RawGlobals } from './options.js';
import { simulateCommand } from './simulate.js';
import { timelineCommand } from './timeline-cmd.js';
import { startDetached, startForeground } from './start.js';

/** Heartbeat 3.0.6's own flags, accepted when no subcommand is given (`heartbeat -k`). */
const CLASSIC: Readonly<Record<string, string>> = { '-k': 'stop', '-s': 'status', '-r': 'reload', '-V': 'version', '-v': 'version' };
const TAKES_VALUE = new Set(['-c', '--config-dir', '-n', '--node', '--state-dir', '--pidfile', '--init-dir', '--defaults-file', '--ctl-socket']);

/**
 * Map classic invocations onto subcommands: `heartbeat -k` = `heartbeat stop`, and a bare
 * `heartbeat` starts the daemon, as the real one does (its init script runs it with no arguments).
 */
export function translateClassic(args: readonly string[]): string[] {
  for (let i = 0; i < args.length; i++) {
    const t = args[i] as string;
    if (TAKES_VALUE.has(t)) i++;
    else if (t === '--' || !t.startsWith('-')) return [...args];
  }
  const idx = args.findIndex((t) => CLASSIC[t] !== undefined);
  if (idx >= 0) return [...args.slice(0, idx), ...args.slice(idx + 1), CLASSIC[args[idx] as string] as string];
  if (args.some((t) => t === '-h' || t === '--help')) return [...args];
  return [...args, 'start'];
}

const HELP_AFTER = `
Classic Heartbeat equivalents:
  heartbeat            = heartbeat start      /etc/init.d/heartbeat start
  heartbeat -k         = heartbeat stop       /etc/init.d/heartbeat stop
  heartbeat -s         = heartbeat status     /etc/init.d/heartbeat status
  heartbeat -r         = heartbeat reload     (validate, then re-read ha.cf/authkeys; says what was applied)
  heartbeat -V         = heartbeat version
  heartbeat -d         raise the debug level (repeatable; at run time: kill -USR1 / -USR2)
  heartbeat check      is new: validate ${BUILTIN.configDir}/ha.cf, haresources and authkeys without starting

Files: ${BUILTIN.configDir}/{ha.cf,haresources,authkeys}, pidfile ${BUILTIN.pidfile},
state ${BUILTIN.stateDir}, daemon options in /etc/default/heartbeat (KEY=value).

Exit codes (LSB): 0 ok, 1 failed, 2 bad arguments, 3 not implemented, 4 not root,
6 configuration error, 7 not running; status: 0 running, 1 dead with pidfile, 3 stopped.`;

export async function main(args: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.OK;
  const program = new Command('heartbeat');
  program
    .description('Heartbeat 3.0.6 compatible high-availability daemon (v1: ha.cf, haresources, authkeys)')
    .usage('[options] <command>')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run heartbeat --help for usage)')
    .option('-c, --config-dir <dir>', `directory with ha.cf, haresources, authkeys (default: ${BUILTIN.configDir})`)
    .option('-n, --node <name>', 'this node\'s name (default: uname -n)')
    .option('--state-dir <dir>', `state directory (default: ${BUILTIN.stateDir})`)
    .option('--pidfile <file>', `pid file (default: ${BUILTIN.pidfile})`)
    .option('--init-dir <dir>', `where resources not in resource.d are found (default: ${BUILTIN.initDir})`)
    .option('--defaults-file <file>', 'daemon options file (default: /etc/default/heartbeat)')
    .option('--ctl-socket <path>', 'control socket for cl_status/hb_standby/hb_takeover (default: STATE_DIR/ctl.sock)')
    .option('-d, --debug', 'raise the debug level by one; repeat for more (-dd)', (_v: string, n: number) => n + 1, 0)
    .addHelpText('after', HELP_AFTER);

  const globals = (cmd: Command) => resolveGlobals(cmd.optsWithGlobals() as RawGlobals, io.env);
  const warnDefaults = (g: ReturnType<typeof resolveGlobals>) => {
    for (const p of g.defaultsProblems) io.err(`WARN: ${p}\n`);
  };

  program
    .command('start')
    .description('start the daemon and return once it runs (classic: heartbeat)')
    .option('--foreground', 'stay attached and log to stderr too (systemd, debugging)')
    .option('--gui-sudo', 'when not root at a desktop, ask for the password with pkexec')
    .addOption(new Option('--ready-fd <fd>', 'report readiness on this fd (internal)').hideHelp().argParser((v) => Number(v)))
    .action(async (opts: { foreground?: boolean; guiSudo?: boolean; readyFd?: number }, cmd: Command) => {
      const g = globals(cmd);
      warnDefaults(g);
      code = opts.foreground
        ? await startForeground(g, io, opts.readyFd)
        : await startDetached(g, io, { guiSudo: opts.guiSudo === true, argv: args });
    });
  program
    .command('stop')
    .description('graceful stop: give up resources, tell the peers, wait until gone (classic: -k)')
    .option('--timeout <seconds>', 'how long to wait (default: 120, or STOP_TIMEOUT)', (v) => Number(v))
    .action(async (opts: { timeout?: number }, cmd: Command) => {
      const g = globals(cmd);
      code = await stop(g, io, opts.timeout ?? g.stopTimeoutSec);
    });
  program
    .command('restart')
    .description('stop, then start (resources move to the peer meanwhile)')
    .action(async (_o: unknown, cmd: Command) => {
      const g = globals(cmd);
      code = await stop(g, io);
      if (code === EXIT.OK) code = await startDetached(g, io);
    });
  program
    .command('status')
    .description('is it running? exit 0 running, 1 stale pidfile, 3 stopped (classic: -s)')
    .option('--json', 'machine-readable output')
    .option('--links', 'each link to each node: state, last heard, loss and interval jitter over the last minute, faults')
    .action(async (opts: { json?: boolean; links?: boolean }, cmd: Command) => {
      code = await status(globals(cmd), io, opts.json === true, opts.links === true);
    });
  program
    .command('reload')
    .description('validate the config here (exit 6 if broken), then have the daemon re-read it and reopen its logs; prints what it applied (0) or why not (1) (classic: -r)')
    .action(async (_o: unknown, cmd: Command) => {
      code = await reload(globals(cmd), io);
    });
  program
    .command('cleanup [group]')
    .description('forget a failed start or stop of GROUP (any of its resources, as in haresources) or of every group, once the cause is fixed; heartbeat then starts it where it should run')
    .action(async (group: string | undefined, _o: unknown, cmd: Command) => {
      code = await cleanup(globals(cmd), io, group);
    });
  program
    .command('dump')
    .description('write the flight recorder (the last 1000 log lines, debug too) to STATE_DIR/flight-recorder.txt; print its path')
    .action(async (_o: unknown, cmd: Command) => {
      code = await dump(globals(cmd), io);
    });
  program
    .command('check')
    .description('validate ha.cf, haresources and authkeys; exit 0 if heartbeat would start, 6 if not')
    .addHelpText(
      'after',
      `
Prints every problem as FILE:LINE: message (errors on stderr, warnings on stdout).
Warnings do not change the exit code. Use -c DIR for another directory and -n NAME
to check as another node (e.g. the peer): heartbeat -c ./ha.d -n bravo check --portable.
Without --portable it also checks this machine: interfaces exist, a medium is left once ucast
lines naming our own addresses are skipped, log directories exist, ping hosts resolve (what
start checks too, refusing with exit 6).`,
    )
    .option('--portable', 'check files meant for another machine: skip the checks against this one')
    .action((opts: { portable?: boolean }, cmd: Command) => {
      code = check(globals(cmd), io, opts.portable === true);
    });
  simulateCommand(program, io, (cmd) => globals(cmd).configDir, (c) => (code = c));
  timelineCommand(program, io, (cmd) => globals(cmd).configDir, (c) => (code = c));
  program
    .command('version')
    .description('print the Heartbeat version we are compatible with, then ours (classic: -V)')
    .action(() => {
      io.out(`${versionLine()}\n`);
    });

  try {
    await program.parseAsync(translateClassic(args), { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version'
      ? EXIT.OK
      : EXIT.BAD_ARGS;
  }
  return code;
}
