// heartbeat-ts (this repo) as a bench contender, through the lab's OurHeartbeat runner
// (test/lab/ours.ts), running the compiled daemon (`node dist/cli/heartbeat.js ... start
// --foreground` in the node) as operators install it: no tsx, no esbuild service.
// Same ha.cf / haresources / labweb resource as the real Heartbeat gets, so only the daemon differs.
import { existsSync, readFileSync } from 'node:fs';
import type { Lab } from '../test/lab/lab.js';
import { OurHeartbeat, ensureCompiled } from '../test/lab/ours.js';
import { labWebScript } from '../test/lab/real-heartbeat.js';
import { askDaemon } from '../src/cli/ctl-client.js';
import type { MemoryView } from '../src/control/memory.js';
import { daemonPidsIn, waitFor, type ConfigureOptions, type Contender, type DaemonMemory, type Timers } from './contender.js';
import { AUTHKEYS, benchHaCf, benchHaresources } from './heartbeat3.js';

let loadError: string | null = null;

/** Compiles the daemon once; call before unavailable(). */
export async function loadOurRunner(): Promise<void> {
  try {
    ensureCompiled();
  } catch (e) {
    loadError = `cannot compile heartbeat-ts: ${(e as Error).message.split('\n')[0]}`;
  }
}

export class Ours implements Contender {
  readonly name = 'heartbeat-ts';
  private lab: Lab | null = null;
  private timers: Timers | null = null;
  private runners = new Map<string, OurHeartbeat>();

  unavailable(): string | null {
    return loadError;
  }

  configure(lab: Lab, timers: Timers, opts: ConfigureOptions): void {
    this.lab = lab;
    this.timers = timers;
    const members = opts.nodes ?? lab.nodes.map((n) => n.name);
    this.runners.clear();
    for (const m of members) {
      this.runners.set(m, new OurHeartbeat(lab, m, {
        haCf: benchHaCf(lab, m, timers, opts, members),
        haresources: benchHaresources(lab, opts, members),
        authkeys: AUTHKEYS,
        resourceScripts: { labweb: labWebScript(lab.node(m)) },
      }, true));
    }
  }

  private runner(node: string): OurHeartbeat {
    const r = this.runners.get(node);
    if (!r) throw new Error(`heartbeat-ts: ${node} not configured`);
    return r;
  }

  async start(node: string): Promise<void> {
    await this.runner(node).start(30_000);
  }

  private pid(node: string): number {
    const f = this.runner(node).pidfile;
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : 0;
  }

  async stop(node: string): Promise<void> {
    // SIGTERM is what `heartbeat stop` sends (as Heartbeat's -k does); signalling directly keeps a
    // second tsx start-up (~1 s) out of the switchover time.
    const pid = this.pid(node);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    if (!(await waitFor(() => this.processes(node).length === 0, 30_000))) this.kill(node);
  }

  kill(node: string): void {
    const lab = this.lab!;
    this.runner(node).kill9();
    for (let i = 0; i < 5 && lab.pidsIn(node).length > 0; i++) lab.kill9(node);
    lab.dropExtraAddresses(node, 'eth0');
  }

  /** Everything in the node but the web server: the node process and tsx's esbuild service too. */
  processes(node: string): number[] {
    return daemonPidsIn(this.lab!, node);
  }

  log(node: string): string {
    return this.runner(node).log();
  }

  standby(node: string, which: 'all' | 'failback'): void {
    this.runner(node).cmd('hb_standby', which);
  }

  takeover(node: string, which: 'all' | 'failback'): void {
    this.runner(node).cmd('hb_takeover', which);
  }

  /** Straight to the control socket (a file the bench can reach): no command process per sample. */
  async memory(node: string, gc: boolean): Promise<DaemonMemory | null> {
    const a = await askDaemon(this.runner(node).ctlSocket, { cmd: 'memory', args: gc ? ['gc'] : [] }, 5000);
    if (a.kind !== 'reply' || a.reply.code !== 0) return null;
    const m = a.reply.data as MemoryView;
    const { peers, ...flat } = m.tables;
    const tables: Record<string, number> = { ...flat, links: 0, missing: 0 };
    for (const p of peers) {
      tables['links'] = (tables['links'] ?? 0) + p.links;
      tables['missing'] = (tables['missing'] ?? 0) + p.missing;
    }
    return { rssBytes: m.rssBytes, heapUsedBytes: m.heapUsedBytes, heapTotalBytes: m.heapTotalBytes, externalBytes: m.externalBytes, afterGc: m.afterGc, tables };
  }

  detectionMs(t: Timers): number {
    return (this.timers ?? t).deadtimeMs;
  }
}
