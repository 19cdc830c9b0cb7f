// The root demo: a two-node cluster of OUR daemons in network namespaces (test/lab/lab.ts) serving a
// page on the VIP 192.0.2.10 with resource.d/IPaddr + resource.d/httpd (busybox httpd), while a
// client namespace asks http://192.0.2.10/ every 20 ms (test/lab/http-probe.ts). It crashes the active
// node (kill -9 of everything on it), restarts it (auto_failback on), and switches over gracefully
// with `heartbeat stop`, measuring what the client saw each time. Everything it made is removed at
// the end, on error, and on Ctrl-C.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTimeline, parseLog, renderTimeline, timelineSvg } from '../../src/cli/timeline.js';
import { HttpProbe } from '../lab/http-probe.js';
import { Lab } from '../lab/lab.js';
import { type OurHeartbeat, labAuthkeys, ourHaCf, vipCluster } from '../lab/ours.js';
import { LiveLine, liveText, logTail, measure, runs, summaryTable, type StepResult } from './view.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const say = (s: string): void => void process.stdout.write(`${s}\n`);

/** Timers: sub-second so the demo is short; Heartbeat's own defaults are 2 s / 30 s. */
const TIMERS = { keepalive: '200ms', warntime: '800ms', deadtime: '1500ms', initdead: '3' } as const;

