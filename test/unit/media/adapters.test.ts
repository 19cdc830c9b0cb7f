// Adapter behaviour beyond the shared contract: open errors in Heartbeat's words, UUCP locks,
// stty settings, write-failure reporting, and one stalled medium never holding up another.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HaError } from '../../../src/lib/errors.js';
import { MemoryLog } from '../../../src/log/types.js';
import { MemoryBus, MemoryMedium } from '../../../src/media/memory.js';
import { SerialMedium } from '../../../src/media/serial.js';
import { lockName, ttyLock, ttyUnlock } from '../../../src/media/tty-lock.js';
import { UcastMedium } from '../../../src/media/ucast.js';
import { classic, waitFor } from '../../media/contract.js';
import { freeUdpPort, loIface, ptyPair } from './helpers.js';

async function openErr(p: Promise<void>): Promise<HaError> {
  try {
    await p;
  } catch (err) {
    return err as HaError;
  }
  throw new Error('expected open to fail');
}

const haveSocat = spawnSync('socat', ['-V']).status === 0;

describe('media adapters', function () {
  describe('memory', () => {
    it('reports a cut bus like a pulled cable, then suppresses', () => {
      const bus = new MemoryBus();
      const log = new MemoryLog();
      const m = new MemoryMedium(bus, { address: 'alpha', linkName: 'eth1' }, { log });
      return m.open(() => {}).then(() => {
        bus.down = true;
        for (let i = 0; i < 12; i++) m.send(classic({ t: 'status' }));
        expect(log.text()).to.include('WARN: Is a cable unplugged on memory eth1?');
        expect(log.text()[1]).to.equal('ERROR: write_child: write failure on memory eth1.: Network is unreachable');
      });
    });

    it('loops our own packets back when asked, as bcast does', async () => {
      const bus = new MemoryBus();
      const got: string[] = [];
      const m = new MemoryMedium(bus, { address: 'alpha', loopback: true }, { log: new MemoryLog() });
      await m.open((_b, from) => got.push(from));
      m.send(classic({ t: 'status' }));
      await waitFor(() => got.length === 1);
      expect(got).to.deep.equal(['alpha']);
    });
  });

  describe('ucast', () => {
    it('fails to open on an address that is not ours with the address, port and errno', async () => {
      const log = new MemoryLog();
      const m = new UcastMedium({ iface: 'lo', peer: '192.0.2.2', port: 40694 }, { log, interfaces: loIface('192.0.2.99') });
      const err = await openErr(m.open(() => {}));
      expect(err.code).to.equal('HA_E_MEDIA');
      expect(err.message).to.equal('ucast: cannot bind udp 192.0.2.99:40694: EADDRNOTAVAIL');
    });

    it('names a missing interface', async () => {
      const m = new UcastMedium({ iface: 'hbts-none9', peer: '192.0.2.2', port: 40694 }, { log: new MemoryLog() });
      expect((await openErr(m.open(() => {}))).message).to.equal('ucast: interface [hbts-none9] not found');
    });

    it('logs Heartbeat\'s start line', async () => {
      const log = new MemoryLog();
      const port = await freeUdpPort();
      const m = new UcastMedium({ iface: 'lo', peer: '127.0.0.2', port }, { log, interfaces: loIface('127.0.0.1') });
      await m.open(() => {});
      await m.close();
      expect(log.text()).to.deep.equal([`info: glib: ucast: started on port ${port} interface lo to 127.0.0.2`]);
    });
  });

  describe('UUCP lock files', () => {
    let dir: string;
    let kill: () => Promise<void>;
    before(async function () {
      if (!haveSocat) return this.skip();
      ({ dir, kill } = await ptyPair());
    });
    after(async () => kill?.());

    it('names the lock after the device without /dev/ and non-alphanumerics', () => {
      expect(lockName('/dev/ttyS0')).to.equal('LCK..ttyS0');
      expect(lockName('/dev/tty/USB-0')).to.equal('LCK..ttyUSB0');
    });

    it('writes our pid as ten right-aligned digits and a LF, and removes it on unlock', () => {
      const file = ttyLock('/dev/ttyS0', dir, 4242);
      expect(readFileSync(file, 'latin1')).to.equal('      4242\n');
      ttyUnlock(file);
      expect(existsSync(file)).to.equal(false);
    });

    it('takes over a stale lock and refuses a live one', () => {
      writeFileSync(join(dir, 'LCK..ttyS1'), '  99999999\n');
      ttyUnlock(ttyLock('/dev/ttyS1', dir));
      writeFileSync(join(dir, 'LCK..ttyS1'), `${String(process.ppid).padStart(10)}\n`);
      expect(() => ttyLock('/dev/ttyS1', dir)).to.throw(HaError, `serial: cannot lock line /dev/ttyS1: [${join(dir, 'LCK..ttyS1')}] is held by pid ${process.ppid}`);
    });
  });

  describe('serial', function () {
    let pty: Awaited<ReturnType<typeof ptyPair>>;
    beforeEach(async function () {
      if (!haveSocat) return this.skip();
      pty = await ptyPair();
    });
    afterEach(async () => pty?.kill());

    it('sets the line like serial.c ttysetup, locks it while open, and logs the start line', async () => {
      const log = new MemoryLog();
      const m = new SerialMedium({ device: pty.ttyA, baud: 19200 }, { log, lockDir: pty.dir });
      await m.open(() => {});
      const lock = join(pty.dir, lockName(pty.ttyA));
      expect(readFileSync(lock, 'latin1')).to.equal(`${String(process.pid).padStart(10)}\n`);
      const flags = spawnSync('stty', ['-F', pty.ttyA, '-a'], { encoding: 'utf8' }).stdout.split(/[\s;]+/);
      for (const f of ['19200', 'cs8', '-parenb', 'cread', 'clocal', 'crtscts', 'igncr', 'istrip', 'inpck', 'brkint', '-icrnl', '-ixon', '-opost', '-icanon', '-echo', '-isig']) {
        expect(flags, f).to.include(f);
      }
      await m.close();
      expect(existsSync(lock)).to.equal(false);
      expect(log.text()).to.deep.equal([`info: Starting serial heartbeat on tty ${pty.ttyA} (19200 baud)`]);
    });

    it('refuses a locked line, a missing device and a non-tty, naming each', async () => {
      const log = new MemoryLog();
      writeFileSync(join(pty.dir, lockName(pty.ttyA)), `${String(process.ppid).padStart(10)}\n`);
      const locked = await openErr(new SerialMedium({ device: pty.ttyA, baud: 19200 }, { log, lockDir: pty.dir }).open(() => {}));
      expect(locked.message).to.match(/^serial: cannot lock line .*ttyA: .* is held by pid \d+$/);
      const missing = await openErr(new SerialMedium({ device: '/dev/hbts-nope', baud: 19200 }, { log, lockDir: pty.dir }).open(() => {}));
      expect(missing.message).to.equal('serial: cannot open /dev/hbts-nope: No such file or directory');
      const plain = join(pty.dir, 'plain');
      writeFileSync(plain, '');
      const notTty = await openErr(new SerialMedium({ device: plain, baud: 19200 }, { log, lockDir: pty.dir }).open(() => {}));
      expect(notTty.message).to.equal(`serial: Serial port [${plain}] not a char device`);
      expect(notTty.code).to.equal('HA_E_MEDIA');
    });

    it('does not send netstring (a real serial reader would skip it) and says so', async () => {
      const log = new MemoryLog();
      const m = new SerialMedium({ device: pty.ttyA, baud: 115200 }, { log, lockDir: pty.dir });
      await m.open(() => {});
      m.send(Buffer.from('###\n11:(0)t=status,%%%\n'));
      await m.close();
      expect(log.text()[1]).to.match(/^ERROR: glib: serial_write: 23 byte message on \[.*ttyA\] is not classic text; not sent$/);
    });

    it('keeps ucast flowing while the serial line is stalled, and warns of the TTY write timeout', async function () {
      this.timeout(4000);
      const log = new MemoryLog();
      const serial = new SerialMedium({ device: pty.ttyA, baud: 921600 }, { log, lockDir: pty.dir });
      await serial.open(() => {});
      const port = await freeUdpPort();
      const ua = new UcastMedium({ iface: 'lo', peer: '127.0.0.2', port }, { log, interfaces: loIface('127.0.0.1') });
      const ub = new UcastMedium({ iface: 'lo', peer: '127.0.0.1', port }, { log, interfaces: loIface('127.0.0.2') });
      const got: number[] = [];
      await ua.open(() => {});
      await ub.open(() => got.push(Date.now()));
      process.kill(pty.pid, 'SIGSTOP'); // nobody drains the pty any more: writes hit EAGAIN
      try {
        const big = classic({ t: 'rexmit', info: 'y'.repeat(8000) });
        for (let i = 0; i < 40; i++) serial.send(big);
        const t0 = Date.now();
        ua.send(classic({ t: 'status', src: 'alpha' }));
        await waitFor(() => got.length === 1, 1000, 'ucast during a stalled serial line');
        expect((got[0] ?? Infinity) - t0).to.be.below(100);
        await waitFor(() => log.text().some((l) => l.includes('TTY write timeout')), 2500, 'the timeout warning');
        expect(log.text()).to.include(`WARN: glib: TTY write timeout on [${pty.ttyA}] (no connection or bad cable? [see documentation])`);
      } finally {
        process.kill(pty.pid, 'SIGCONT');
        await Promise.all([serial.close(), ua.close(), ub.close()]);
      }
    });
  });
});
