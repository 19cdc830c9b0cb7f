// Heartbeat's log destinations: logfile/debugfile, stderr, syslog. HaLog hands each line to each
// sink whose level takes it; every sink is synchronous or drops, so logging never blocks or throws.
// Files are opened, appended and closed per line, as cl_direct_log does, so logrotate needs no signal
// and nothing is buffered when the process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { formatLine, priority, syslogBody, type LineParts } from './format.js';

/** What HaLog hands every sink: the level and message plus the parts of the line. */
export interface LogInfo {
  readonly level: string;
  readonly message: string;
  readonly parts: LineParts;
}

/** A destination. Level 'debug' takes every line, 'info' every line but debug. */
export interface LogSink {
  readonly level: 'info' | 'debug';
  log(info: LogInfo): void;
}

/** logfile or debugfile; `level` decides whether debug lines get here. */
export class AppendFileTransport implements LogSink {
  /** The last write error (ENOENT, EACCES...), kept for status; the log never throws at its caller. */
  lastError: Error | null = null;

  constructor(
    readonly path: string,
    readonly syslogmsgfmt: boolean,
    readonly level: 'info' | 'debug',
  ) {}

  log(info: LogInfo): void {
    this.writeLine(formatLine(info.parts, this.syslogmsgfmt));
  }

  /** Synchronous by design (one line is small): the line is on disk when this returns. */
  writeLine(line: string): void {
    try {
      appendFileSync(this.path, `${line}\n`, { mode: 0o644 });
      this.lastError = null;
    } catch (e) {
      this.lastError = e as Error;
    }
  }
}

/** Start-up and `--foreground` output; Heartbeat prints the same lines to stderr as to the logfile. */
export class StderrTransport implements LogSink {
  readonly level = 'debug';

  constructor(
    readonly syslogmsgfmt: boolean,
    private readonly sink: (s: string) => void = (s) => void process.stderr.write(s),
  ) {}

  log(info: LogInfo): void {
    this.sink(`${formatLine(info.parts, this.syslogmsgfmt)}\n`);
  }
}

export interface SyslogOptions {
  /** ha.cf logfacility name, e.g. 'local0' or 'daemon'. */
  readonly facility: string;
  /** syslog tag; Heartbeat's entity ('heartbeat'). */
  readonly tag: string;
  /** Socket for `logger -u`; default /dev/log. Tests point it at a socat listener. */
  readonly socket?: string;
  /** The logger binary (util-linux). */
  readonly loggerPath?: string;
  /** Wait this long before respawning a logger that exited. */
  readonly respawnMs?: number;
}

/** Lines queued to a stuck logger beyond this are dropped: logging must never block heartbeats. */
const MAX_BACKLOG_BYTES = 256 * 1024;

/**
 * syslog through one long-lived `logger --prio-prefix` child (Node has no unix datagram sockets).
 * Each line carries its own <PRI>, so facility and severity are per line. If logger exits it is
 * respawned after respawnMs; lines logged while it is down are dropped, never queued.
 */
export class SyslogTransport implements LogSink {
  readonly level = 'debug';
  private child: ChildProcess | null = null;
  private stopped = false;
  private respawnTimer: NodeJS.Timeout | null = null;
  dropped = 0;

  constructor(private readonly opts: SyslogOptions) {
    priority(opts.facility, 'info'); // throws RangeError early on a bad facility name
    this.startChild();
  }

  private startChild(): void {
    const args = ['--prio-prefix', '-t', this.opts.tag];
    if (this.opts.socket) args.push('-u', this.opts.socket);
    const child = spawn(this.opts.loggerPath ?? 'logger', args, { stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin?.on('error', () => undefined); // EPIPE when logger died: handled by 'exit'
    child.on('error', () => this.childGone(child)); // ENOENT: no logger binary
    child.on('exit', () => this.childGone(child));
    child.unref();
    this.child = child;
  }

  private childGone(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopped || this.respawnTimer) return;
    this.respawnTimer = setTimeout(() => {
      this.respawnTimer = null;
      if (!this.stopped) this.startChild();
    }, this.opts.respawnMs ?? 1000);
    this.respawnTimer.unref();
  }

  /** pid of the current logger child, or null while it is down (tests kill it to check respawn). */
  loggerPid(): number | null {
    return this.child?.pid ?? null;
  }

  log(info: LogInfo): void {
    const p = info.parts;
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable || stdin.writableLength > MAX_BACKLOG_BYTES) {
      this.dropped++;
    } else {
      // One line per message: a newline inside would become a second syslog record without <PRI>.
      const body = syslogBody(p.pid, p.level, p.message.replace(/\n/g, ' '));
      stdin.write(`<${priority(this.opts.facility, p.level)}>${body}\n`);
    }
  }

  /** End logger's input so it flushes and exits; resolves when it has (or after timeoutMs). */
  async shutdown(timeoutMs = 2000): Promise<void> {
    this.stopped = true;
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref();
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.stdin?.end();
    });
  }
}
