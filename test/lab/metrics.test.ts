// `metrics 9694` in ha.cf (issue 18), on two of our daemons in the lab: `heartbeat status --links`
// with one link cut, curl of /metrics (checked by promtool) before and after a failover, and the
// status page in headless Chromium seeing the holder change. HB_SCREENSHOT=FILE also writes the
// page as Chromium drew it after the failover (the README's picture).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Browser, hasChromium } from './chromium.js';
import { Lab } from './lab.js';
import { isRoot, sh } from './netns.js';
import { type OurHeartbeat, ourHaCf, vipCluster } from './ours.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GROUP = 'IPaddr::192.0.2.10/24/eth0';

async function until<T>(what: string, timeoutMs: number, f: () => T | Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('@lab metrics, the status page and status --links', function () {
  this.timeout(120_000);
  let lab: Lab;
  let hbs: OurHeartbeat[] = [];
  let browser: Browser | null = null;

  const h = (i: 0 | 1): OurHeartbeat => hbs[i] as OurHeartbeat;
  const curl = (node: string, path: string): string => lab.exec(node, 'curl', ['-sfS', '--max-time', '2', `http://127.0.0.1:9694${path}`]);
  const promtool = (text: string): string => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    return `${r.status} ${r.stdout}${r.stderr}`.trim();
  };

  before(async function () {
    if (!isRoot()) this.skip();
    lab = await Lab.create({ nodes: 2 });
    hbs = vipCluster(lab, { haCf: (n) => ourHaCf(lab, n.name, { extra: ['metrics 9694'] }) });
    await Promise.all(hbs.map((x) => x.start()));
    await until('node1 to hold the VIP', 20_000, () => h(0).hasVip());
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    const prefix = lab?.prefix;
    await lab?.teardown();
    if (prefix) expect(sh('ip', ['netns', 'list'])).not.to.contain(prefix);
  });

  it('says where it serves, and refuses a second daemon on the same port with the address in the error', () => {
    expect(h(0).log()).to.contain('Serving metrics at http://127.0.0.1:9694/metrics and the status page at http://127.0.0.1:9694/');
    const page = curl('node1', '/');
    expect(page).to.match(/^<!doctype html>/);
    expect(page).not.to.match(/(src|href)="?(https?:)?\/\//); // nothing from elsewhere: works offline
  });

  it('heartbeat status --links with eth1 cut shows eth1 dead and eth0 up', async () => {
    lab.partition(['node1'], ['node2'], ['eth1']);
    try {
      await until('eth1 to node2 dead', 10_000, () => h(0).cmd('cl_status', 'hblinkstatus', 'node2', 'eth1').out === 'dead\n');
      const r = h(0).cmd('heartbeat', 'status', '--links');
      expect(r.code, r.err).to.equal(0);
      if (process.env['HB_LAB_VERBOSE'] === '1') console.log(r.out);
      expect(r.out).to.match(/^node node2: active, last heard \d+ ms ago/m);
      expect(r.out).to.match(/^ {2}link eth1: dead, last heard [\d.]+ s ago, loss \(1 min\) [\d.]+ %.*faults 1$/m);
      expect(r.out).to.match(/^ {2}link eth0: up, last heard \d+ ms ago, loss \(1 min\) [\d.]+ %.*faults 0$/m);
      const j = JSON.parse(h(0).cmd('heartbeat', 'status', '--json').out) as { cluster: { links: { name: string; links: { name: string; status: string }[] }[] } };
      const node2 = j.cluster.links.find((p) => p.name === 'node2');
      expect(node2?.links.map((l) => `${l.name} ${l.status}`)).to.have.members(['eth0 up', 'eth1 dead']);
      const m = curl('node1', '/metrics');
      expect(m).to.contain('heartbeat_link_up{peer="node2",link="eth1"} 0');
      expect(m).to.contain('heartbeat_link_faults_total{peer="node2",link="eth1"} 1');
    } finally {
      lab.clearFaults();
    }
    await until('eth1 up again', 10_000, () => h(0).cmd('cl_status', 'hblinkstatus', 'node2', 'eth1').out === 'up\n');
  });

  it('curl /metrics shows the holder change and the links going dead on failover; promtool passes; Chromium sees it within 2 s', async function () {
    const before = curl('node2', '/metrics');
    expect(promtool(before)).to.equal('0');
    expect(before).to.contain(`heartbeat_group_held{group="${GROUP}",node="node1"} 1`);
    expect(before).to.contain('heartbeat_link_up{peer="node1",link="eth0"} 1');
    expect(before).to.contain('heartbeat_peer_status{peer="node1",status="active"} 1');

    const chromium = hasChromium();
    const holder = `document.querySelector('tr[data-group="${GROUP}"] .holder')?.textContent ?? ''`;
    if (chromium) {
      browser = await Browser.open(lab.node('node2').ns, 'http://127.0.0.1:9694/', (pid) => lab.trackPid(pid));
      await until('the page to show node1 holding', 15_000, async () => (await browser!.evaluate<string>(holder)) === 'node1');
    }

    const pid = Number(readFileSync(h(0).pidfile, 'utf8'));
    lab.kill9(pid);
    let seenAt = 0;
    const takeoverAt = await until('node2 to hold the VIP', 15_000, async () => {
      if (browser && seenAt === 0 && (await browser.evaluate<string>(holder)) === 'node2') seenAt = Date.now();
      return h(1).hasVip() ? Date.now() : 0;
    });
    if (browser) {
      seenAt = seenAt || (await until('the page to show node2 holding', 5000, async () => ((await browser!.evaluate<string>(holder)) === 'node2' ? Date.now() : 0)));
      expect(seenAt - takeoverAt, 'ms from the takeover to the page showing it').to.be.below(2000);
      expect(await browser.evaluate<string>(`document.querySelector('tr[data-node="node1"] td:nth-child(2)')?.textContent ?? ''`)).to.equal('dead');
      expect(await browser.evaluate<string>(`document.getElementById('events').textContent`)).to.contain('node1: is dead');
      const shot = process.env['HB_SCREENSHOT'];
      if (shot) writeFileSync(shot, await browser.screenshot());
    }

    const after = await until('the metrics to show node1 dead', 5000, () => {
      const m = curl('node2', '/metrics');
      return m.includes('heartbeat_peer_status{peer="node1",status="dead"} 1') ? m : '';
    });
    expect(promtool(after)).to.equal('0');
    expect(after).to.contain(`heartbeat_group_held{group="${GROUP}",node="node2"} 1`);
    expect(after).to.contain(`heartbeat_group_held{group="${GROUP}",node="node1"} 0`);
    expect(after).to.contain('heartbeat_link_up{peer="node1",link="eth0"} 0');
    expect(after).to.contain('heartbeat_link_up{peer="node1",link="eth1"} 0');
    expect(after).to.match(new RegExp(`heartbeat_group_operations_total\\{group="${GROUP.replace(/[.]/g, '\\.')}",operation="start",result="ok"\\} 1`));
    expect(after).to.match(/heartbeat_resource_script_duration_seconds_count\{resource="httpd",operation="start"\} 1/);
    if (!chromium) this.skip(); // the page's half of the acceptance needs Debian's chromium
  });
});
