// Helpers for media tests: free loopback ports, injected interface tables, socat pty pairs.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InterfaceTable } from '../../../src/media/medium.js';
import { waitFor } from '../../media/contract.js';

/** A port that is free on 127.0.0.1 right now (other helpers run UDP tests concurrently). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export const loIface = (address: string): (() => InterfaceTable) => () => ({
  lo: [{ address, netmask: '255.0.0.0', family: 'IPv4' }],
});

/** Two linked ptys TMP/ttyA <-> TMP/ttyB; kill() stops socat by its PID. */
export async function ptyPair(): Promise<{ dir: string; ttyA: string; ttyB: string; pid: number; kill: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'hbts-serial-'));
  const ttyA = join(dir, 'ttyA');
  const ttyB = join(dir, 'ttyB');
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${ttyA}`, `pty,raw,echo=0,link=${ttyB}`], { stdio: 'ignore' });
  await waitFor(() => existsSync(ttyA) && existsSync(ttyB), 3000, 'socat ptys');
  return {
    dir,
    ttyA,
    ttyB,
    pid: socat.pid ?? 0,
    kill: async () => {
      if (socat.exitCode === null && socat.pid !== undefined) {
        const gone = new Promise((r) => socat.once('exit', r));
        process.kill(socat.pid, 'SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

