// Runs OUR daemon in a lab node, through the real command line:
//   ip netns exec NS node --import tsx src/cli/heartbeat.ts -c ETC -n NODE --state-dir ... start --foreground
// plus the node's commands (heartbeat stop/status, cl_status, hb_standby, hb_takeover) the same way.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Lab, LabNode, NodeFiles } from './lab.js';

const REPO = resolve('.');

/**
 * Builds dist/ with `npm run build` (one bundle per command, as production runs it: no tsx, no
 * esbuild service) once per process. Benchmarks use it to measure what operators install.
 */
let compiled = false;
/**
 * HB_TS_DIST=DIR: run DIR/cli/*.js, built by the caller, and do not rebuild dist/ (a bench run
 * beside others' lab runs must not replace the bundle their daemons start from).
 */
const OWN_DIST = process.env['HB_TS_DIST'];
export function ensureCompiled(): void {
  if (compiled || OWN_DIST) return;
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed: ${r.stdout}${r.stderr}`);
  compiled = true;
}

/** How to run one of our bins: through tsx from src/, or compiled from dist/. */
function binArgs(bin: string, useDist: boolean): string[] {
  return useDist ? [join(OWN_DIST ?? join(REPO, 'dist'), 'cli', `${bin}.js`)] : ['--import', 'tsx', `src/cli/${bin}.ts`];
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface OurHaCfOptions {
  readonly keepalive?: string;
  readonly warntime?: string;
  readonly deadtime?: string;
  readonly initdead?: string;
  readonly autoFailback?: 'on' | 'off';
  readonly media?: readonly string[];
  readonly ping?: string | null;
  readonly extra?: readonly string[];
}

/** ha.cf for our daemon in the lab: ucast eth1 + bcast eth0, sub-second timers. */
export function ourHaCf(lab: Lab, nodeName: string, o: OurHaCfOptions = {}): string {
  const me = lab.node(nodeName);
  const media = o.media ?? [...lab.nodes.filter((x) => x !== me).map((x) => `ucast eth1 ${x.eth1}`), 'bcast eth0'];
  const ping = o.ping === undefined ? '192.0.2.254' : o.ping;
  return [
    `logfile ${me.logFile}`,
    'logfacility none',
    `keepalive ${o.keepalive ?? '200ms'}`,
    `warntime ${o.warntime ?? '800ms'}`,
    `deadtime ${o.deadtime ?? '1500ms'}`,
    `initdead ${o.initdead ?? '3'}`,
    'udpport 694',
    ...media,
    `auto_failback ${o.autoFailback ?? 'on'}`,
    ...lab.nodes.map((x) => `node ${x.hostname}`),
    ...(ping ? [`ping ${ping}`] : []),
    ...(o.extra ?? []),
    '',
  ].join('\n');
}

/** authkeys text for lab daemons. */
export const labAuthkeys = (key: string): string => `auth 1\n1 sha1 ${key}\n`;

/**
 * One of our daemons per lab node, all configured for the lab's VIP group
 * `node1 IPaddr::VIP/24/eth0 httpd`: the cluster most lab tests and the demo run.
 */
export function vipCluster(
  lab: Lab,
  o: { haCf?: (node: LabNode) => string; authkeys?: string | ((index: number) => string); useDist?: boolean } = {},
): OurHeartbeat[] {
  return lab.nodes.map(
    (n, i) =>
      new OurHeartbeat(lab, n.name, {
        haCf: o.haCf ? o.haCf(n) : ourHaCf(lab, n.name),
        haresources: `node1 IPaddr::${lab.vip}/24/eth0 httpd\n`,
        authkeys: typeof o.authkeys === 'function' ? o.authkeys(i) : (o.authkeys ?? labAuthkeys('labTestKey')),
      }, o.useDist ?? false),
  );
}

export class OurHeartbeat {
  readonly node: LabNode;
  private child: ChildProcess | null = null;
  readonly stderrFile: string;
  readonly pidfile: string;
  readonly ctlSocket: string;
  exitCode: number | null = null;

  constructor(
    readonly lab: Lab,
    nodeName: string,
    files: NodeFiles,
    /** Run dist/ (call ensureCompiled() first) instead of the sources through tsx. */
    readonly useDist = false,
  ) {
    this.node = lab.node(nodeName);
    this.stderrFile = join(this.node.dir, 'heartbeat.stderr');
    this.pidfile = join(this.node.runDir, 'heartbeat.pid');
    this.ctlSocket = join(this.node.stateDir, 'ctl.sock');
    for (const s of ['IPaddr', 'httpd']) {
      copyFileSync(join(REPO, 'resource.d', s), join(this.node.resourceD, s));
      chmodSync(join(this.node.resourceD, s), 0o755);
    }
    lab.writeFiles(nodeName, files);
    // Processes our resources started (busybox httpd) live in the namespace: end them at teardown.
    lab.onTeardown(() => this.killAll());
  }

  /** Globals every command of this node gets. */
  globals(): string[] {
    const n = this.node;
    return [
      '-c', n.etcHaD, '-n', n.name, '--state-dir', n.stateDir, '--pidfile', this.pidfile,
      '--ctl-socket', this.ctlSocket, '--init-dir', join(n.dir, 'init.d'), '--defaults-file', join(n.dir, 'no-defaults'),
    ];
  }

  env(): NodeJS.ProcessEnv {
    const n = this.node;
    return { ...process.env, HTTPD_DOCROOT: n.wwwDir, HTTPD_PIDFILE: join(n.stateDir, 'httpd.pid'), HTTPD_PORT: '80' };
  }

  /** Starts `heartbeat start --foreground` in the node and waits for the control socket. */
  async start(timeoutMs = 10_000): Promise<void> {
    // A veth just created may lack carrier for a moment, and Node's interface list leaves such an
    // interface out (the media would refuse to open): wait for carrier first.
    for (let i = 0; i < 100; i++) {
      const l = spawnSync('ip', ['-n', this.node.ns, 'link', 'show'], { encoding: 'utf8' }).stdout;
      if (!l.includes('NO-CARRIER')) break;
      await sleep(30);
    }
    const args = [...binArgs('heartbeat', this.useDist), ...this.globals(), 'start', '--foreground'];
    const child = this.lab.run.spawn(this.node.ns, process.execPath, args, { cwd: REPO, env: this.env() });
    child.stdout?.resume();
    child.stderr?.on('data', (b: Buffer) => {
      try {
        appendFileSync(this.stderrFile, b);
      } catch {
        /* lab already removed */
      }
    });
    this.exitCode = null;
    child.on('exit', (code, sig) => {
      if (this.child !== child) return; // a previous run's late exit event must not mark this one exited
      this.exitCode = code ?? (sig ? 128 : 1);
      try {
        appendFileSync(this.stderrFile, `[lab] daemon exited code=${code} signal=${sig}\n`);
      } catch {
        /* lab already removed */
      }
    });
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(this.ctlSocket) || !existsSync(this.pidfile)) {
      if (this.exitCode !== null) throw new Error(`our heartbeat on ${this.node.name} exited ${this.exitCode}: ${this.stderr()}`);
      if (Date.now() > deadline) throw new Error(`our heartbeat on ${this.node.name} did not come up: ${this.stderr()}`);
      await sleep(50);
    }
  }

  /** Runs one of our commands in the node: ['cl_status','rscstatus'], ['heartbeat','stop'], ... */
  cmd(bin: 'heartbeat' | 'cl_status' | 'hb_standby' | 'hb_takeover', ...args: string[]): { code: number; out: string; err: string } {
    const argv =
      bin === 'heartbeat' ? [...this.globals(), ...args] : [...args, '--ctl-socket', this.ctlSocket, ...(bin === 'cl_status' ? ['--pidfile', this.pidfile] : [])];
    const r = spawnSync('ip', ['netns', 'exec', this.node.ns, process.execPath, ...binArgs(bin, this.useDist), ...argv], {
      cwd: REPO,
      env: this.env(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  }

  /** Whether the VIP is configured on this node's eth0 right now. */
  hasVip(): boolean {
    const r = spawnSync('ip', ['-n', this.node.ns, '-4', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
    return r.stdout.includes(` ${this.lab.vip}/`);
  }

  log(): string {
    return existsSync(this.node.logFile) ? readFileSync(this.node.logFile, 'utf8') : '';
  }

  stderr(): string {
    return existsSync(this.stderrFile) ? readFileSync(this.stderrFile, 'utf8').slice(-3000) : '';
  }

  /** Resolves when the daemon process has exited. */
  async waitExit(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.exitCode === null) {
      if (Date.now() > deadline) throw new Error(`our heartbeat on ${this.node.name} still running after ${timeoutMs} ms`);
      await sleep(20);
    }
    return this.exitCode;
  }

  /** kill -9 of the daemon only (resources stay up, as after a crash). */
  kill9(): void {
    if (this.child?.pid && this.exitCode === null) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  private killAll(): void {
    this.kill9();
    for (const pid of this.lab.pidsIn(this.node.name)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