export async function runLabDemo(): Promise<number> {
  const t0 = Date.now();
  say('== heartbeat-ts demo: two nodes, one VIP (192.0.2.10), a web page on it ==');
  say(`   timers: keepalive ${TIMERS.keepalive}, deadtime ${TIMERS.deadtime}, initdead ${TIMERS.initdead}s, auto_failback on`);
  say('   building the lab: namespaces node1, node2, client, router; LAN 192.0.2.0/24 (eth0), heartbeat link 198.51.100.0/24 (eth1)');
  const lab = await Lab.create({ nodes: 2 });
  let live: NodeJS.Timeout | null = null;
  const line = new LiveLine();
  const onSigint = (): void => {
    if (live) clearInterval(live);
    line.done();
    say('\n   interrupted: removing the lab (processes, namespaces, files) ...');
    lab.teardownSync();
    say('   clean.');
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const hb = vipCluster(lab, {
      haCf: (n) => ourHaCf(lab, n.name, { ...TIMERS, autoFailback: 'on' }),
      authkeys: labAuthkeys('demo-secret'),
    }) as [OurHeartbeat, OurHeartbeat];
    const [n1, n2] = hb;
    say(`   lab ${lab.prefix} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; each node's page says its name`);
    say('');
    say('   haresources on both nodes:  node1 IPaddr::192.0.2.10/24/eth0 httpd');
    say('   the client (192.0.2.100) asks http://192.0.2.10/ every 20 ms; the line below says who answered');
    say('');

    const probe = HttpProbe.start(lab, { intervalMs: 20, timeoutMs: 300, maxDurationMs: 180_000 });
    live = setInterval(() => {
      const last = probe.records.at(-1);
      line.update(liveText(probe.records, t0, Date.now()), last ? (last.ok ? (last.node ?? '?') : 'FAILED') : 'none');
    }, 200);
    const step = (s: string): void => {
      line.done();
      say(`\n-- ${s}`);
    };
    const results: StepResult[] = [];
    let marks = hb.map((h) => h.log().length);
    const mark = (): void => void (marks = hb.map((h) => h.log().length));
    /** What each node's ha-log said since the last mark (the interesting lines only). */
    const excerpt = (n: number): void => {
      hb.forEach((h, i) => {
        for (const l of logTail(h.log().slice(marks[i] ?? 0), n)) say(`      ${l}`);
      });
    };
    const note = (r: StepResult, what: string): void => {
      results.push(r);
      line.done();
      say(`   => ${what}: ${r.to} serving ${((r.takeoverMs ?? NaN) / 1000).toFixed(2)} s after the action; ${r.failed} failed request(s)`);
      excerpt(8);
    };

    // 1. Cold start of both.
    step('1. heartbeat start on node1 and node2, together');
    let since = Date.now();
    mark();
    await Promise.all(hb.map((h) => h.start()));
    await probe.waitServedBy('node1', 40_000, since);
    line.done();
    say(`   => node1 holds 192.0.2.10 and serves it, ${((Date.now() - since) / 1000).toFixed(1)} s after start`);
    excerpt(4);
    // Heartbeat allows more than deadtime during a node's first seconds (a late first heartbeat is not
    // a death): crash only once both are past that, so the takeover shows the plain deadtime.
    await watch(Math.max(3000, since + 6000 - Date.now()));

    // 2. Crash of the active node.
    step('2. CRASH: kill -9 of every process on node1 (heartbeat and httpd); node2 must notice within deadtime (1.5 s)');
    since = Date.now();
    mark();
    lab.kill9('node1');
    await n1.waitExit(5000);
    await probe.waitServedBy('node2', 15_000, since);
    note(measure(probe.records, 'crash (kill -9)', 'node1', 'node2', since), 'takeover');
    await watch(3000);

    // 3. Restart: auto_failback on gives the group back to its home node.
    step('3. heartbeat start on node1 again (auto_failback on: node2 hands the VIP back)');
    since = Date.now();
    mark();
    await n1.start();
    await probe.waitServedBy('node1', 30_000, since);
    note(measure(probe.records, 'restart, failback', 'node2', 'node1', since), 'failback');
    await watch(3000);

    // 4. Graceful switchover.
    step('4. heartbeat stop on node1 (graceful: node1 releases, node2 takes over at once, no deadtime wait)');
    since = Date.now();
    mark();
    const stop = n1.cmd('heartbeat', 'stop');
    if (stop.code !== 0) throw new Error(`heartbeat stop on node1 failed (${stop.code}): ${stop.err}`);
    await n1.waitExit(10_000);
    await probe.waitServedBy('node2', 15_000, since);
    note(measure(probe.records, 'heartbeat stop', 'node1', 'node2', since), 'switchover');
    await watch(2000);

    clearInterval(live);
    live = null;
    line.done();
    probe.stop();
    say('\n== summary (what the client saw) ==');
    say(summaryTable(results));
    const total = probe.records.length;
    const failed = probe.records.filter((r) => !r.ok).length;
    say(`   requests: ${total}, failed: ${failed} (the first failures are the start-up, before anyone held the VIP)`);
    say(`   timeline: ${runs(probe.records).map((r) => `${r.node} x${r.count}`).join(' | ')}`);
    for (const h of [n1, n2]) {
      say(`\n== tail of ${h.node.name}'s ha-log (${h.node.logFile}), relevant lines ==`);
      for (const l of logTail(h.log(), 6)) say(`   ${l}`);
    }
    n2.cmd('heartbeat', 'stop');
    // What `heartbeat timeline node1=LOG node2=LOG --svg FILE` prints, from the two ha-logs.
    const tl = buildTimeline([n1, n2].map((h) => parseLog(h.log(), h.node.name)));
    const svg = join(tmpdir(), 'heartbeat-demo-timeline.svg');
    writeFileSync(svg, timelineSvg(tl));
    say('\n== heartbeat timeline (from both ha-logs) ==');
    for (const l of renderTimeline(tl).trimEnd().split('\n')) say(`   ${l}`);
    say(`   drawn as SVG in ${svg}`);
    say(`\n   cleaning up (node2 stopped; removing namespaces ${lab.prefix}-*) ...`);
    return 0;
  } finally {
    if (live) clearInterval(live);
    line.done();
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
    await lab.teardown();
    say(`   done in ${((Date.now() - t0) / 1000).toFixed(0)} s; nothing left behind.`);
  }
}

/** Lets the live line run for a while. */
function watch(ms: number): Promise<void> {
  return sleep(ms);
}
