// Runs the shared Medium contract against memory, ucast on loopback (127.0.0.1 <-> 127.0.0.2,
// a free high port, no root) and serial over a socat pty pair.
import { spawnSync } from 'node:child_process';
import { MemoryLog } from '../../../src/log/types.js';
import { MemoryBus, MemoryMedium } from '../../../src/media/memory.js';
import { SerialMedium } from '../../../src/media/serial.js';
import { UcastMedium } from '../../../src/media/ucast.js';
import { mediumContract } from '../../media/contract.js';
import { freeUdpPort, loIface, ptyPair } from './helpers.js';

mediumContract('memory', async () => {
  const bus = new MemoryBus();
  const log = new MemoryLog();
  return {
    a: new MemoryMedium(bus, { address: 'alpha' }, { log }),
    b: new MemoryMedium(bus, { address: 'bravo' }, { log }),
    aFrom: 'alpha',
    bFrom: 'bravo',
    cleanup: async () => {},
  };
});

mediumContract('ucast on loopback', async () => {
  const port = await freeUdpPort();
  const log = new MemoryLog();
  return {
    a: new UcastMedium({ iface: 'lo', peer: '127.0.0.2', port }, { log, interfaces: loIface('127.0.0.1') }),
    b: new UcastMedium({ iface: 'lo', peer: '127.0.0.1', port }, { log, interfaces: loIface('127.0.0.2') }),
    aFrom: '127.0.0.1',
    bFrom: '127.0.0.2',
    cleanup: async () => {},
  };
});

const haveSocat = spawnSync('socat', ['-V']).status === 0;

describe('serial over a socat pty pair', function () {
  before(function () {
    if (!haveSocat) this.skip();
  });
  mediumContract('serial', async () => {
    const pty = await ptyPair();
    const log = new MemoryLog();
    return {
      a: new SerialMedium({ device: pty.ttyA, baud: 115200 }, { log, lockDir: pty.dir }),
      b: new SerialMedium({ device: pty.ttyB, baud: 115200 }, { log, lockDir: pty.dir }),
      aFrom: pty.ttyB, // serial's `from` is the tty the packet arrived on: b's own
      bFrom: pty.ttyA,
      cleanup: pty.kill,
    };
  });
});
