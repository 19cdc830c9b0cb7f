// The ping adapter: one steady `ping` per host (real, on loopback), its line parser, its restart
// backoff (fake spawner, virtual time), and the probe loop tests use.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { Pinger, parsePingLine, pingInterval, systemPing } from '../../../src/ipfail/pinger.js';
import { FakeClock } from '../../../src/lib/clock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ipfail pinger', () => {
  it('reads replies and misses from iputils ping -O lines', () => {
    expect(parsePingLine('64 bytes from 192.0.2.254: icmp_seq=3 ttl=64 time=0.050 ms')).to.equal('reply');
    expect(parsePingLine('no answer yet for icmp_seq=4')).to.equal('miss');
    expect(parsePingLine('PING 192.0.2.254 (192.0.2.254) 56(84) bytes of data.')).to.equal(null);
    expect(parsePingLine('From 192.0.2.1 icmp_seq=5 Destination Host Unreachable')).to.equal(null);
    expect(pingInterval(200)).to.equal('0.2');
    expect(pingInterval(1000)).to.equal('1');
  });

  it('runs ONE long-lived ping per host that reports a reply every keepalive (loopback)', async function () {
    this.timeout(5000);
    const results: number[] = [];
    const p = new Pinger(['127.0.0.1'], 200, systemPing, (_h, up) => void (up && results.push(Date.now())));
    try {
      for (let i = 0; i < 10; i++) p.poll(i * 200); // the runtime polls on every tick: idempotent
      await sleep(1100);
      expect(p.pids()).to.have.length(1);
      expect(results.length).to.be.within(4, 7);
      expect(p.nextDue()).to.equal(undefined);
    } finally {
      p.stop();
    }
    const n = results.length;
    await sleep(400);
    expect(results.length).to.equal(n);
  });

  it('restarts a ping that exits, after 1 s, then backs off while it keeps exiting (virtual time)', async () => {
    const clock = new FakeClock(0);
    const starts: number[] = [];
    const fakeSpawn = (): ChildProcess => {
      starts.push(clock.now());
      const c = new EventEmitter() as unknown as ChildProcess & { exitCode: number | null; signalCode: null };
      Object.assign(c, { stdout: new PassThrough(), exitCode: 2, signalCode: null, pid: 1, kill: () => true });
      setImmediate(() => c.emit('close', 2));
      return c;
    };
    const downs: boolean[] = [];
    const p = new Pinger(['192.0.2.254'], 200, systemPing, (_h, up) => void downs.push(up), fakeSpawn, clock);
    p.poll(0);
    for (let t = 0; t < 3300; t += 100) {
      await new Promise((r) => setImmediate(r)); // the fake ping's exit
      p.poll(clock.now()); // the runtime polls on every tick: no start while a restart is pending
      clock.advance(100);
    }
    p.stop();
    // t=0, +1 s, +2 s (delay 2 s after the second failure) => 3 starts in 3.3 s, not one per tick.
    expect(starts).to.deep.equal([0, 1000, 3000]);
    expect(downs.every((u) => !u)).to.equal(true);
    expect(clock.pending(), 'stop() cancels the pending restart').to.equal(0);
  });

  it('with a test probe, probes each host once per interval and never twice at once', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = new Pinger(['a', 'b'], 1000, async () => (calls++, await gate, true), () => undefined);
    p.poll(0);
    p.poll(10);
    expect(calls).to.equal(2);
    expect(p.nextDue()).to.equal(undefined);
    release();
    await sleep(0);
    expect(p.nextDue()).to.equal(1000);
    p.poll(999);
    expect(calls).to.equal(2);
    p.poll(1000);
    expect(calls).to.equal(4);
    p.stop();
  });

  it('refuses host names that ping could read as options', async () => {
    expect(await systemPing('-f')).to.equal(false);
    expect(new Pinger(['-f'], 200, systemPing, () => undefined).pids()).to.deep.equal([]);
  });
});
