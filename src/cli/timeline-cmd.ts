// `heartbeat timeline [--since T] [--svg FILE] [[NODE=]LOG...]`: reads the logs, prints the
// timeline (timeline.ts), writes the SVG. Without LOG: this node's logfile from ha.cf.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';
import { buildTimeline, parseLog, parseSince, renderTimeline, timelineSvg } from './timeline.js';

/** ha.cf's logfile, as Heartbeat reads it (the last line wins); its default otherwise. */
function logfileOf(configDir: string): string {
  const f = join(configDir, 'ha.cf');
  if (!existsSync(f)) return '/var/log/ha-log';
  const names = readFileSync(f, 'utf8').split('\n').map((l) => /^\s*logfile\s+(\S+)/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
  return names.at(-1) ?? '/var/log/ha-log';
}

export function timelineCommand(program: Command, io: Io, configDir: (cmd: Command) => string, setCode: (c: number) => void): void {
  program
    .command('timeline')
    .description('who held which resource group when, with the faults and takeovers, from ha-log (ours or Heartbeat 3.0.6\'s)')
    .argument('[logs...]', 'ha-log files, one per node (NODE=FILE names the node when the lines do not); default: ha.cf\'s logfile')
    .option('--since <time>', 'from HH:MM[:SS] (the day the logs end) or YYYY-MM-DD HH:MM[:SS]')
    .option('--svg <file>', 'also draw it as SVG into FILE')
    .action((logs: string[], opts: { since?: string; svg?: string }, cmd: Command) => {
      const files = logs.length > 0 ? logs : [logfileOf(configDir(cmd))];
      const parsed = [];
      for (const a of files) {
        const m = /^([^=/]+)=(.+)$/.exec(a);
        const [node, file] = m ? [m[1]!, m[2]!] : [null, a];
        if (!existsSync(file)) {
          io.err(`heartbeat timeline: ${file}: no such file\n`);
          return setCode(EXIT.GENERIC);
        }
        parsed.push(parseLog(readFileSync(file, 'utf8'), node));
      }
      const end = Math.max(0, ...parsed.flat().map((l) => l.at));
      let since: number | null = null;
      if (opts.since !== undefined) {
        since = parseSince(opts.since, end);
        if (since === null) {
          io.err(`heartbeat timeline: --since ${opts.since}: use HH:MM[:SS] or YYYY-MM-DD HH:MM[:SS]\n`);
          return setCode(EXIT.BAD_ARGS);
        }
      }
      const t = buildTimeline(parsed, since);
      io.out(renderTimeline(t));
      if (opts.svg) {
        try {
          writeFileSync(opts.svg, timelineSvg(t));
        } catch (e) {
          io.err(`heartbeat timeline: cannot write ${opts.svg}: ${(e as Error).message}\n`);
          return setCode(EXIT.GENERIC);
        }
      }
      setCode(EXIT.OK);
    });
}
