// The demo for an ordinary user (no root, no namespaces): two heartbeat-ts node runtimes in this
// process, talking real UDP over loopback (ucast from 127.0.0.2 and 127.0.0.3 on a free high port),
// with the real ha.cf/haresources/authkeys loader and the real resource.d/httpd script. The "VIP" is
// 127.0.0.10:PORT: whichever node holds the group runs a small page server bound there (Linux routes
// all of 127/8 to lo, so no address needs adding). The live ha-log lines of both nodes show the
// membership and each takeover; a client polls the page every 50 ms.
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, formatIssue } from '../../src/config/load.js';
import { Runtime } from '../../src/control/runtime.js';
import { UcastMedium } from '../../src/media/ucast.js';
import { LEVEL_WORD, type Level, type Log } from '../../src/log/types.js';
import { LiveLine, liveText, measure, summaryTable, type Req, type StepResult } from './view.js';

const REPO = resolve('.');
const VIP_HOST = '127.0.0.10';
const ADDR: Record<string, string> = { node1: '127.0.0.2', node2: '127.0.0.3' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const say = (s: string): void => void process.stdout.write(`${s}\n`);

/** Lines worth seeing live: membership and resource moves, in Heartbeat's words. */
const SHOW =
  /Link .* (up|dead)|Status update for node|is dead|Local status now|Resources being acquired|Taking over|takeover complete|Acquiring resource group|Releasing resource group|Received shutdown notice|shutdown complete|wants to go standby|Initial resource acquisition complete|found (partly )?running|Heartbeat restart on node|Late heartbeat/;

async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const p = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    return p;
  }
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, VIP_HOST, () => r()));
  const p = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return p;
}

/** A Log that appends to the node's ha-log and echoes the interesting lines live. */
class DemoLog implements Log {
  constructor(
    private readonly node: string,
    private readonly file: string,
    private readonly t0: number,
    private readonly echo: (s: string) => void,
  ) {}
  log(level: Level, message: string): void {
    const t = ((Date.now() - this.t0) / 1000).toFixed(1).padStart(5);
    const text = `${LEVEL_WORD[level]}: ${message}`;
    try {
      writeFileSync(this.file, `${new Date().toISOString()} ${this.node} heartbeat: ${text}\n`, { flag: 'a' });
    } catch {
      /* demo dir gone */
    }
    if (SHOW.test(message) && !message.includes('status ping')) this.echo(`   t=${t}s ${this.node.padEnd(5)} ${text}`);
  }
}

interface DemoNode {
  name: string;
  dir: string;
  rt: Runtime | null;
  start(): Promise<void>;
  crash(): Promise<void>;
  stop(): Promise<void>;
}

export async function runLoopbackDemo(): Promise<number> {
  const t0 = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'hbts-demo-'));
  const udpport = await freePort('udp');
  const webport = await freePort('tcp');
  const url = `http://${VIP_HOST}:${webport}/`;
  const line = new LiveLine();
  const records: Req[] = [];
  let polling = true;
  const nodes: DemoNode[] = [];
  const cleanup = (): void => {
    polling = false;
    for (const n of nodes) killServer(n.dir);
    rmSync(root, { recursive: true, force: true });
  };
  const onSigint = (): void => {
    line.done();
    say('\n   interrupted: stopping the page servers and removing the demo directory ...');
    cleanup();
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const echo = (s: string): void => {
    line.done();
    say(s);
  };
  say('== heartbeat-ts loopback demo: two nodes in one process, real UDP heartbeats on 127.0.0.2/.3 ==');
  say(`   udpport ${udpport}; keepalive 200ms, deadtime 1500ms, initdead 3s, auto_failback on`);
  say(`   haresources: node1 httpd   (the page server binds ${VIP_HOST}:${webport}, our stand-in for the VIP)`);
  say(`   a client asks ${url} every 50 ms; ha-log lines of both nodes appear as they are written\n`);
  try {
    for (const name of ['node1', 'node2']) nodes.push(makeNode(name, root, udpport, webport, t0, echo));
    const [n1, n2] = nodes as [DemoNode, DemoNode];
    void poll(url, records, () => polling);
    const live = setInterval(() => {
      const last = records.at(-1);
      line.update(liveText(records, t0, Date.now()), last ? (last.ok ? (last.node ?? '?') : 'FAILED') : 'none');
    }, 250);
    const results: StepResult[] = [];
    const waitServed = async (node: string, since: number, ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (!records.some((r) => r.t >= since && r.ok && r.node === node)) {
        if (Date.now() > end) throw new Error(`${node} did not serve ${url} within ${ms} ms`);
        await sleep(50);
      }
    };
    const step = (s: string): void => echo(`\n-- ${s}`);
    const note = (r: StepResult): void => {
      results.push(r);
      echo(`   => ${r.to} serving ${((r.takeoverMs ?? NaN) / 1000).toFixed(2)} s after the action; ${r.failed} failed request(s)`);
    };
    try {
      step('1. start node1 and node2');
      let since = Date.now();
      await Promise.all([n1.start(), n2.start()]);
      await waitServed('node1', since, 40_000);
      echo(`   => node1 serves, ${((Date.now() - since) / 1000).toFixed(1)} s after start`);
      // A node gets deadtime + 2 s in its first 5 s (Heartbeat does too): crash after that.
      await sleep(Math.max(2000, since + 6000 - Date.now()));

      step('2. CRASH node1 (its runtime stops dead, its page server is killed: no goodbye to node2)');
      since = Date.now();
      await n1.crash();
      await waitServed('node2', since, 15_000);
      note(measure(records, 'crash', 'node1', 'node2', since));
      await sleep(2500);

      step('3. start node1 again (auto_failback on)');
      since = Date.now();
      await n1.start();
      await waitServed('node1', since, 30_000);
      note(measure(records, 'restart, failback', 'node2', 'node1', since));
      await sleep(2000);

      step('4. graceful stop of node1 (as `heartbeat stop` does: release, then tell node2)');
      since = Date.now();
      await n1.stop();
      await waitServed('node2', since, 15_000);
      note(measure(records, 'graceful stop', 'node1', 'node2', since));
      await sleep(1500);
      await n2.stop();
    } finally {
      clearInterval(live);
      line.done();
    }
    say('\n== summary (what the client saw) ==');
    say(summaryTable(results));
    say('\n   For the real thing (a VIP on eth0 moving between two network namespaces, kill -9 of the');
    say('   daemon process, a real client): run this demo as root, after `bash test/install-system-packages.sh`.');
    return 0;
  } finally {
    for (const n of nodes) if (n.rt && n.rt.state !== 'stopped') await n.rt.crash();
    cleanup();
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
    say(`   done in ${((Date.now() - t0) / 1000).toFixed(0)} s; demo directory removed.`);
  }
}

