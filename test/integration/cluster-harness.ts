// In-process cluster for integration tests: N runtimes over one MemoryBus, real timers, and a real
// resource.d script (test/fixtures/resources/fake-resource) writing state files per node.
import { copyFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterConfig, HaCf } from '../../src/config/types.js';
import { MemoryBus, MemoryMedium } from '../../src/media/memory.js';
import { MemoryLog } from '../../src/log/types.js';
import { Runtime } from '../../src/control/runtime.js';
import { controlHandler } from '../../src/control/runtime-view.js';
import type { ControlReply } from '../../src/control/control-socket.js';

const FAKE = resolve('test/fixtures/resources/fake-resource');

export interface HarnessOptions {
  readonly nodes?: readonly string[];
  readonly autoFailback?: 'on' | 'off';
  readonly keepaliveMs?: number;
  readonly deadtimeMs?: number;
}

export class TestNode {
  rt!: Runtime;
  log = new MemoryLog();
  constructor(
    readonly name: string,
    readonly dir: string,
    readonly fakeDir: string,
    private readonly make: (n: TestNode) => Runtime,
  ) {}
  async start(): Promise<void> {
    this.log = new MemoryLog();
    this.rt = this.make(this);
    await this.rt.start();
  }
  /** The group's resource is running here (the fake script's state file). */
  holds(): boolean {
    return existsSync(join(this.fakeDir, 'running-vip'));
  }
  control(cmd: string, ...args: string[]): Promise<ControlReply> {
    return Promise.resolve(controlHandler(this.rt)({ cmd, args }));
  }
  text(): string {
    return this.log.text().join('\n');
  }
}

export class Cluster {
  readonly bus = new MemoryBus();
  readonly nodes: TestNode[] = [];
  /** Nodes cut off the bus (their packets and packets to them are dropped). */
  readonly cut = new Set<string>();
  readonly root: string;

  constructor(readonly opts: HarnessOptions = {}) {
    this.root = mkdtempSync(join(tmpdir(), 'hbts-cluster-'));
    const names = opts.nodes ?? ['node1', 'node2'];
    this.bus.filter = (_b, from, to) => !this.cut.has(from) && !this.cut.has(to);
    for (const name of names) {
      const dir = join(this.root, name);
      const fakeDir = join(dir, 'fake');
      mkdirSync(join(dir, 'resource.d'), { recursive: true });
      mkdirSync(fakeDir, { recursive: true });
      copyFileSync(FAKE, join(dir, 'resource.d', 'fake'));
      chmodSync(join(dir, 'resource.d', 'fake'), 0o755);
      const config = this.config(name, names, dir);
      this.nodes.push(
        new TestNode(name, dir, fakeDir, (n) => {
          const medium = new MemoryMedium(this.bus, { address: name, linkName: 'mem0' }, { log: n.log });
          return new Runtime({
            config,
            log: n.log,
            stateDir: join(dir, 'state'),
            media: [medium],
            initDir: join(dir, 'init.d'),
            scriptEnvExtra: { FAKE_DIR: fakeDir },
            stopTimeoutMs: 5000,
            startTimeoutMs: 5000,
            planTuning: { rscrcvdDelayMs: 1000, standbyReplyTimeoutMs: 2000 },
            probe: async () => false,
          });
        }),
      );
    }
  }

  node(name: string): TestNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(name);
    return n;
  }

  private config(thisNode: string, nodes: readonly string[], dir: string): ClusterConfig {
    const o = this.opts;
    const haCf: HaCf = {
      file: join(dir, 'ha.cf'),
      keepaliveMs: o.keepaliveMs ?? 100,
      deadtimeMs: o.deadtimeMs ?? 500,
      warntimeMs: 300,
      initdeadMs: 1000,
      deadpingMs: 1000,
      udpport: 694,
      nodes,
      media: [],
      pingNodes: [],
      pingGroups: [],
      respawn: [],
      autoFailback: o.autoFailback ?? 'on',
      logfile: null,
      debugfile: null,
      logfacility: null,
      debug: 0,
      autojoin: 'none',
      hopfudge: 1,
      msgfmt: 'netstring',
      directives: [],
    };
    const nodeLinks = nodes.map(() => 'mem0');
    void nodeLinks;
    return {
      dir,
      thisNode,
      haCf,
      groups: [{ node: nodes[0] ?? 'node1', resources: [{ spec: 'fake::vip', name: 'fake', args: ['vip'] }], where: { file: 'haresources', line: 1 } }],
      authkeys: { file: 'authkeys', activeIndex: 1, keys: new Map([[1, { method: 'sha1' as const, key: 'test-key' }]]) },
    };
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.start()));
  }

  holders(): string[] {
    return this.nodes.filter((n) => n.holds()).map((n) => n.name);
  }

  async stopAll(): Promise<void> {
    for (const n of this.nodes) if (n.rt && n.rt.state !== 'stopped') await n.rt.crash();
    rmSync(this.root, { recursive: true, force: true });
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls cond every 20 ms; also calls check() each time (invariants such as "never two holders"). */
export async function waitFor(cond: () => boolean, timeoutMs: number, check?: () => void): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    check?.();
    if (cond()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(20);
  }
}
