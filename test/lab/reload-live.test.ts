// Issue 15's acceptance on a running pair in the lab, through the real commands: `heartbeat
// reload` of a keepalive/deadtime change is applied (cl_status hbparameter shows it) and a key
// rotation by the README's steps goes through, while a client asks the VIP every 20 ms: not one
// request fails, the VIP stays on node1, nobody is declared dead, nothing is refused.
import { expect } from 'chai';
import { HttpProbe } from './http-probe.js';
import { Lab } from './lab.js';
import { isRoot, sh } from './netns.js';
import { type OurHeartbeat, ourHaCf, vipCluster } from './ours.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('@lab reload applies timers and keys live, without a lost request', function () {
  this.timeout(120_000);
  let lab: Lab;
  let hbs: OurHeartbeat[] = [];
  let probe: HttpProbe;

  before(async function () {
    if (!isRoot()) this.skip();
    lab = await Lab.create({ nodes: 2 });
    hbs = vipCluster(lab);
    probe = HttpProbe.start(lab, { intervalMs: 20, maxDurationMs: 110_000 });
  });

  after(async () => {
    probe?.stop();
    const prefix = lab?.prefix;
    await lab?.teardown();
    if (prefix) expect(sh('ip', ['netns', 'list'])).not.to.contain(prefix);
  });

  it('a deadtime and keepalive change, then a key rotation in three steps: every request served by node1', async () => {
    const t0 = Date.now();
    await Promise.all(hbs.map((x) => x.start()));
    await probe.waitServedBy('node1', 20_000, t0);
    await sleep(2000);
    const from = Date.now();
    const reloadAll = (files: { haCf?: (n: string) => string; authkeys?: string }, expectOut: RegExp): void => {
      for (const h of hbs) {
        lab.writeFiles(h.node.name, { ...(files.haCf ? { haCf: files.haCf(h.node.name) } : {}), ...(files.authkeys ? { authkeys: files.authkeys } : {}) });
        const r = h.cmd('heartbeat', 'reload');
        expect([r.code, r.err], h.node.name).to.deep.equal([0, '']);
        expect(r.out, h.node.name).to.match(expectOut);
      }
    };
    const timers = (n: string): string => ourHaCf(lab, n, { keepalive: '100ms', deadtime: '2', warntime: '1' });
    reloadAll({ haCf: timers }, /Timers applied live: keepalive 0\.1 s, deadtime 2 s, warntime 1 s/);
    for (const h of hbs) expect(h.cmd('cl_status', 'hbparameter', '-p', 'deadtime').out).to.equal('2\n');
    await sleep(3000);

    // README, "Changing a key without downtime".
    const one = '1 sha1 labTestKey\n';
    const two = '2 sha1 RotatedLabKey\n';
    reloadAll({ authkeys: `auth 1\n${one}${two}` }, /accepting auth 1, 2\./);
    await sleep(2000);
    for (const h of hbs) {
      lab.writeFiles(h.node.name, { authkeys: `auth 2\n${one}${two}` });
      const r = h.cmd('heartbeat', 'reload');
      expect(r.code, r.err).to.equal(0);
      await sleep(2000); // one node, then the other
    }
    reloadAll({ authkeys: `auth 2\n${two}` }, /sending with auth 2 \(sha1\); accepting auth 2\./);
    await sleep(3000);

    const seen = probe.between(from);
    expect(seen.length).to.be.above(400);
    expect(seen.filter((r) => !r.ok || r.node !== 'node1').map((r) => `${new Date(r.t).toISOString()} ${r.node ?? r.err}`)).to.deep.equal([]);
    expect(hbs[0]?.hasVip()).to.equal(true);
    expect(hbs[1]?.hasVip()).to.equal(false);
    for (const h of hbs) {
      const log = h.log();
      expect(log, h.node.name).to.not.match(/is dead|Cannot authenticate|needs a restart|Late heartbeat/);
    }
  });
});