function makeNode(name: string, root: string, udpport: number, webport: number, t0: number, echo: (s: string) => void): DemoNode {
  const dir = join(root, name);
  const etc = join(dir, 'etc-ha.d');
  const www = join(dir, 'www');
  for (const d of [join(etc, 'resource.d'), join(dir, 'state'), join(dir, 'init.d'), www]) mkdirSync(d, { recursive: true });
  copyFileSync(join(REPO, 'resource.d', 'httpd'), join(etc, 'resource.d', 'httpd'));
  chmodSync(join(etc, 'resource.d', 'httpd'), 0o755);
  writeFileSync(join(www, 'index.html'), `${name}\n`);
  const peer = name === 'node1' ? 'node2' : 'node1';
  writeFileSync(
    join(etc, 'ha.cf'),
    [
      `logfile ${join(dir, 'ha-log')}`, 'logfacility none', 'keepalive 200ms', 'warntime 800ms', 'deadtime 1500ms',
      'initdead 3', `udpport ${udpport}`, `ucast lo ${ADDR[peer]}`, 'auto_failback on', 'node node1', 'node node2', '',
    ].join('\n'),
  );
  writeFileSync(join(etc, 'haresources'), 'node1 httpd\n');
  writeFileSync(join(etc, 'authkeys'), 'auth 1\n1 sha1 demo-secret\n', { mode: 0o600 });
  const loaded = loadConfig({ dir: etc, nodeName: name, initDir: join(dir, 'init.d') });
  if (!loaded.config) throw new Error(`demo config for ${name}: ${loaded.issues.map(formatIssue).join('; ')}`);
  const config = loaded.config;
  const log = new DemoLog(name, join(dir, 'ha-log'), t0, echo);
  const n: DemoNode = {
    name,
    dir,
    rt: null,
    async start() {
      // Our own address on "lo" is injected: both runtimes share one host's loopback.
      const me = ADDR[name] ?? '127.0.0.1';
      const medium = new UcastMedium(
        { iface: 'lo', peer: ADDR[peer] ?? '', port: udpport },
        { log, interfaces: () => ({ lo: [{ address: me, netmask: '255.0.0.0', family: 'IPv4' }] }) },
      );
      n.rt = new Runtime({
        config,
        log,
        stateDir: join(dir, 'state'),
        media: [medium],
        initDir: join(dir, 'init.d'),
        probe: async () => false,
        garp: () => undefined,
        scriptEnvExtra: {
          HTTPD_DOCROOT: www,
          HTTPD_PORT: String(webport),
          HTTPD_PIDFILE: join(dir, 'state', 'httpd.pid'),
          HTTPD_CMD: `${process.execPath} ${join(REPO, 'test', 'demo', 'page-server.mjs')} ${VIP_HOST} ${webport} ${www}`,
        },
      });
      await n.rt.start();
    },
    async crash() {
      await n.rt?.crash();
      killServer(dir);
    },
    async stop() {
      if (!n.rt || n.rt.state === 'stopped') return;
      n.rt.push({ kind: 'shutdown' });
      await n.rt.done;
    },
  };
  return n;
}

/** SIGKILL the node's page server (recorded by resource.d/httpd), as a crash of the machine would. */
function killServer(dir: string): void {
  try {
    process.kill(Number(readFileSync(join(dir, 'state', 'httpd.pid'), 'utf8').trim()), 'SIGKILL');
  } catch {
    /* not running */
  }
}

/** GET url every 50 ms (new connection each time); the body names the node that served. */
async function poll(url: string, out: Req[], going: () => boolean): Promise<void> {
  while (going()) {
    const t = Date.now();
    const r = await new Promise<Req>((res) => {
      const req = get(url, { agent: false, timeout: 300 }, (m) => {
        let body = '';
        m.setEncoding('utf8');
        m.on('data', (c: string) => (body += c));
        m.on('end', () => res({ t, ok: m.statusCode === 200, node: body.trim() || null }));
        m.on('error', () => res({ t, ok: false, node: null }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => res({ t, ok: false, node: null }));
    });
    out.push(r);
    await sleep(Math.max(0, t + 50 - Date.now()));
  }
}
