// A group's stop ends the gratuitous-ARP runs still announcing its address (an arping -c 3 lasts
// 2 s; left running it points the LAN back at a node that no longer has the address). A stand-in
// `arping` on PATH records its arguments and sleeps: no packet leaves this machine.
import { expect } from 'chai';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cancelReannounce, reannounceGroup } from '../../../src/control/runtime-groups.js';
import type { ResourceGroup } from '../../../src/config/types.js';

const group = { node: 'node1', resources: [{ name: 'IPaddr', args: ['192.0.2.10/24/eth0'], spec: 'IPaddr::192.0.2.10/24/eth0' }] } as unknown as ResourceGroup;
const quiet = { log: () => undefined } as unknown as Parameters<typeof reannounceGroup>[1];

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return ok();
}

describe('runtime groups: re-announce and stop', () => {
  let dir: string;
  let path: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-arping-'));
    // Records its pid and arguments, then waits to be ended (exec keeps the pid the daemon knows).
    writeFileSync(join(dir, 'arping'), `#!/bin/sh\necho "$$ $*" >> ${dir}/calls\ntrap 'echo TERM >> ${dir}/calls; exit 0' TERM\nsleep 5 & wait\n`);
    chmodSync(join(dir, 'arping'), 0o755);
    path = process.env['PATH'];
    process.env['PATH'] = `${dir}:${path ?? ''}`;
  });
  afterEach(() => {
    process.env['PATH'] = path;
    rmSync(dir, { recursive: true, force: true });
  });

  it('cancelReannounce ends an arping still announcing the group, and only for that group', async () => {
    const calls = join(dir, 'calls');
    reannounceGroup(group, quiet, undefined);
    expect(await until(() => existsSync(calls), 3000)).to.equal(true);
    expect(readFileSync(calls, 'utf8')).to.match(/-U -c 3 -I eth0 192\.0\.2\.10/);
    const other = { ...group, resources: [{ name: 'IPaddr', args: ['192.0.2.20/24/eth0'], spec: 'IPaddr::192.0.2.20/24/eth0' }] } as unknown as ResourceGroup;
    cancelReannounce(other);
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(calls, 'utf8')).to.not.include('TERM');
    cancelReannounce(group);
    expect(await until(() => readFileSync(calls, 'utf8').includes('TERM'), 3000)).to.equal(true);
  });
});
