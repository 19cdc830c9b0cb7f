// The daemon supervises `respawn` clients: one of OUR daemons in a lab node, started through the CLI
// with `respawn root HELPER` (a script that logs each start and sleeps) and `respawn hacluster
// .../ipfail`. The respawn policy itself (5 kills, exit 100, throttling) is tested in
// test/unit/control/respawn*.test.ts; this checks the wiring: started with the daemon, restarted
// when killed, stopped with the daemon (before "shutdown complete", as Heartbeat does), and ipfail
// paths switch on the built-in module instead of running anything.
import { expect } from 'chai';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from './lab.js';
import { isRoot, sh } from './netns.js';
import { OurHeartbeat, ourHaCf } from './ours.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
};

describe('@lab the daemon runs its respawn clients', function () {
  this.timeout(60_000);
  let lab: Lab;
  let hb: OurHeartbeat;
  let startsFile = '';
  let helper = '';
  let ipfailMarker = '';

  const starts = (): number[] =>
    existsSync(startsFile) ? readFileSync(startsFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  const waitStarts = async (n: number, ms: number): Promise<number[]> => {
    const deadline = Date.now() + ms;
    while (starts().length < n) {
      if (Date.now() > deadline) throw new Error(`helper started ${starts().length} times, wanted ${n}: ${hb.log().slice(-1500)}`);
      await sleep(50);
    }
    return starts();
  };

  before(async function () {
    if (!isRoot()) this.skip();
    lab = await Lab.create({ nodes: 1 });
    const n = lab.node('node1');
    mkdirSync(join(n.dir, 'bin'), { recursive: true });
    startsFile = join(n.dir, 'helper-starts');
    helper = join(n.dir, 'bin', 'helper');
    writeFileSync(helper, `#!/bin/sh\necho $$ >> ${startsFile}\nexec sleep 600\n`);
    chmodSync(helper, 0o755);
    ipfailMarker = join(n.dir, 'ipfail-ran');
    const ipfail = join(n.dir, 'bin', 'ipfail');
    writeFileSync(ipfail, `#!/bin/sh\ntouch ${ipfailMarker}\n`);
    chmodSync(ipfail, 0o755);
    hb = new OurHeartbeat(lab, 'node1', {
      haCf: ourHaCf(lab, 'node1', { media: ['bcast eth0'], extra: [`respawn root ${helper} --flag`, `respawn hacluster ${ipfail}`] }),
      haresources: '',
      authkeys: 'auth 1\n1 sha1 labTestKey\n',
    });
  });

  after(async () => {
    const prefix = lab?.prefix;
    await lab?.teardown();
    if (prefix) expect(sh('ip', ['netns', 'list'])).not.to.contain(prefix);
  });

  it('starts the helper with the daemon and logs the built-in ipfail line instead of running ipfail', async () => {
    await hb.start();
    const [pid] = await waitStarts(1, 5000);
    expect(alive(pid as number)).to.equal(true);
    const log = hb.log();
    expect(log).to.match(new RegExp(`info: Starting child client "${helper} --flag" \\(0,0\\)`));
    expect(log).to.match(new RegExp(`info: Starting "${helper} --flag" as uid 0  gid 0 \\(pid ${pid}\\)`));
    expect(log).to.match(/info: Built-in ipfail is active instead of child client ".*\/bin\/ipfail" \(not started\)/);
    expect(log).to.match(/ipfail: watching 1 ping target\(s\) against/);
    await sleep(300);
    expect(existsSync(ipfailMarker)).to.equal(false);
  });

  it('restarts the helper when it is killed', async () => {
    const [first] = starts();
    process.kill(first as number, 'SIGKILL');
    const all = await waitStarts(2, 5000);
    expect(all[1]).to.not.equal(first);
    expect(alive(all[1] as number)).to.equal(true);
    expect(hb.log()).to.match(/Respawning client/);
  });

  it('stops the helper with the daemon, before "shutdown complete"', async () => {
    const pid = starts().at(-1) as number;
    const stop = hb.cmd('heartbeat', 'stop');
    expect(stop.code, stop.err).to.equal(0);
    await hb.waitExit(15_000);
    for (let i = 0; i < 50 && alive(pid); i++) await sleep(50);
    expect(alive(pid)).to.equal(false);
    const log = hb.log();
    const kill = log.search(new RegExp(`killing ${helper} --flag process group ${pid} with signal 15`));
    expect(kill, log.slice(-1500)).to.be.greaterThan(-1);
    expect(log.indexOf('node1 Heartbeat shutdown complete.')).to.be.greaterThan(kill);
    expect(starts()).to.have.length(2);
  });
});
