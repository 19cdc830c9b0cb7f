// Our resource.d scripts, and the real Heartbeat IPaddr driven with our environment, inside network
// namespaces made by this test. Addresses: 192.0.2.0/24 (link) and 198.51.100.0/24 (real servers).
import { expect } from 'chai';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NetnsRun, isRoot } from './netns.js';
import { run } from '../../src/resources/script-runner.js';
import { scriptEnv, parseResourceWord } from '../../src/resources/resource-d.js';
import { GroupRunner } from '../../src/resources/group-runner.js';
import { MemoryLog } from '../../src/log/types.js';

const RD = resolve('resource.d');
const FIXTURES = resolve('test/fixtures/resources');
const REAL_IPADDR = '/etc/ha.d/resource.d/IPaddr';
/**
 * A script run that waits on something it should not (a reaper, its output pipes, an ARP burst)
 * takes seconds; under this bound it did not. How fast the scripts are is bench/'s to measure.
 */
const NO_WAIT_MS = 3000;

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('@lab resource scripts in network namespaces', function () {
  this.timeout(60000);
  let net: NetnsRun;
  let node: string;
  let peer: string;
  let tmp: string;
  let env: NodeJS.ProcessEnv;

  /** Runs a script inside the node namespace through our script runner and environment. */
  const inNode = (script: string, args: readonly string[], extra: NodeJS.ProcessEnv = {}) =>
    run('/usr/sbin/ip', ['netns', 'exec', node, script, ...args], { timeoutMs: 30000, env: { ...env, ...extra } });
  const nodeAddrs = (): string => net.exec(node, 'ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  const peerPing = (ip: string): boolean => {
    try {
      net.exec(peer, 'ping', ['-c', '1', '-W', '1', ip]);
      return true;
    } catch {
      return false;
    }
  };

  before(function () {
    if (!isRoot()) this.skip();
    net = new NetnsRun();
    node = net.addNs('node');
    peer = net.addNs('peer');
    net.link(node, 'eth0', '192.0.2.1/24', peer, 'eth0', '192.0.2.2/24');
    // Let the peer learn addresses from unsolicited (gratuitous) ARP.
    net.exec(peer, 'sysctl', ['-qw', 'net.ipv4.conf.eth0.arp_accept=1']);
    tmp = mkdtempSync(join(tmpdir(), 'hbts-rlab-'));
    env = scriptEnv({
      haDir: '/etc/ha.d',
      nodeName: 'alpha',
      logfile: join(tmp, 'ha-log'),
      debugfile: join(tmp, 'ha-debug'),
      logfacility: null,
    });
  });

  after(async () => {
    await net?.teardown();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('IPaddr starts, reports, announces and stops a VIP, and is idempotent both ways', async () => {
    const spec = '192.0.2.10';
    expect((await inNode(`${RD}/IPaddr`, [spec, 'status'])).stdout).to.equal('stopped\n');
    const up = await inNode(`${RD}/IPaddr`, [spec, 'start']);
    expect(up.code, up.stderr).to.equal(0);
    expect(nodeAddrs()).to.match(/inet 192\.0\.2\.10\/24 brd 192\.0\.2\.255 .* eth0:0/);
    // Gratuitous ARP: the peer learns the VIP's MAC without ever asking.
    const mac = net.exec(node, 'cat', ['/sys/class/net/eth0/address']).trim();
    const learned = await waitFor(() => net.exec(peer, 'ip', ['neigh', 'show', '192.0.2.10']).includes(mac), 5000);
    expect(learned, 'peer did not see the gratuitous ARP').to.equal(true);
    expect(peerPing('192.0.2.10')).to.equal(true);
    const st = await inNode(`${RD}/IPaddr`, [spec, 'status']);
    expect([st.stdout, st.code]).to.deep.equal(['running\n', 0]);
    const again = await inNode(`${RD}/IPaddr`, [spec, 'start']);
    expect(again.code).to.equal(0);
    expect(nodeAddrs().match(/192\.0\.2\.10\//g)).to.have.length(1);
    expect((await inNode(`${RD}/IPaddr`, [spec, 'stop'])).code).to.equal(0);
    expect(nodeAddrs()).not.to.contain('192.0.2.10/');
    expect((await inNode(`${RD}/IPaddr`, [spec, 'stop'])).code).to.equal(0);
    const gone = await inNode(`${RD}/IPaddr`, [spec, 'status']);
    expect([gone.stdout, gone.code]).to.deep.equal(['stopped\n', 3]);
  });

  it('IPaddr start returns while its gratuitous-ARP burst goes on, without holding our output pipes', async () => {
    // A 25-packet burst lasts ~5 s; a runner that waits for the pipes (drainMs 10 s here) would wait it out.
    const t0 = Date.now();
    const up = await run('/usr/sbin/ip', ['netns', 'exec', node, `${RD}/IPaddr`, '192.0.2.13', 'start'], {
      timeoutMs: 30000, drainMs: 10_000, env: { ...env, IPADDR_ARP_COUNT: '25' },
    });
    expect(up.code, up.stderr).to.equal(0);
    expect(Date.now() - t0, 'start waited for the ARP burst').to.be.below(2000);
    expect(up.stdout).to.contain('sending gratuitous ARP for 192.0.2.13');
    expect((await inNode(`${RD}/IPaddr`, ['192.0.2.13', 'stop'])).code).to.equal(0);
  });

  it('IPaddr takes the first free alias label and honours bits/iface/broadcast', async () => {
    expect((await inNode(`${RD}/IPaddr`, ['192.0.2.11/24/eth0', 'start'])).code).to.equal(0);
    expect((await inNode(`${RD}/IPaddr`, ['192.0.2.12/25/eth0/192.0.2.127', 'start'])).code).to.equal(0);
    const addrs = nodeAddrs();
    expect(addrs).to.match(/192\.0\.2\.11\/24 .*eth0:0/);
    expect(addrs).to.match(/192\.0\.2\.12\/25 brd 192\.0\.2\.127 .*eth0:1/);
    for (const s of ['192.0.2.11', '192.0.2.12']) expect((await inNode(`${RD}/IPaddr`, [s, 'stop'])).code).to.equal(0);
  });

  it('IPaddr fails clearly on a bad address or when no interface holds the subnet', async () => {
    const bad = await inNode(`${RD}/IPaddr`, ['192.0.2.300', 'start']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/invalid IP address '192\.0\.2\.300'/);
    const nowhere = await inNode(`${RD}/IPaddr`, ['203.0.113.10', 'start']);
    expect(nowhere.code).to.equal(6);
    expect(nowhere.stderr).to.match(/no interface has a subnet holding 203\.0\.113\.10/);
    const noif = await inNode(`${RD}/IPaddr`, ['192.0.2.13/24/eth9', 'start']);
    expect(noif.stderr).to.match(/interface eth9 does not exist/);
    expect(nodeAddrs()).not.to.match(/203\.0\.113|192\.0\.2\.13/);
  });

  it('runs the REAL Heartbeat IPaddr unmodified with our environment', async function () {
    if (!existsSync(REAL_IPADDR)) this.skip();
    const spec = '192.0.2.20/24/eth0';
    // The real script keeps alias locks and send_arp pid files in HA_RSCTMP; keep this run's private.
    const rsc = { HA_RSCTMP: join(tmp, 'rsctmp') };
    net.exec(node, 'mkdir', ['-p', rsc.HA_RSCTMP]);
    const real = (op: string) => inNode(REAL_IPADDR, [spec, op], rsc);
    const up = await real('start');
    expect(up.code, `${up.stdout}${up.stderr}`).to.equal(0);
    expect(up.stdout).to.contain('INFO:  Success');
    expect(nodeAddrs(), nodeAddrs()).to.match(/192\.0\.2\.20\/24 .*eth0:0/);
    expect(readFileSync(join(tmp, 'ha-log'), 'utf8')).to.contain('eval ifconfig eth0:0 192.0.2.20 netmask 255.255.255.0 broadcast 192.0.2.255');
    expect(peerPing('192.0.2.20')).to.equal(true);
    const st = await real('status');
    expect(st.stdout).to.match(/[Rr]unning/);
    expect(st.stdout).to.contain('INFO:  Running OK');
    // Its ha_log lines went to our HA_LOGFILE in Heartbeat's shell format.
    expect(readFileSync(join(tmp, 'ha-log'), 'utf8')).to.match(/^\d{4}\/\d\d\/\d\d_\d\d:\d\d:\d\d  IPaddr\(IPaddr_192\.0\.2\.20\)\[\d+\]:    INFO: /m);
    const down = await real('stop');
    expect(down.code, `${down.stdout}${down.stderr}`).to.equal(0);
    expect(nodeAddrs()).not.to.contain('192.0.2.20/');
    const gone = await real('status');
    expect(gone.stdout).to.contain('Resource is stopped');
  });

  it('httpd serves a page over the VIP to the peer namespace', async () => {
    const docroot = join(tmp, 'www');
    rmSync(docroot, { recursive: true, force: true });
    net.exec(node, 'mkdir', ['-p', docroot]);
    writeFileSync(join(docroot, 'index.html'), 'hello from the VIP\n');
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const cfg = { HTTPD_PORT: port, HTTPD_DOCROOT: docroot, HTTPD_PIDFILE: join(tmp, 'httpd.pid') };
    expect((await inNode(`${RD}/IPaddr`, ['192.0.2.30', 'start'])).code).to.equal(0);
    try {
      const up = await inNode(`${RD}/httpd`, ['start'], cfg);
      expect(up.code, up.stderr).to.equal(0);
      const st = await inNode(`${RD}/httpd`, ['status'], cfg);
      expect(st.code).to.equal(0);
      expect(st.stdout).to.match(/httpd is running \(pid \d+\)/);
      // Node's own http client inside the peer namespace (busybox wget segfaults on this host).
      const get = `require('http').get(process.argv[1], (r) => r.pipe(process.stdout)).setTimeout(3000, () => process.exit(2))`;
      const page = net.exec(peer, process.execPath, ['-e', get, `http://192.0.2.30:${port}/index.html`]);
      expect(page).to.equal('hello from the VIP\n');
      expect((await inNode(`${RD}/httpd`, ['start'], cfg)).stdout).to.match(/already running/);
    } finally {
      const down = await inNode(`${RD}/httpd`, ['stop'], cfg);
      expect(down.code).to.equal(0);
      await inNode(`${RD}/IPaddr`, ['192.0.2.30', 'stop']);
    }
    const st = await inNode(`${RD}/httpd`, ['status'], cfg);
    expect([st.stdout, st.code]).to.deep.equal(['httpd is not running\n', 3]);
  });

  it('httpd starts and stops without waiting on anything (polls, no fixed sleeps), and refuses a port in use', async () => {
    const docroot = join(tmp, 'www-fast');
    net.exec(node, 'mkdir', ['-p', docroot]);
    writeFileSync(join(docroot, 'index.html'), 'fast\n');
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const cfg = { HTTPD_PORT: port, HTTPD_DOCROOT: docroot, HTTPD_PIDFILE: join(tmp, 'httpd-fast.pid') };
    const other = { ...cfg, HTTPD_PIDFILE: join(tmp, 'httpd-other.pid') };
    try {
      for (let i = 0; i < 3; i++) {
        const up = await inNode(`${RD}/httpd`, ['start'], cfg);
        expect(up.code, up.stderr).to.equal(0);
        // Start returns once the server listens: a request right after it must be answered.
        const get = `require('http').get(process.argv[1], (r) => r.pipe(process.stdout)).setTimeout(3000, () => process.exit(2))`;
        expect(net.exec(node, process.execPath, ['-e', get, `http://127.0.0.1:${port}/index.html`])).to.equal('fast\n');
        // The stop after a start by an earlier (now exited) script: the server is an orphan whose
        // zombie a slow init may keep around; stop must not wait for the reaper.
        const down = await inNode(`${RD}/httpd`, ['stop'], cfg);
        expect(down.code, down.stderr).to.equal(0);
        expect(up.durationMs, 'start').to.be.below(NO_WAIT_MS);
        expect(down.durationMs, 'stop').to.be.below(NO_WAIT_MS);
      }
      expect((await inNode(`${RD}/httpd`, ['start'], cfg)).code).to.equal(0);
      const clash = await inNode(`${RD}/httpd`, ['start'], other);
      expect(clash.code).to.equal(1);
      expect(clash.stderr).to.match(/port \d+ is already in use/);
      expect(existsSync(other.HTTPD_PIDFILE)).to.equal(false);
    } finally {
      expect((await inNode(`${RD}/httpd`, ['stop'], cfg)).code).to.equal(0);
    }
  });

  it('IPaddr start, status and stop each return without waiting on anything', async () => {
    for (const op of ['start', 'status', 'stop', 'stop', 'status']) {
      const r = await inNode(`${RD}/IPaddr`, ['192.0.2.31/24/eth0', op]);
      expect(r.code, `${op}: ${r.stderr}`).to.equal(op === 'status' && r.stdout === 'stopped\n' ? 3 : 0);
      expect(r.durationMs, op).to.be.below(NO_WAIT_MS);
    }
    expect(nodeAddrs()).not.to.contain('192.0.2.31');
  });

  it('a group runner acquires and releases a real IPaddr + httpd group inside the namespace', async () => {
    const docroot = join(tmp, 'www2');
    net.exec(node, 'mkdir', ['-p', docroot]);
    writeFileSync(join(docroot, 'index.html'), 'group page\n');
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const log = new MemoryLog();
    const groupEnv = { ...env, HTTPD_PORT: port, HTTPD_DOCROOT: docroot, HTTPD_PIDFILE: join(tmp, 'g-httpd.pid'), HA_RSCTMP: join(tmp, 'rsctmp') };
    net.exec(node, 'mkdir', ['-p', groupEnv.HA_RSCTMP]);
    const runner = new GroupRunner({
      log,
      // resource.d = the real Heartbeat's for IPaddr; httpd comes from ours as the "init directory".
      dirs: { haDir: '/etc/ha.d', initDir: RD },
      env: groupEnv,
      stopRetries: 1,
      stopRetryIntervalMs: 10,
      // Every script runs inside the node namespace.
      run: (path, args, opts) => run('/usr/sbin/ip', ['netns', 'exec', node, path, ...args], opts),
    });
    const g = { node: 'alpha', resources: ['IPaddr::192.0.2.40/24/eth0', 'httpd'].map(parseResourceWord), where: { file: 'haresources', line: 1 } };
    const up = await runner.start(g);
    try {
      expect(up.ok, JSON.stringify(up.failure)).to.equal(true);
      expect(log.text().filter((l) => !l.startsWith('debug: '))).to.deep.equal([
        'info: Acquiring resource group: alpha IPaddr::192.0.2.40/24/eth0 httpd',
        'info: Running /etc/ha.d/resource.d/IPaddr 192.0.2.40/24/eth0 start',
        `info: Running ${RD}/httpd  start`,
      ]);
      expect(await runner.status(g)).to.equal('ALL');
      const get = `require('http').get(process.argv[1], (r) => r.pipe(process.stdout)).setTimeout(3000, () => process.exit(2))`;
      expect(net.exec(peer, process.execPath, ['-e', get, `http://192.0.2.40:${port}/`])).to.equal('group page\n');
    } finally {
      const down = await runner.stop(g);
      expect(down.ok, JSON.stringify(down.failure)).to.equal(true);
    }
    expect(await runner.status(g)).to.equal('NONE');
    expect(nodeAddrs()).not.to.contain('192.0.2.40/');
  });

  describe('myop.sh (LVS front end) with a recording ipvsadm stand-in', () => {
    let log: string;
    let table: string;
    let extra: NodeJS.ProcessEnv;
    beforeEach(() => {
      log = join(tmp, 'ipvsadm.log');
      table = join(tmp, 'ipvs.table');
      rmSync(log, { force: true });
      rmSync(table, { force: true });
      const conf = join(tmp, 'myop.conf');
      writeFileSync(
        conf,
        [
          'export VIP=192.0.2.100',
          'export NETMASK=24',
          'export BROADCAST=192.0.2.255',
          'export IFACE=eth0',
          'export PROTO=tcp',
          'export VPORT=80',
          'export SCHED=wlc',
          'export REALSERVERS="198.51.100.11:80:2:g 198.51.100.12:8080:1:m"',
          '',
        ].join('\n'),
      );
      extra = { PATH: `${FIXTURES}:${env.PATH}`, IPVS_LOG: log, IPVS_TABLE: table, MYOP_CONF: conf };
    });
    const calls = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

    it('adds the VIP and the virtual service with exact ipvsadm calls, and removes both on stop', async () => {
      const up = await inNode(`${RD}/myop.sh`, ['start'], extra);
      expect(up.code, up.stderr).to.equal(0);
      expect(calls()).to.deep.equal([
        '-L -n',
        '-L -n -t 192.0.2.100:80',
        '-A -t 192.0.2.100:80 -s wlc',
        '-a -t 192.0.2.100:80 -r 198.51.100.11:80 -g -w 2',
        '-a -t 192.0.2.100:80 -r 198.51.100.12:8080 -m -w 1',
      ]);
      expect(nodeAddrs()).to.contain('192.0.2.100/24');
      const st = await inNode(`${RD}/myop.sh`, ['status'], extra);
      expect([st.stdout, st.code]).to.deep.equal(['myop is running\n', 0]);
      rmSync(log);
      const down = await inNode(`${RD}/myop.sh`, ['stop'], extra);
      expect(down.code, down.stderr).to.equal(0);
      expect(calls()).to.deep.equal(['-L -n', '-L -n -t 192.0.2.100:80', '-D -t 192.0.2.100:80']);
      expect(nodeAddrs()).not.to.contain('192.0.2.100/');
      expect(readFileSync(table, 'utf8')).to.equal('');
      const after = await inNode(`${RD}/myop.sh`, ['status'], extra);
      expect([after.stdout, after.code]).to.deep.equal(['myop is not running\n', 3]);
    });

    it('fails cleanly without IPVS: clear message, no VIP, no ipvsadm changes', async () => {
      const r = await inNode(`${RD}/myop.sh`, ['start'], { ...extra, IPVS_ABSENT: '1' });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/IPVS is not available on this kernel .*Protocol not available.*nothing changed/);
      expect(calls()).to.deep.equal(['-L -n']);
      expect(nodeAddrs()).not.to.contain('192.0.2.100/');
    });

    it('undoes the service and the VIP when a real server cannot be added', async () => {
      writeFileSync(join(tmp, 'myop.conf'), readFileSync(join(tmp, 'myop.conf'), 'utf8').replace(':1:m"', ':1:x"'));
      const r = await inNode(`${RD}/myop.sh`, ['start'], extra);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.match(/bad forwarding method 'x'/);
      expect(calls().at(-1)).to.equal('-D -t 192.0.2.100:80');
      expect(nodeAddrs()).not.to.contain('192.0.2.100/');
    });

    it("runs the LVS how-to's setup: its conf keys (dotted netmask, broadcast), four wrr services in tunnel mode, one conf per haresources argument", async () => {
      // myop.sh::web reads myop.web.conf beside the script: a copy of the script in tmp finds it there.
      const script = join(tmp, 'myop.sh');
      copyFileSync(`${RD}/myop.sh`, script);
      chmodSync(script, 0o755);
      const ports = [10101, 10201, 20101, 20201];
      writeFileSync(join(tmp, 'myop.web.conf'), [
        'export VIP=192.0.2.100', 'export netmask=255.255.255.0', 'export broadcast=192.0.2.255',
        'export SERVICES="', ...ports.map((p, k) => `tcp ${p} wrr 198.51.100.${21 + (k >> 1)}:${3306 + (k & 1)}:9999:i`), '"', '',
      ].join('\n'));
      const web = { ...extra, MYOP_CONF: '', MYOP_IPADDR: `${RD}/IPaddr` };
      const up = await inNode(script, ['web', 'start'], web);
      expect(up.code, up.stderr).to.equal(0);
      expect(calls()).to.deep.equal([
        '-L -n',
        ...ports.flatMap((p, k) => [`-L -n -t 192.0.2.100:${p}`, `-A -t 192.0.2.100:${p} -s wrr`, `-a -t 192.0.2.100:${p} -r 198.51.100.${21 + (k >> 1)}:${3306 + (k & 1)} -i -w 9999`]),
      ]);
      // On eth0's labelled alias, with the how-to's netmask and broadcast.
      expect(net.exec(node, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'])).to.match(/inet 192\.0\.2\.100\/24 brd 192\.0\.2\.255 .*eth0:\d/);
      expect((await inNode(script, ['web', 'status'], web)).code).to.equal(0);
      rmSync(log);
      const down = await inNode(script, ['web', 'stop'], web);
      expect(down.code, down.stderr).to.equal(0);
      expect(calls().filter((c) => c.startsWith('-D'))).to.deep.equal(ports.map((p) => `-D -t 192.0.2.100:${p}`));
      expect(readFileSync(table, 'utf8')).to.equal('');
      expect(nodeAddrs()).not.to.contain('192.0.2.100/');
      const none = await inNode(script, ['nosuch', 'start'], web);
      expect([none.code, none.stderr]).to.deep.equal([6, `ERROR: myop: cannot read ${tmp}/myop.nosuch.conf\n`]);
    });
  });
});
